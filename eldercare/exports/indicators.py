"""The 12 performance indicators of the 项目绩效目标申报表 (seed 000): labels as printed, the metric behind each,
last year's data and the two targets from region.yaml, and this year's value from `metrics.figures`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MISSING_TABLE = "not computable: 尚未计算 (table missing)"
NOT_GIVEN = "未填报"

# Columns of `metrics.figures` (the interface agreed with the figures branch).
FIGURE_COLUMNS = ["region_code", "institution_id", "metric", "label", "numerator", "denominator", "value", "unit",
                  "definition", "computable", "why_not", "policy"]


@dataclass(frozen=True)
class Indicator:
    number: int
    id: str  # metric id in metrics.figures
    level1: str
    level2: str
    label: str  # 三级指标 as printed in seed 000
    unit: str  # the unit printed in the label
    ceiling: bool = False  # True: the target is a maximum (cost indicators)
    target_key: str | None = None  # region.yaml targets.<key> used as this year's target when not declared
    target_scale: float = 1.0  # targets.<key> × scale = the indicator's unit (satisfaction_pct 85 → 0.85)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(1, "beds_built", "产出指标", "数量指标", "1.经济困难的失能部分失能老年人家庭养老床位建设数量（张）", "张",
              target_key="beds"),
    Indicator(2, "home_service_recipients", "产出指标", "数量指标",
              "2.经济困难的失能部分失能老年人享受居家养老上门服务人数（人）", "人"),
    Indicator(3, "person_times", "产出指标", "数量指标",
              "3.经济困难的失能部分失能老年人享受居家养老上门服务人次数（人次）", "人次", target_key="service_person_times"),
    Indicator(4, "bed_coverage", "产出指标", "数量指标", "4.经济困难的失能部分失能老年人家庭养老床位建设的覆盖率（%）", "%"),
    Indicator(5, "home_service_coverage", "产出指标", "数量指标",
              "5.经济困难的失能部分失能老年人享受上门养老服务的覆盖率（%）", "%"),
    Indicator(6, "cost_per_bed", "产出指标", "成本指标", "6.家庭养老床位建设户均成本（元/床）", "元/床", ceiling=True),
    Indicator(7, "cost_per_recipient", "产出指标", "成本指标", "7.居家养老上门服务人均成本（元/每名服务对象）", "元/人",
              ceiling=True),
    Indicator(8, "information_system_share", "效益指标", "社会效益指标",
              "8.全过程信息化管理程度（服务对象选择的改造或服务项目按要求录入信息系统进行管理的数量占其选择的所有改造或服务项目数量的比例）（%）",
              "%"),
    Indicator(9, "personalisation_share", "效益指标", "社会效益指标",
              "9.满足服务对象个性化服务需求程度（服务对象选择的个性化改造项目或服务项目个数占其选择的所有改造项目和服务项目总数的比例）（%）",
              "%"),
    Indicator(10, "awareness_rate", "效益指标", "社会效益指标",
              "10.经济困难的失能部分失能老年人对可享受家庭养老床位建设和居家养老上门服务政策的知晓率（%）", "%"),
    Indicator(11, "satisfaction_rate_bed", "满意度指标", "满意度指标",
              "11.建设家庭养老床位的经济困难的失能部分失能老年人的满意度（%）", "%", target_key="satisfaction_pct",
              target_scale=0.01),
    Indicator(12, "satisfaction_rate_home", "满意度指标", "满意度指标",
              "12.享受居家养老上门服务的经济困难的失能部分失能老年人的满意度（%）", "%", target_key="satisfaction_pct",
              target_scale=0.01),
)
INDICATOR_IDS = tuple(i.id for i in INDICATORS)

# Columns of the indicator table every workbook and the report read.
INDICATOR_COLUMNS = ["number", "id", "level1", "level2", "indicator", "unit", "ceiling", "last_year", "target",
                     "next_target", "actual", "computable", "why_not", "definition"]


def why(text: object) -> str:
    """A reason as shown: always starting 'not computable:'."""
    text = str(text or "").strip() or "reason not given"
    return text if text.lower().startswith("not computable") else f"not computable: {text}"


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(out) else out


def declared(settings: dict, indicator: Indicator) -> tuple[float | None, float | None, float | None]:
    """(last year's data, this year's target, next year's target) of an indicator from region.yaml.

    `declaration: {indicators: {<id>: {last_year: x, targets: [this year, next year]}}}`; ratios are written as
    fractions (0.85) or as percentages (85), which are read as 0.85. This year's target falls back to
    `targets.<key>` (beds, service_person_times, satisfaction_pct) when not declared.
    """
    entry = (((settings or {}).get("declaration") or {}).get("indicators") or {}).get(indicator.id) or {}
    targets = list(entry.get("targets") or []) + [None, None]
    values = [_number(entry.get("last_year")), _number(targets[0]), _number(targets[1])]
    if values[1] is None and indicator.target_key:
        fallback = _number(((settings or {}).get("targets") or {}).get(indicator.target_key))
        values[1] = None if fallback is None else fallback * indicator.target_scale
    if indicator.unit == "%":
        values = [v / 100 if v is not None and v > 1 else v for v in values]
    return values[0], values[1], values[2]


def declaration_problems(settings: dict) -> list[str]:
    """What is wrong in region.yaml `declaration:` (unknown indicator ids, values that are not numbers): the
    region still loads and the cell says 未填报, but the problem is reported, not silently dropped."""
    decl = (settings or {}).get("declaration") or {}
    if not isinstance(decl, dict):
        return ["declaration: must be a mapping"]
    out = []
    entries = decl.get("indicators") or {}
    for key, entry in (entries.items() if isinstance(entries, dict) else []):
        if key not in INDICATOR_IDS:
            out.append(f"declaration.indicators.{key}: not one of the 12 indicators {list(INDICATOR_IDS)}")
            continue
        entry = entry if isinstance(entry, dict) else {}
        targets = entry.get("targets") or []
        if not isinstance(targets, list) or len(targets) > 2:
            out.append(f"declaration.indicators.{key}.targets: must be [this year, next year]")
            targets = []
        for name, value in [("last_year", entry.get("last_year")), *((f"targets[{i}]", v) for i, v in enumerate(targets))]:
            if value is not None and _number(value) is None:
                out.append(f"declaration.indicators.{key}.{name}: '{value}' is not a number")
    for key, value in (decl.get("funds_wan") or {}).items():
        if key not in ("total", "central", "local", "other") or (value is not None and _number(value) is None):
            out.append(f"declaration.funds_wan.{key}: '{value}' (keys total, central, local, other; numbers in 万元)")
    return out


def indicator_tables(figures: pd.DataFrame | None, settings_by_region: dict[str, dict]) -> pd.DataFrame:
    """The 12 indicators of every region given (region code -> its region.yaml settings), in region then indicator
    order, with targets and this year's value: one join over all regions (INDICATOR_COLUMNS + region_code).

    `figures`: rows of metrics.figures (FIGURE_COLUMNS); None when the table does not exist yet, in which case
    every value is 'not computable: 尚未计算 (table missing)'. Ratios stay fractions (0.852), never rounded here.
    """
    static = pd.DataFrame([{"number": i.number, "id": i.id, "level1": i.level1, "level2": i.level2,
                            "indicator": i.label, "unit": i.unit, "ceiling": i.ceiling} for i in INDICATORS])
    declared_rows = [(code, ind.id, *declared(settings, ind))
                     for code, settings in settings_by_region.items() for ind in INDICATORS]
    out = pd.DataFrame(declared_rows, columns=["region_code", "id", "last_year", "target", "next_target"],
                       dtype=object).merge(static, on="id", how="left", sort=False)
    if figures is None:
        out["actual"], out["computable"], out["why_not"], out["definition"] = None, False, MISSING_TABLE, None
        return out[["region_code", *INDICATOR_COLUMNS]].infer_objects()
    rows = figures[figures["institution_id"].isna() & figures["metric"].isin(INDICATOR_IDS)
                   & figures["region_code"].isin(list(settings_by_region))]
    rows = rows.drop_duplicates(["region_code", "metric"])[["region_code", "metric", "value", "computable", "why_not",
                                                             "definition"]]
    out = out.merge(rows.rename(columns={"metric": "id", "value": "_value", "computable": "_computable",
                                         "why_not": "_why_not"}), on=["region_code", "id"], how="left", sort=False)
    found = out["_computable"].notna()
    value = pd.to_numeric(out["_value"], errors="coerce")
    ok = found & out["_computable"].eq(True) & value.notna()
    out["actual"] = value.astype(object).where(ok, None)
    out["computable"] = ok
    absent = {i: why(f"{i} 不在 metrics.figures 中 (figure missing)") for i in INDICATOR_IDS}  # once per indicator
    missing = out["id"].map(absent)
    out["why_not"] = [None if k else (why(w) if f else m)
                      for k, f, w, m in zip(ok, found, out["_why_not"], missing)]
    out["definition"] = out["definition"].astype(object).where(found, None)
    return out[["region_code", *INDICATOR_COLUMNS]].infer_objects()  # numbers as floats, all-None columns as None


def indicator_table(figures: pd.DataFrame | None, region_code: str, settings: dict) -> pd.DataFrame:
    """The 12 indicators of one region, in order (indicator_tables of that region alone)."""
    return indicator_tables(figures, {region_code: settings}).drop(columns="region_code").reset_index(drop=True)


def figure(figures: pd.DataFrame | None, region_code: str, metric: str,
           institution_id: str | None = None) -> tuple[float | None, str | None]:
    """(value, None) of one figure, or (None, 'not computable: why') when it is missing or not computable."""
    if figures is None:
        return None, MISSING_TABLE
    rows = figures[(figures["region_code"] == region_code) & (figures["metric"] == metric)
                   & (figures["institution_id"].isna() if institution_id is None
                      else figures["institution_id"] == institution_id)]
    if not len(rows):
        return None, why(f"{metric} 不在 metrics.figures 中 (figure missing)")
    row = rows.iloc[0]
    value = _number(row["value"])
    if not bool(row["computable"]) or value is None:
        return None, why(row["why_not"])
    return value, None
