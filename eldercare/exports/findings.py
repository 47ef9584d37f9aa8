"""问题清单: every finding as one row (category, institution, kind, the visit / person-month / bed behind it), the
count per category × institution × kind, and the workbook listing both. Categories come from configuration.

The rows are built by one DuckDB select over the warehouse tables (evidence strings included), stored in
`exports.findings`; only the 12 indicators (region.yaml targets) and the kinds' labels and categories are passed in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from eldercare.exports import workbook as wbk
from eldercare.exports.settings import CATEGORIES, Findings

FINDING_COLUMNS = ["region_code", "category", "institution_id", "kind", "finding", "unit", "elder_id", "name_masked", "month",
                   "evidence", "source"]
FINDINGS_TABLE = "exports.findings"
# Every finding of every region, as collected: what the 问题清单 workbooks, the reports and the summary read.
FINDINGS_DDL = ("create schema if not exists exports; create table if not exists exports.findings (region_code varchar, "
                "category varchar, institution_id varchar, kind varchar, finding varchar, unit varchar, elder_id varchar, "
                "name_masked varchar, month date, evidence varchar, source varchar)")
SUMMARY_COLUMNS = ["category", "institution_id", "kind", "finding", "count", "unit", "detail_rows"]
REGION_WIDE = "全区"

KINDS: dict[str, tuple[str, str]] = {  # kind -> (问题 as printed, unit of the count)
    "figure_not_computable": ("指标无法计算（基础数据、目标或台账缺失）", "项"),
    "ineligible_registration": ("登记的服务对象不符合条件或无法确认", "人"),
    "visit_after_death": ("服务对象去世后仍有上门服务记录", "条"),
    "visit_during_pause": ("暂停服务期间有上门服务记录", "条"),
    "visit_after_exit": ("服务对象迁出、入住机构或终止服务后仍有上门服务记录", "条"),
    "visit_for_bed_only_elder": ("仅建设床位的对象被记录上门服务", "条"),
    "visit_for_self_funded_elder": ("社会化（机构自费）服务对象的上门服务", "条"),
    "open_punch": ("上门服务缺少签退（服务时长未记录）", "条"),
    "caregiver_overlap": ("同一护理员同一时间在两户服务", "条"),
    "visit_too_short": ("单次服务时长过短", "条"),
    "visit_too_long": ("单次服务时长过长", "条"),
    "duplicate_punch": ("重复提交的打卡记录", "条"),
    "renovation_overspend": ("床位实际支付金额超出验收金额或无验收金额", "床"),
    "double_renovation": ("已享受适老化改造的家庭重复改造", "床"),
    "bed_above_cap": ("床位支付金额超过补助上限", "床"),
    "bed_timeliness": ("床位建设逾期、未完成、未验收或验收不合格", "床"),
    "below_visits": ("月上门服务次数低于最低要求", "人月"),
    "below_minutes": ("月上门服务时长低于最低要求", "人月"),
    "below_medical_visits": ("月医疗护理次数低于最低要求", "人月"),
    "output_target_missed": ("产出指标未达到年度目标值", "项"),
    "benefit_target_missed": ("效益、满意度指标未达到年度目标值", "项"),
}
BELOW = {"below_visits": ("visits", "min_visits", "次"), "below_minutes": ("minutes", "min_minutes", "分钟"),
         "below_medical_visits": ("medical_visits", "min_medical_visits", "次")}


OTHER_UNIT = "条"  # unit of a finding rule KINDS does not list: it still lists, under its id
OTHER_CATEGORY = "业务管理"  # category of a kind that config/exports.yaml does not name
OUTPUT_LEVEL = "产出指标"  # a missed indicator of this 一级指标 is output_target_missed, of any other benefit_target_missed
DETAIL_PARTS = ("coverage", "cost_per_bed", "bed_timeliness", "renovation_overspend", "double_renovation")
_IDS = ["region_code", "institution_id", "elder_id", "name_masked"]
# The columns each source of findings is read with (its relation also has `_pos`: the source's row order).
PART_COLUMNS = {
    "visit_findings": [*_IDS, "month", "rule", "evidence", "source_file", "source_row"],
    "short_months": [*_IDS, "month", *[c for kind, (value, floor, _) in BELOW.items() for c in (value, floor, kind)]],
    "coverage": [*_IDS, "status", "reason"],
    "cost_per_bed": [*_IDS, "capped_items_yuan", "cap_yuan", "excess_yuan"],
    "bed_timeliness": [*_IDS, "findings"],
    "renovation_overspend": [*_IDS, "finding", "difference_yuan"],
    "double_renovation": [*_IDS, "double_items_yuan"],
    "figures": ["region_code", "institution_id", "label", "computable", "why_not"],
    "indicators": ["region_code", "indicator", "level1", "actual", "target", "ceiling", "computable"],
}
# The region-level figures of the 12 indicators: the only rows of metrics.figures that indicator_tables reads.
INDICATOR_FIGURES_SQL = ("select region_code, institution_id, metric, value, computable, why_not, definition "
                         "from metrics.figures where institution_id is null "
                         "and metric in (select unnest(?::VARCHAR[]))")


def _lit(text: str) -> str:
    """A code constant (kind id, label, source name) as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _text(column: str) -> str:
    """A column as pandas' astype(str) printed it: an empty cell reads None."""
    return f"coalesce({column}::varchar, 'None')"


