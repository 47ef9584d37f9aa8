"""The reviewer report: one self-contained HTML file per region (inline CSS and SVG, Chinese text) with the
headline figures against their targets, the four charts and the findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from eldercare.exports import charts
from eldercare.exports.indicators import MISSING_TABLE, figure
from eldercare.exports.score_sheet import TOTAL_LEVELS

SOURCE_LABELS = {"central": "中央", "provincial": "省级", "municipal": "市级", "county": "县级", "other": "其他"}
FUND_LABELS = {"allocated": "下达", "received": "到位", "spent": "支出"}

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:24px auto;max-width:980px;color:#222;line-height:1.5}
h1{font-size:24px;border-bottom:3px solid #2f6db5;padding-bottom:6px}h2{font-size:19px;margin-top:28px;color:#2f6db5}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #bbb;padding:4px 6px;text-align:left}
th{background:#e8eef7}td.num{text-align:right;white-space:nowrap}.ok{color:#2a7a3b}.bad{color:#b23a48;font-weight:bold}
.why{color:#8a6d3b;font-style:italic}figure.chart{margin:12px 0;border:1px solid #ddd;padding:8px}
figcaption{font-weight:bold;margin-bottom:4px}.meta{color:#666;font-size:13px}
"""


@dataclass
class ReportInputs:
    """Everything the report shows, already computed (frames may be None: the section says why)."""

    region_code: str
    region_name: str
    project_year: int
    as_of: dt.date
    indicators: pd.DataFrame  # indicators.indicator_table
    execution_rate: float | None
    execution_why: str | None
    cost_per_bed: pd.DataFrame | None  # institution_id, value, why_not (institution rows only)
    bed_cap_yuan: float | None
    funds_by_source: pd.DataFrame | None  # source (central…), kind (allocated/received/spent), yuan
    compliance: pd.DataFrame | None  # institution_id, month, in_scope_person_months, person_months_below
    score_levels: pd.DataFrame | None  # level, points, max_points (the project's rubric)
    findings_summary: pd.DataFrame  # findings.summarise
    data_docs: str | None = None  # relative link to the data docs index
    quality: list[dict] | None = None  # data_docs.read_summaries[code]: each check's verdict, counts and failing rows


def _shown(v, unit: str) -> str:
    if v is None or pd.isna(v):
        return "—"
    if unit in ("%", "ratio"):
        return f"{v * 100:.2f}%"
    return f"{v:,.0f} {unit}" if float(v).is_integer() else f"{v:,.2f} {unit}"


def _headline(inp: ReportInputs) -> str:
    rows = []
    for r in inp.indicators.to_dict("records"):
        target = r["target"]
        if not r["computable"]:
            verdict = f'<span class="why">{escape(r["why_not"])}</span>'
        elif target is None or pd.isna(target):
            verdict = "无目标值"
        else:
            met = r["actual"] <= target if r["ceiling"] else r["actual"] >= target
            verdict = '<span class="ok">达标</span>' if met else '<span class="bad">未达标</span>'
        rows.append(f'<tr data-indicator="{r["id"]}"><td>{escape(r["indicator"])}</td>'
                    f'<td class="num">{_shown(r["actual"], r["unit"])}</td>'
                    f'<td class="num">{("≤" if r["ceiling"] else "≥") + _shown(target, r["unit"]) if target is not None and pd.notna(target) else "未填报"}</td>'
                    f"<td>{verdict}</td></tr>")
    execution = (_shown(inp.execution_rate, "%") if inp.execution_rate is not None
                 else f'<span class="why">{escape(inp.execution_why or MISSING_TABLE)}</span>')
    return ('<h2>一、主要指标与目标</h2><table class="headline"><tr><th>指标</th><th>实际完成</th><th>目标值</th>'
            f'<th>判断</th></tr>{"".join(rows)}<tr data-indicator="self_evaluation_execution_rate"><td>预算执行率'
            f'（全年执行数÷全年预算数）</td><td class="num">{execution}</td><td class="num">—</td><td></td></tr></table>')


