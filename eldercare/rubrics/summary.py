"""The run summary's lines for the scores: each rubric's total and grade per subject."""

from __future__ import annotations

import pandas as pd


def score_summary_lines(totals: pd.DataFrame) -> list[str]:
    """One line per rubric × subject from scores.totals (depth 0 rows): points of max, grade or why there is none."""
    rows = totals[totals["depth"] == 0].sort_values(["rubric", "region_code", "subject"])
    lines = [f"rubric scores: {len(rows)} subject(s)"]
    for r in rows.itertuples(index=False):
        if r.veto:
            grade = f"{r.grade} (veto: {r.veto_reason})"
        else:
            grade = r.grade if isinstance(r.grade, str) else f"— ({r.why_not})"
        points = "—" if r.points != r.points else f"{r.points:.2f}"  # NaN: nothing scored
        lines.append(f"  {r.rubric:<32} {r.subject:<10} {points:>7} / {r.max_points:g}   {grade}")
    return lines