def _number(expr: str, digits: int) -> str:
    """A float rounded as numpy rounds (half to even on value × 10^digits) and printed as Python prints it (15.0,
    0.8523, 1e-05); an empty cell reads nan."""
    scale = 10 ** digits
    return f"coalesce((round_even(({expr})::double * {scale}, 0) / {scale})::varchar, 'nan')"


def _count(column: str) -> str:
    """A count as an integer (9, never 9.0)."""
    return f"coalesce(trunc({column}::double)::bigint::varchar, 'nan')"


def _select(part: int, kind: str, evidence: str, source: str, where: str = "true",
            institution: str = "institution_id", elder: str = "elder_id", name: str = "name_masked",
            month: str = "month") -> str:
    """One source's findings of one kind: the columns every part yields, over the relation `{src}`."""
    return (f"select {part} as part, _pos, region_code, {institution} as institution_id, {kind} as kind, "
            f"{elder} as elder_id, {name} as name_masked, {month} as month, {evidence} as evidence, "
            f"{source} as source from {{src}} where {where}")


def _parts() -> dict[str, list[str]]:
    """Each source's findings as selects over `{src}` (its relation), in the order they are listed: every column of
    FINDING_COLUMNS but category, finding and unit (they follow from the kind), and the source's row order."""
    below = []
    for kind, (value, minimum, unit) in BELOW.items():
        if kind == "below_minutes":  # minutes shown as hours
            shown, floor = (_number(f"{c}::double / 60", 2) + " || '小时'" for c in (value, minimum))
        else:
            shown, floor = _count(value) + f" || {_lit(unit)}", _number(minimum, 2) + f" || {_lit(unit)}"
        below.append(_select(1, _lit(kind), f"'实际 ' || {shown} || '，最低 ' || {floor}", "'metrics.elder_months'",
                             where=f"coalesce({kind}, false)"))
    none = dict(elder="null::varchar", name="null::varchar", month="null::date")
    yuan = lambda c: _number(c, 2)  # noqa: E731
    return {
        "visit_findings": [_select(0, "rule", _text("evidence"),
                                   f"{_text('source_file')} || ' 第' || {_text('source_row')} || '行'")],
        "short_months": below,
        "coverage": [_select(2, _lit("ineligible_registration"), f"{_text('status')} || '：' || {_text('reason')}",
                             "'metrics.coverage_detail'", month="null::date")],
        "cost_per_bed": [_select(3, _lit("bed_above_cap"),
                                 f"'限额类目合计 ' || {yuan('capped_items_yuan')} || ' 元，上限 ' || {yuan('cap_yuan')} "
                                 f"|| ' 元，超出 ' || {yuan('excess_yuan')} || ' 元'", "'metrics.cost_per_bed_detail'",
                                 month="null::date")],
        "bed_timeliness": [_select(4, _lit("bed_timeliness"), _text("findings"), "'metrics.bed_timeliness_detail'",
                                   month="null::date")],
        "renovation_overspend": [_select(5, _lit("renovation_overspend"),
                                         f"{_text('finding')} || '（差额 ' || {yuan('difference_yuan')} || ' 元）'",
                                         "'metrics.renovation_overspend_detail'", month="null::date")],
        "double_renovation": [_select(6, _lit("double_renovation"),
                                      f"'已享受适老化改造，重复改造项目 ' || {yuan('double_items_yuan')} || ' 元'",
                                      "'metrics.double_renovation_detail'", month="null::date")],
        "figures": [_select(7, _lit("figure_not_computable"), f"{_text('label')} || '：' || {_text('why_not')}",
                            "'metrics.figures'", where="not coalesce(computable, false) and institution_id is null",
                            **none)],
        "indicators": [_select(8, "case when level1 = $output_level then 'output_target_missed' "
                                  "else 'benefit_target_missed' end",
                               f"indicator || '：完成 ' || {_number('actual', 4)} || '，目标 ' || {_number('target', 4)}",
                               _lit("项目绩效目标申报表"),
                               where="computable and target is not null and ((ceiling and actual > target) "
                                     "or (not ceiling and actual < target))",
                               institution="null::varchar", **none)],
    }