def _compliance_chart(df: pd.DataFrame | None) -> str:
    title = "各服务机构每月上门服务次数达标率（在范围人月中达到最低次数的比例）"
    if df is None or not len(df):
        return charts.no_chart("compliance", title, MISSING_TABLE if df is None else "not computable: 无在范围人月")
    df = df.assign(month=pd.to_datetime(df["month"]).dt.strftime("%Y-%m"))
    months = sorted(df["month"].unique())
    series = {}
    for inst, rows in df.groupby("institution_id"):
        by = rows.set_index("month")
        series[str(inst)] = [None if m not in by.index or not by.loc[m, "in_scope_person_months"]
                             else 1 - by.loc[m, "person_months_below"] / by.loc[m, "in_scope_person_months"]
                             for m in months]
    return charts.line_chart("compliance", title, months, series)


def _cost_chart(df: pd.DataFrame | None, cap: float | None) -> str:
    title = "各服务机构家庭养老床位户均成本与补助上限（元/床）"
    if df is None or not len(df) or df["value"].isna().all():
        why = MISSING_TABLE if df is None else "; ".join(sorted(set(df["why_not"].dropna()))) or "not computable"
        return charts.no_chart("cost_per_bed", title, why)
    ref = (cap, f"上限 {cap:,.0f}") if cap is not None else None
    return charts.bar_chart("cost_per_bed", title, list(df["institution_id"].astype(str)),
                            {"户均成本": [None if pd.isna(v) else float(v) for v in df["value"]]}, reference=ref)


def _execution_chart(df: pd.DataFrame | None) -> str:
    title = "资金按来源：下达、到位与支出（元）"
    if df is None or not len(df):
        return charts.no_chart("execution", title, MISSING_TABLE if df is None else "not computable: 无资金记录")
    sources = [s for s in SOURCE_LABELS if s in set(df["source"])]
    series = {}
    for kind, label in FUND_LABELS.items():
        rows = df[df["kind"] == kind].groupby("source")["yuan"].sum()
        series[label] = [float(rows[s]) if s in rows.index else None for s in sources]
    return charts.bar_chart("execution", title, [SOURCE_LABELS[s] for s in sources], series)


def _score_chart(df: pd.DataFrame | None) -> str:
    title = "项目绩效评价：各一级指标得分与满分"
    if df is None or not len(df):
        return charts.no_chart("scores", title, MISSING_TABLE if df is None else "not computable: 无评分")
    return charts.bar_chart("scores", title, list(df["level"].astype(str)),
                            {"得分": [float(v) for v in df["points"]], "满分": [float(v) for v in df["max_points"]]})


def _findings(summary: pd.DataFrame) -> str:
    if not len(summary):
        return "<h2>三、发现的问题</h2><p>未发现问题。</p>"
    rows = "".join(f'<tr><td>{escape(r["category"])}</td><td>{escape(str(r["institution_id"]))}</td>'
                   f'<td>{escape(r["finding"])}</td><td class="num">{int(r["count"])} {escape(r["unit"])}</td></tr>'
                   for r in summary.to_dict("records"))
    return ('<h2>三、发现的问题</h2><p class="meta">每一条的明细（文件与行号、人月）见问题清单工作簿的“明细”表。</p>'
            f'<table class="findings"><tr><th>问题类别</th><th>服务机构</th><th>问题</th><th>数量</th></tr>{rows}</table>')


FUND_METRIC = r"^(allocated|received|spent)_yuan_(central|provincial|municipal|county|other)$"


