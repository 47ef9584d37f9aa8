"""The run summary's score lines: total of max and grade per rubric and subject, or why there is no grade."""

import pandas as pd

from eldercare.rubrics.summary import score_summary_lines


def test_one_line_per_rubric_and_subject_with_grade_veto_or_why():
    totals = pd.DataFrame([
        {"region_code": "370306", "rubric": "zhoucun_2022_project", "subject": "370306", "depth": 0, "level": "total",
         "points": 85.0, "max_points": 100.0, "grade": "良好", "veto": False, "veto_reason": None, "why_not": None},
        {"region_code": "370306", "rubric": "zhoucun_2022_project", "subject": "370306", "depth": 1, "level": "决策",
         "points": 14.5, "max_points": 15.0, "grade": None, "veto": False, "veto_reason": None, "why_not": None},
        {"region_code": "370306", "rubric": "zhoucun_2022_institution", "subject": "QYT", "depth": 0,
         "level": "total", "points": 1 / 3 + 64, "max_points": 100.0, "grade": None, "veto": False,
         "veto_reason": None, "why_not": "grade withheld: 2 indicator(s) not scored"},
        {"region_code": "370399", "rubric": "zhoucun_2022_project", "subject": "370399", "depth": 0, "level": "total",
         "points": 92.0, "max_points": 100.0, "grade": "差", "veto": True, "veto_reason": "挪用项目资金",
         "why_not": None},
    ])
    lines = score_summary_lines(totals)
    assert lines[0] == "rubric scores: 3 subject(s)"
    assert lines[1].split() == ["zhoucun_2022_institution", "QYT", "64.33", "/", "100", "—", "(grade", "withheld:",
                                "2", "indicator(s)", "not", "scored)"]  # 64.333… shown to 2 decimals
    assert lines[2].split() == ["zhoucun_2022_project", "370306", "85.00", "/", "100", "良好"]
    assert lines[3].split() == ["zhoucun_2022_project", "370399", "92.00", "/", "100", "差", "(veto:", "挪用项目资金)"]