def _kinds_frame(rules: Findings) -> pl.DataFrame:
    """Every kind KINDS lists or the configuration names: its label, unit, category and sort ranks."""
    rows = []
    for kind in dict.fromkeys([*KINDS, *rules.categories]):
        label, unit = KINDS.get(kind, (kind, OTHER_UNIT))
        category = rules.categories.get(kind, OTHER_CATEGORY)
        rows.append((kind, label, unit, list(KINDS).index(kind) if kind in KINDS else None, category,
                     CATEGORIES.index(category)))
    return pl.DataFrame(rows, schema={"kind": pl.Utf8, "finding": pl.Utf8, "unit": pl.Utf8, "kind_rank": pl.Int64,
                                      "category": pl.Utf8, "category_rank": pl.Int64}, orient="row")


def findings_query(sources: dict[str, str]) -> tuple[str, dict]:
    """(select, named parameters) of every finding (FINDING_COLUMNS) over `sources` (part of PART_COLUMNS -> its
    relation with those columns and `_pos`; a part not given has no findings; at least one), in the order stored:
    region, category, institution (region-wide first), kind as KINDS lists them (rules it does not list after, as
    first met), month, elder, then the source's own order (a visit's file row). Reads the registered `_finding_kinds`
    (_kinds_frame)."""
    selects = [sql.format(src=sources[name]) for name, sqls in _parts().items() if name in sources for sql in sqls]
    params = {"other_category": OTHER_CATEGORY, "other_category_rank": CATEGORIES.index(OTHER_CATEGORY),
              "other_unit": OTHER_UNIT, "kinds": len(KINDS)}
    if "indicators" in sources:
        params["output_level"] = OUTPUT_LEVEL
    later = "null::bigint"  # the rank of a kind KINDS does not list: after all of them, in the order first met
    unknown = ""
    if "visit_findings" in sources:
        unknown = (" left join (select rule as kind, row_number() over (order by min(_pos)) as n from "
                   f"{sources['visit_findings']} where rule not in (select kind from _finding_kinds where kind_rank "
                   "is not null) group by rule) u using (kind)")
        later = "u.n"
    body = " union all ".join(selects)
    sql = (f"select f.region_code, coalesce(k.category, $other_category) as category, f.institution_id, f.kind, "
           f"coalesce(k.finding, f.kind) as finding, coalesce(k.unit, $other_unit) as unit, f.elder_id, "
           f"f.name_masked, f.month, f.evidence, f.source from ({body}) f "
           f"left join _finding_kinds k using (kind){unknown} "
           f"order by f.region_code nulls first, coalesce(k.category_rank, $other_category_rank), "
           f"f.institution_id nulls first, coalesce(k.kind_rank, $kinds + {later}), f.month nulls first, "
           f"f.elder_id nulls first, f.part, f._pos")
    return sql, params