def report_inputs(region, as_of: dt.date, indicators: pd.DataFrame, figures: pd.DataFrame | None,
                  totals: pd.DataFrame | None, shortfalls: pd.DataFrame | None, findings_summary: pd.DataFrame,
                  data_docs: str | None, quality: list[dict] | None = None) -> ReportInputs:
    """What one region's report shows, picked from metrics.figures, scores.totals and metrics.visit_shortfalls
    (each None when not built): institutions' cost per bed, region funds by source, the project's level totals
    (its first rubric), and the visits-minimum compliance per institution and month."""
    code = region.code
    rate, why_rate = figure(figures, code, "self_evaluation_execution_rate")
    cost = funds = levels = compliance = None
    if figures is not None:
        f = figures[figures["region_code"] == code]
        cost = f[(f["metric"] == "cost_per_bed") & f["institution_id"].notna()][["institution_id", "value", "why_not"]]
        whole = f[f["institution_id"].isna()]
        m = whole["metric"].str.extract(FUND_METRIC)
        picked = whole.assign(kind=m[0], source=m[1], yuan=whole["value"]).dropna(subset=["kind"])
        funds = picked[["source", "kind", "yuan"]].dropna()
    if totals is not None:
        t = totals[(totals["subject"] == code) & ~totals["level"].isin(TOTAL_LEVELS)]
        levels = t[t["rubric"] == t["rubric"].iloc[0]] if len(t) else t
    if shortfalls is not None:
        compliance = shortfalls[(shortfalls["region_code"] == code) & (shortfalls["metric"] == "visits")]
    return ReportInputs(code, region.name, region.project_year, as_of, indicators, rate, why_rate, cost,
                        region.bed_subsidy_cap_yuan, funds, compliance, levels, findings_summary, data_docs, quality)


CHECK_LABELS = {"duration_distribution": "服务时长中位数在合理范围", "short_visit_share": "过短服务占比",
                "open_punch_share": "缺少签退占比", "unrecorded_time_share": "未记录时长占比",
                "visits_per_elder_month": "每人每月服务次数在合理范围", "month_coverage": "评价期每月均有服务记录"}


def _quality(inp: ReportInputs) -> str:
    link = (f'<p class="meta">完整的数据质量文档（Great Expectations Data Docs）：<a href="{escape(inp.data_docs)}">'
            f"{escape(inp.data_docs)}</a>（离线打开时无样式，内容完整）。</p>" if inp.data_docs else "")
    if not inp.quality:
        return f'<h2>四、数据质量检查</h2><p class="why">not computable: 数据质量检查尚未运行</p>{link}'
    rows = []
    for q in inp.quality:
        verdict = ('<span class="why">未检查</span>' if q["success"] is None else
                   '<span class="ok">通过</span>' if q["success"] else '<span class="bad">警告</span>')
        failing = "<br>".join(escape(f) for f in q["failing"][:8]) + (" …" if len(q["failing"]) > 8 else "")
        rows.append(f'<tr data-check="{escape(q["name"])}"><td>{escape(CHECK_LABELS.get(q["name"], q["name"]))}</td>'
                    f'<td>{verdict}</td><td class="num">{q["unexpected"]} / {q["evaluated"]}</td><td>{failing}</td></tr>')
    return ('<h2>四、数据质量检查</h2><p class="meta">按机构×月汇总后检验（阈值见 config/exports.yaml），仅作警告，不影响计算。</p>'
            f'<table class="quality"><tr><th>检查</th><th>结果</th><th>不符合 / 检验数</th><th>不符合的机构与月份</th></tr>'
            f'{"".join(rows)}</table>{link}')


def render_report(inp: ReportInputs) -> str:
    """The report as one HTML document (no external resource of any kind)."""
    body = "".join([
        f"<h1>{escape(inp.region_name)}（{escape(inp.region_code)}）{inp.project_year}年居家和社区基本养老服务提升行动项目"
        "评审报告</h1>",
        f'<p class="meta">数据截至 {inp.as_of.isoformat()}。所有数值由数据管道从数据仓库计算，'
        "“not computable” 表示缺少计算所需的数据，并注明原因。</p>",
        _headline(inp),
        "<h2>二、图表</h2>",
        _compliance_chart(inp.compliance),
        _cost_chart(inp.cost_per_bed, inp.bed_cap_yuan),
        _execution_chart(inp.funds_by_source),
        _score_chart(inp.score_levels),
        _findings(inp.findings_summary),
        _quality(inp),
    ])
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(inp.region_name)}评审报告'
            f"</title><style>{CSS}</style></head><body>{body}</body></html>")


def write_report(path: Path | str, inp: ReportInputs) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_report(inp), encoding="utf-8")
    tmp.replace(path)
    return path
