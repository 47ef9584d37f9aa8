"""整体绩效目标自评表 (seed 001): budget A, execution B, rate and its score, then each indicator's target, actual,
points, score and the reason for a shortfall. Scoring rule and points from config/exports.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from eldercare.exports import workbook as wbk
from eldercare.exports.indicators import MISSING_TABLE, why
from eldercare.exports.settings import SelfEvaluation

SHEET = "整体绩效目标自评表"
WIDTH = 9
FUND_ROWS = (("年度资金总额：", None), ("其中：中央补助", ("central",)),
             ("     地方资金", ("provincial", "municipal", "county")), ("      其他资金", ("other",)))
FUND_COLUMNS = ["label", "initial_budget_wan", "budget_wan", "executed_wan", "rate", "score", "why_not"]
SCORE_COLUMNS = ["points", "score", "shortfall"]


def _sum(figures: pd.DataFrame, region_code: str, metrics: list[str]) -> float | None:
    rows = figures[(figures["region_code"] == region_code) & figures["institution_id"].isna()
                   & figures["metric"].isin(metrics) & figures["computable"].astype(bool)]
    return float(rows["value"].sum()) if len(rows) else None


def fund_rows(figures: pd.DataFrame | None, region_code: str, budget_wan: float | None,
              execution_points: float) -> pd.DataFrame:
    """The four fund rows in 万元: 全年预算数 A = 下达 (allocated_yuan[_source]), 全年执行数 B = 支出 (spent_yuan…),
    执行率 = B/A and, on the total row, score = min(B/A, 1) × points. 年初预算数 = region.yaml targets.budget_wan."""
    out = []
    for i, (label, sources) in enumerate(FUND_ROWS):
        initial = budget_wan if i == 0 else None
        if figures is None:
            out.append([label, initial, None, None, None, None, MISSING_TABLE])
            continue
        suffix = [""] if sources is None else [f"_{s}" for s in sources]
        a = _sum(figures, region_code, [f"allocated_yuan{s}" for s in suffix])
        b = _sum(figures, region_code, [f"spent_yuan{s}" for s in suffix])
        reason = None
        if sources is None:  # the total row: the self-evaluation rate as figures computed it
            rate_rows = figures[(figures["region_code"] == region_code) & figures["institution_id"].isna()
                                & (figures["metric"] == "self_evaluation_execution_rate")]
            if len(rate_rows):
                r = rate_rows.iloc[0]
                a = r["denominator"] if pd.notna(r["denominator"]) else a
                b = r["numerator"] if pd.notna(r["numerator"]) else b
                reason = None if bool(r["computable"]) else why(r["why_not"])
        rate = b / a if a and b is not None and reason is None else None
        if rate is None and reason is None:
            reason = why("全年预算数为零或未知 (budget unknown)") if b is not None else why("无支出记录 (no 支出 rows)")
        score = min(rate, 1.0) * execution_points if (rate is not None and i == 0) else None
        out.append([label, initial, None if a is None else a / 10000, None if b is None else b / 10000, rate, score,
                    reason])
    return pd.DataFrame(out, columns=FUND_COLUMNS)


def score_indicators(indicators: pd.DataFrame, rules: SelfEvaluation) -> pd.DataFrame:
    """Points and score of each indicator: full points when the actual meets the target, else points × actual ÷
    target (target ÷ actual for ceilings); no target or no actual: score not computable, with the reason."""
    out = indicators.copy()
    points, scores, shortfalls = [], [], []
    for r in indicators.to_dict("records"):
        p = rules.indicator_points[r["id"]]
        target, actual = r["target"], r["actual"]
        points.append(p)
        if not r["computable"]:
            scores.append(None)
            shortfalls.append(r["why_not"])
        elif target is None or pd.isna(target):
            scores.append(None)
            shortfalls.append(why("年度指标值未填报 (no target in region.yaml)"))
        else:
            met = actual <= target if r["ceiling"] else actual >= target
            if met:
                ratio = 1.0
            elif r["ceiling"]:
                ratio = target / actual
            else:
                ratio = actual / target if target else 0.0
            scores.append(p * ratio)
            shortfalls.append(None if met else (f"未达到年度指标值：完成 {_shown(actual, r['unit'])}，"
                                                f"目标 {'≤' if r['ceiling'] else '≥'}{_shown(target, r['unit'])}"))
    out["points"], out["score"], out["shortfall"] = points, scores, shortfalls
    return out


def _shown(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}{unit}" if float(value).is_integer() else f"{value:,.2f}{unit}"


def write_self_evaluation(path: Path | str, region_name: str, project_year: int, funds: pd.DataFrame,
                          scored: pd.DataFrame, execution_points: float, as_of: dt.date,
                          goals: list[str] | None = None) -> Path:
    """Write the 自评表: `funds` from fund_rows, `scored` from score_indicators (12 rows, in order)."""
    wb = wbk.new_workbook()
    ws = wb.create_sheet(SHEET)
    y = project_year
    wbk.title(ws, "中央转移支付区域（居家和社区基本养老服务提升行动项目）整体绩效目标自评表", WIDTH)
    wbk.note(ws, 2, f"（{y}年度）", WIDTH)
    ws.cell(row=2, column=1).alignment = wbk.CENTER
    wbk.cell(ws, 3, 1, "转移支付名称", bold=True)
    wbk.merged(ws, 3, 2, 3, WIDTH, f"{y}年专项彩票公益金（居家和社区基本养老服务提升行动项目）支持{region_name}专项资金",
               align=wbk.LEFT)
    wbk.cell(ws, 4, 1, "中央主管部门", bold=True)
    wbk.merged(ws, 4, 2, 4, WIDTH, "民政部", align=wbk.LEFT)
    wbk.merged(ws, 5, 1, 9, 1, "项目资金\n（万元）", bold=True)
    wbk.header_row(ws, 5, ["", "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"], first_col=2)
    wbk.cell(ws, 5, 9, "说明", bold=True, fill=wbk.HEADER_FILL)
    for i, r in enumerate(funds.to_dict("records")):
        row = 6 + i
        wbk.cell(ws, row, 2, r["label"], align=wbk.LEFT)
        for col, key in ((3, "initial_budget_wan"), (4, "budget_wan"), (5, "executed_wan")):
            wbk.cell(ws, row, col, r[key], fmt=wbk.MONEY_FORMAT)
        wbk.cell(ws, row, 6, execution_points if i == 0 else "-")
        wbk.value_or_reason(ws, row, 7, r["rate"], r["why_not"], "%")
        wbk.cell(ws, row, 8, r["score"] if i == 0 else "-", fmt="0.00")
        wbk.cell(ws, row, 9, r["why_not"] or "", align=wbk.LEFT)
    wbk.merged(ws, 10, 1, 11, 1, "总体\n目标\n完成\n情况", bold=True)
    wbk.merged(ws, 10, 2, 10, 5, "年初设定目标", bold=True, fill=wbk.HEADER_FILL)
    wbk.merged(ws, 10, 6, 10, WIDTH, "全年实际完成情况", bold=True, fill=wbk.HEADER_FILL)
    targets = "；".join(f"{r['number']}.{r['indicator'].split('.', 1)[-1]} {_shown(r['target'], r['unit'])}"
                       for r in scored.to_dict("records") if r["target"] is not None and pd.notna(r["target"]))
    actuals = "；".join(f"{r['number']}. {_shown(r['actual'], r['unit'])}" if r["computable"] else
                       f"{r['number']}. 不可计算" for r in scored.to_dict("records"))
    wbk.merged(ws, 11, 2, 11, 5, "\n".join(goals or []) or targets or "未填报", align=wbk.LEFT)
    wbk.merged(ws, 11, 6, 11, WIDTH, actuals, align=wbk.LEFT)
    ws.row_dimensions[11].height = 120
    first = 13
    last = first + len(scored) - 1
    wbk.merged(ws, 12, 1, last, 1, "绩效指标", bold=True)
    wbk.header_row(ws, 12, ["一级\n指标", "二级\n指标", "三级指标", "年度指标值", "全年完成值", "分值", "得分",
                            "未完成原因和\n改进措施"], first_col=2)
    wbk.merge_runs(ws, 2, first, list(scored["level1"]))
    wbk.merge_runs(ws, 3, first, list(scored["level2"]))
    for i, r in enumerate(scored.to_dict("records")):
        row = first + i
        wbk.cell(ws, row, 4, r["indicator"], align=wbk.LEFT)
        target = r["target"]
        if target is None or pd.isna(target):
            wbk.cell(ws, row, 5, "未填报")
        else:
            wbk.cell(ws, row, 5, f"{'≤' if r['ceiling'] else '≥'}{_shown(target, r['unit'])}")
        wbk.value_or_reason(ws, row, 6, r["actual"], r["why_not"], r["unit"])
        wbk.cell(ws, row, 7, r["points"], fmt="0.##")
        wbk.value_or_reason(ws, row, 8, r["score"], "不可计算", None)
        if r["score"] is not None and pd.notna(r["score"]):
            ws.cell(row=row, column=8).number_format = "0.00"
        wbk.cell(ws, row, 9, r["shortfall"] or "", align=wbk.LEFT)
        ws.row_dimensions[row].height = 45 if len(r["indicator"]) > 40 else 30
    total_row = last + 1
    wbk.cell(ws, total_row, 1, "总分", bold=True)
    wbk.merged(ws, total_row, 2, total_row, 6, "")
    total_points = execution_points + float(scored["points"].sum())
    wbk.cell(ws, total_row, 7, total_points, fmt="0.##", bold=True)
    parts = [funds.iloc[0]["score"], *scored["score"]]
    unknown = sum(1 for s in parts if s is None or pd.isna(s))
    if unknown:
        wbk.cell(ws, total_row, 8, f"not computable: {unknown} 项得分不可计算", align=wbk.LEFT)
    else:
        wbk.cell(ws, total_row, 8, float(sum(parts)), fmt="0.00", bold=True)
    wbk.cell(ws, total_row, 9, "")
    wbk.cell(ws, total_row + 1, 1, "说明", bold=True)
    wbk.merged(ws, total_row + 1, 2, total_row + 1, WIDTH,
               "得分规则：完成值达到年度指标值得满分，否则按完成比例得分（成本指标按目标值÷完成值）；"
               "执行率得分 = min(B/A, 1) × 分值。不可计算的指标不计0分，单独说明原因。", align=wbk.LEFT)
    wbk.note(ws, total_row + 2, wbk.as_of_line(as_of), WIDTH)
    wbk.widths(ws, [10, 16, 14, 50, 16, 16, 10, 12, 36])
    return wbk.save(wb, path)