def _warehouse_sources(have: set[str]) -> dict[str, str]:
    """The relation of each part over the warehouse tables that exist, with the elder's masked name joined; `_pos`
    is the table's row order (a left join's output order is not: it follows the hash table)."""
    elders = "validated.elders" in have
    name = "e.name_masked" if elders else "null::varchar as name_masked"
    join = " left join validated.elders e using (region_code, elder_id)" if elders else ""

    def read(table: str, columns: list[str], where: str = "") -> str:
        cols = ", ".join(name if c == "name_masked" else f"t.{c}" for c in columns)
        return f"(select {cols}, t.rowid as _pos from {table} t{join if 'name_masked' in columns else ''}{where})"

    out = {}
    if "metrics.visit_findings" in have:
        out["visit_findings"] = read("metrics.visit_findings", PART_COLUMNS["visit_findings"])
    if "metrics.elder_months" in have:
        below = " or ".join(f"t.{k}" for k in BELOW)
        columns = ", ".join(f"t.{c}" for c in PART_COLUMNS["short_months"])
        out["short_months"] = (f"(select {columns}, t.rowid as _pos from metrics.elder_months t "
                               f"where t.in_scope and ({below}))")
    for part in DETAIL_PARTS:
        if f"metrics.{part}_detail" in have:
            out[part] = read(f"metrics.{part}_detail", PART_COLUMNS[part])
    if "metrics.figures" in have:
        out["figures"] = read("metrics.figures", PART_COLUMNS["figures"])
    return out


def store_findings(con: duckdb.DuckDBPyConnection, rules: Findings, indicators: pd.DataFrame | None,
                   have: set[str]) -> int:
    """Replace exports.findings with every finding of every region, by SQL over the warehouse tables (`have`: those
    that exist; a missing one has no findings) and `indicators` (indicator_tables of every region). Returns rows.
    Call inside a transaction; the rows are stored in the order findings_query gives (the 明细 sheet's order)."""
    sources = _warehouse_sources(have)
    if indicators is not None:
        con.register("_finding_indicators", _with_pos(indicators, "indicators"))
        sources["indicators"] = "_finding_indicators"
    con.register("_finding_kinds", _kinds_frame(rules))
    try:
        sql, params = findings_query(sources)
        con.execute(FINDINGS_DDL)
        con.execute(f"delete from {FINDINGS_TABLE}")
        con.execute(f"insert into {FINDINGS_TABLE} by name {sql}", params)
        return con.execute(f"select count(*) from {FINDINGS_TABLE}").fetchall()[0][0]
    finally:
        con.unregister("_finding_kinds")
        if indicators is not None:
            con.unregister("_finding_indicators")


def _with_pos(frame: pd.DataFrame, part: str, region_code: str | None = None) -> pd.DataFrame:
    """A frame with the columns of its part (absent ones empty) and its row order; with `region_code`, that region's
    rows only (a frame without region codes is taken as that region's)."""
    if region_code is not None and "region_code" in frame:
        frame = frame[frame["region_code"] == region_code]
    n = len(frame)
    out = pd.DataFrame({c: (frame[c].to_numpy() if c in frame else [None] * n) for c in PART_COLUMNS[part]})
    if region_code is not None:
        out["region_code"] = region_code
    out["_pos"] = range(n)
    return out


