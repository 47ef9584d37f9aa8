"""exports.findings built by SQL over the warehouse tables: the same rows as over frames, evidence printed as before
(numpy rounding, Python float text, empty cells), categories from the configuration, a stable order."""

import datetime as dt

import duckdb
import pandas as pd

from eldercare.exports.findings import FINDING_COLUMNS, FINDINGS_TABLE, collect_findings, store_findings
from eldercare.exports.indicators import indicator_tables
from eldercare.exports.settings import Findings, load_settings

from export_fixtures import CODE, SETTINGS, cost_detail, figures, short_months, visit_findings

JUNE = dt.date(2022, 6, 1)


def _visits() -> pd.DataFrame:
    """Fixture visit findings plus an elder's three open punches in one month (stored by file row, as
    metrics.visit_findings is) and a rule KINDS does not list."""
    extra = [{"region_code": CODE, "month": JUNE, "institution_id": "QYT", "elder_id": "Q05", "rule": "open_punch",
              "evidence": "签退时间为空", "source_file": "370306/visits/2022-06.csv", "source_row": row}
             for row in (8, 19, 30)]
    extra.append({"region_code": CODE, "month": JUNE, "institution_id": "QYT", "elder_id": "Q05",
                  "rule": "visit_on_holiday", "evidence": "a rule added after this test was written",
                  "source_file": "370306/visits/2022-06.csv", "source_row": 3})
    return pd.concat([visit_findings().drop(columns="name_masked"), pd.DataFrame(extra)], ignore_index=True)


def _details() -> dict[str, pd.DataFrame]:
    ids = {"region_code": CODE, "institution_id": "TY"}
    return {
        "cost_per_bed": cost_detail().drop(columns="name_masked").assign(excess_yuan=0.125),  # half: numpy gives 0.12
        "renovation_overspend": pd.DataFrame([{**ids, "elder_id": "T07", "paid_amount_yuan": 3000.0,
                                               "accepted_amount_yuan": None, "difference_yuan": None,
                                               "finding": "paid without 验收金额"}]),
        "bed_timeliness": pd.DataFrame([{**ids, "elder_id": "T08", "planned_completion": JUNE, "completed_on": None,
                                         "days_late": None, "acceptance": None, "accepted_on": None,
                                         "findings": "not completed"}]),
    }


def _warehouse(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables the findings read, as the pipeline stores them, from the fixtures."""
    con.execute("create schema metrics; create schema validated")
    elders = pd.DataFrame({"region_code": CODE, "elder_id": ["Q01", "Q02", "T05", "Q05", "T09", "T07"],
                           "name_masked": ["张*华", "李*", "王*明", "周*", "孙*", "吴*"]})
    months = short_months().assign(in_scope=True)
    tables = {"validated.elders": elders, "metrics.visit_findings": _visits(), "metrics.elder_months": months,
              "metrics.figures": figures(), **{f"metrics.{k}_detail": v for k, v in _details().items()}}
    for name, frame in tables.items():
        con.register("_t", frame)
        con.execute(f"create table {name} as select * from _t")
        con.unregister("_t")
    return set(tables)


def _stored(rules: Findings) -> pd.DataFrame:
    con = duckdb.connect()
    have = _warehouse(con)
    n = store_findings(con, rules, indicator_tables(figures(), {CODE: SETTINGS}), have)
    out = con.execute(f"select * from {FINDINGS_TABLE}").df()
    assert n == len(out)
    return out


def _rows(frame: pd.DataFrame) -> list[tuple]:
    frame = frame.assign(month=pd.to_datetime(frame["month"]).dt.date)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[FINDING_COLUMNS].itertuples(index=False)]


def test_warehouse_rows_equal_the_rows_over_frames():
    rules = load_settings().findings
    names = pd.DataFrame({"elder_id": ["Q01", "Q02", "T05", "Q05", "T09", "T07"],
                          "name_masked": ["张*华", "李*", "王*明", "周*", "孙*", "吴*"]})
    named = lambda f: f.merge(names, on="elder_id", how="left")  # noqa: E731
    over_frames = collect_findings(None, rules, visit_findings=named(_visits()), short_months=short_months(),
                                   details={k: named(v) for k, v in _details().items()}, figures=figures(),
                                   indicators=indicator_tables(figures(), {CODE: SETTINGS}))
    assert _rows(_stored(rules)) == _rows(over_frames)


def test_evidence_as_printed_before():
    found = _stored(load_settings().findings)
    evidence = dict(zip(found["kind"], found["evidence"]))
    assert evidence["bed_above_cap"] == "限额类目合计 2800.0 元，上限 2500.0 元，超出 0.12 元"
    assert evidence["renovation_overspend"] == "paid without 验收金额（差额 nan 元）"
    assert evidence["below_minutes"] == "实际 9.0小时，最低 15.0小时"
    assert evidence["below_visits"] == "实际 9次，最低 15.0次"
    assert evidence["figure_not_computable"] == ("home_service_coverage：not computable: "
                                                 "baseline.disabled_low_income_elders unknown")
    missed = found[found["kind"] == "output_target_missed"]["evidence"].tolist()
    assert missed == ["3.经济困难的失能部分失能老年人享受居家养老上门服务人次数（人次）：完成 396.0，目标 495.0",
                      "6.家庭养老床位建设户均成本（元/床）：完成 2600.0，目标 2500.0"]
    assert found.loc[found["elder_id"] == "T07", "name_masked"].tolist() == ["吴*"]


def test_order_and_a_rule_kinds_do_not_list():
    found = _stored(load_settings().findings)
    q05 = found[found["elder_id"] == "Q05"]
    # an elder's punches of one month in the table's order (file row), not a join's; a rule KINDS does not list:
    # after the listed kinds of its category, under its own id, in the default category
    assert q05["source"].tolist() == [f"370306/visits/2022-06.csv 第{r}行" for r in (8, 19, 30, 3)]
    assert q05[["category", "kind", "finding", "unit"]].iloc[-1].tolist() == ["业务管理", "visit_on_holiday",
                                                                               "visit_on_holiday", "条"]
    assert found["category"].tolist() == sorted(found["category"], key=["目标编制", "业务管理", "项目产出",
                                                                         "项目效益"].index)


def test_categories_come_from_the_configuration():
    categories = {**load_settings().findings.categories, "open_punch": "项目效益", "visit_on_holiday": "目标编制"}
    found = _stored(Findings(categories=categories))
    assert set(found.loc[found["kind"] == "open_punch", "category"]) == {"项目效益"}
    assert set(found.loc[found["kind"] == "visit_on_holiday", "category"]) == {"目标编制"}
    assert found["kind"].iloc[-1] == "open_punch"  # 项目效益 is the last category


def test_tables_not_built_yet_have_no_findings():
    con = duckdb.connect()
    n = store_findings(con, load_settings().findings, indicator_tables(None, {CODE: SETTINGS}), set())
    assert n == 0 and con.execute(f"select count(*) from {FINDINGS_TABLE}").fetchall() == [(0,)]


def test_every_visit_rule_has_a_label_a_unit_and_a_category():
    from eldercare.exports.findings import KINDS
    from eldercare.visit_sql import FINDING_RULES
    categories = load_settings().findings.categories
    assert set(FINDING_RULES) <= set(KINDS), set(FINDING_RULES) - set(KINDS)
    assert set(FINDING_RULES) <= set(categories), set(FINDING_RULES) - set(categories)
