"""The reviewer report: self-contained HTML with the headline figures against targets and one chart per topic."""

import re

import pandas as pd

from eldercare.exports.findings import collect_findings, summarise
from eldercare.exports.indicators import indicator_table
from eldercare.exports.report import ReportInputs, render_report
from eldercare.exports.settings import load_settings

from export_fixtures import AS_OF, CODE, SETTINGS, figures, short_months, totals, visit_findings, visit_shortfalls


def _inputs(**over) -> ReportInputs:
    figs = figures()
    ind = indicator_table(figs, CODE, SETTINGS)
    rows = collect_findings(CODE, load_settings().findings, visit_findings=visit_findings(),
                            short_months=short_months(), figures=figs, indicators=ind)
    funds = pd.DataFrame([("central", "allocated", 1_500_000), ("central", "received", 1_500_000),
                          ("central", "spent", 1_200_000), ("county", "allocated", 500_000),
                          ("county", "spent", 300_000)], columns=["source", "kind", "yuan"])
    cost = figs[(figs["metric"] == "cost_per_bed") & figs["institution_id"].notna()][["institution_id", "value", "why_not"]]
    levels = totals()[(totals()["subject"] == CODE) & (totals()["level"] != "total")]
    sf = visit_shortfalls()
    args = dict(region_code=CODE, region_name="周村区", project_year=2022, as_of=AS_OF, indicators=ind,
                execution_rate=0.75, execution_why=None, cost_per_bed=cost, bed_cap_yuan=2500.0, funds_by_source=funds,
                compliance=sf[sf["metric"] == "visits"], score_levels=levels, findings_summary=summarise(rows),
                data_docs="数据质量文档/index.html",
                quality=[{"name": "open_punch_share", "success": False, "evaluated": 2, "unexpected": 1,
                          "failing": ["370306 QYT 2022-07: open_punch_share=0.25"], "description": ""},
                         {"name": "month_coverage", "success": True, "evaluated": 4, "unexpected": 0, "failing": [],
                          "description": ""}])
    return ReportInputs(**{**args, **over})


def test_headline_figures_against_targets():
    html = render_report(_inputs())
    assert "周村区（370306）2022年居家和社区基本养老服务提升行动项目评审报告" in html and "数据截至 2022-12-31" in html
    beds = re.search(r'<tr data-indicator="beds_built">(.*?)</tr>', html).group(1)
    assert "248 张" in beds and "≥248 张" in beds and "达标" in beds
    person_times = re.search(r'<tr data-indicator="person_times">(.*?)</tr>', html).group(1)
    assert "396 人次" in person_times and "≥495 人次" in person_times and "未达标" in person_times
    home = re.search(r'<tr data-indicator="satisfaction_rate_home">(.*?)</tr>', html).group(1)
    assert "76.50%" in home and "≥85.00%" in home
    assert "baseline.disabled_low_income_elders unknown" in html
    assert re.search(r'data-indicator="self_evaluation_execution_rate">.*?75.00%', html)


def test_one_chart_per_topic_with_its_data():
    html = render_report(_inputs())
    charts = dict(re.findall(r'<figure class="chart" data-topic="(\w+)">(.*?)</figure>', html))
    assert set(charts) == {"compliance", "cost_per_bed", "execution", "scores"}
    assert all("<svg" in c for c in charts.values())
    # compliance: QYT July 1 − 1/57 below = 98%; TY September 40 of 40 meet the visits minimum = 100%
    assert "QYT: 98%" in charts["compliance"] and "TY: 100%" in charts["compliance"]
    assert "上限 2,500" in charts["cost_per_bed"] and "2,800" in charts["cost_per_bed"]
    assert "下达 中央: 1,500,000" in charts["execution"] and "支出 县级: 300,000" in charts["execution"]
    assert "得分 产出: 5.50" in charts["scores"] and "满分 产出: 6" in charts["scores"]
    assert "月上门服务次数低于最低要求" in html  # the findings


def test_self_contained_no_network_no_script():
    html = render_report(_inputs())
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r'(src|href)="https?:', html)
    assert '<meta charset="utf-8">' in html and 'lang="zh-CN"' in html


def test_missing_tables_leave_the_chart_place_with_the_reason():
    html = render_report(_inputs(cost_per_bed=None, funds_by_source=None, score_levels=None, compliance=None,
                                 indicators=indicator_table(None, CODE, SETTINGS), execution_rate=None,
                                 execution_why="not computable: 尚未计算 (table missing)"))
    missing = re.findall(r'<figure class="chart missing" data-topic="(\w+)">.*?尚未计算 \(table missing\)', html)
    assert sorted(missing) == ["compliance", "cost_per_bed", "execution", "scores"]


def test_data_quality_section_lists_each_check():
    html = render_report(_inputs())
    row = re.search(r'<tr data-check="open_punch_share">(.*?)</tr>', html).group(1)
    assert "缺少签退占比" in row and "警告" in row and "1 / 2" in row and "QYT 2022-07" in row
    assert "通过" in re.search(r'<tr data-check="month_coverage">(.*?)</tr>', html).group(1)
    assert 'href="数据质量文档/index.html"' in html