def collect_findings(region_code: str | None, rules: Findings, *, visit_findings: pd.DataFrame | None = None,
                     short_months: pd.DataFrame | None = None, details: dict[str, pd.DataFrame | None] | None = None,
                     figures: pd.DataFrame | None = None, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """The findings (FINDING_COLUMNS) of one region, or of every region when `region_code` is None, from frames of
    the tables that hold them (each may be None): the SQL of store_findings over small frames (tests, one region).

    visit_findings: metrics.visit_findings (+ name_masked); short_months: the below-minimum rows of
    metrics.elder_months; details: metrics.<metric>_detail by metric name (DETAIL_PARTS); figures: metrics.figures;
    indicators: indicators.indicator_table(s).
    """
    frames = {"visit_findings": visit_findings, "short_months": short_months, **(details or {}), "figures": figures,
              "indicators": indicators}
    con = duckdb.connect()
    try:
        sources = {}
        for part, frame in frames.items():
            if part in PART_COLUMNS and frame is not None:
                con.register(f"_src_{part}", _with_pos(frame, part, region_code))
                sources[part] = f"_src_{part}"
        if not sources:
            return pd.DataFrame(columns=FINDING_COLUMNS)
        con.register("_finding_kinds", _kinds_frame(rules))
        sql, params = findings_query(sources)
        return con.execute(sql, params).df()[FINDING_COLUMNS]
    finally:
        con.close()


def summarise(findings: pd.DataFrame, first_detail_row: int = 3) -> pd.DataFrame:
    """Count per category × institution × kind, with the rows of the detail sheet behind each count."""
    if not len(findings):
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    f = findings.assign(row=range(first_detail_row, first_detail_row + len(findings)),
                        institution_id=findings["institution_id"].fillna(REGION_WIDE))
    out = (f.groupby(["category", "institution_id", "kind", "finding", "unit"], sort=False)
           .agg(count=("row", "size"), first=("row", "min"), last=("row", "max")).reset_index())
    out["detail_rows"] = "明细第" + out["first"].astype(str) + "–" + out["last"].astype(str) + "行"
    return out[SUMMARY_COLUMNS]


def write_findings(path: Path | str, region_name: str, findings: pd.DataFrame, as_of: dt.date) -> Path:
    """Write the 问题清单: the summary sheet (category merged down, count, where the rows are) and the detail sheet."""
    wb = wbk.new_workbook()
    ws = wb.create_sheet("问题清单")
    width = 7
    wbk.title(ws, f"{region_name}居家和社区基本养老服务提升行动项目问题清单", width)
    wbk.header_row(ws, 2, ["序号", "问题类别", "服务机构", "问题", "数量", "单位", "依据（明细行）"])
    summary = summarise(findings)
    first = 3
    if len(summary):
        wbk.merge_runs(ws, 2, first, list(summary["category"]))
        for i, r in enumerate(summary.to_dict("records")):
            row = first + i
            wbk.cell(ws, row, 1, i + 1)
            wbk.cell(ws, row, 3, r["institution_id"])
            wbk.cell(ws, row, 4, r["finding"], align=wbk.LEFT)
            wbk.cell(ws, row, 5, int(r["count"]), fmt=wbk.COUNT_FORMAT)
            wbk.cell(ws, row, 6, r["unit"])
            wbk.cell(ws, row, 7, r["detail_rows"], align=wbk.LEFT)
        last = first + len(summary) - 1
    else:
        wbk.merged(ws, first, 1, first, width, "未发现问题 (no findings)")
        last = first
    wbk.note(ws, last + 1, f"问题类别：{' / '.join(CATEGORIES)}；人月 = 一位服务对象的一个月。", width)
    wbk.note(ws, last + 2, wbk.as_of_line(as_of), width)
    wbk.widths(ws, [6, 12, 12, 44, 8, 6, 22])
    ws = wb.create_sheet("明细")
    labels = ["问题类别", "服务机构", "问题", "服务对象编号", "姓名", "月份", "证据", "来源"]
    wbk.title(ws, "问题明细", len(labels))
    wbk.header_row(ws, 2, labels)
    # Body rows appended unstyled: a region's findings run to tens of thousands of rows (styling is per cell).
    months = pd.to_datetime(findings["month"], errors="coerce").dt.strftime("%Y-%m").fillna("")
    institutions = findings["institution_id"].where(findings["institution_id"].notna(), REGION_WIDE)
    for values in zip(findings["category"], institutions, findings["finding"], findings["elder_id"],
                      findings["name_masked"], months, findings["evidence"], findings["source"]):
        ws.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in values])
    wbk.widths(ws, [10, 10, 36, 14, 10, 10, 40, 30])
    ws.freeze_panes = "A3"
    return wbk.save(wb, path)
