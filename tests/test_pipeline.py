"""The whole sample region through Dagster's own `materialize`: counts, quarantine reasons, accounting, privacy."""

import re
from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLE, query
from eldercare.formats import id_number_problem
from synth.sample import generate


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """What the generator seeded, regenerated independently of the bundled copy (and equal to it)."""
    out = tmp_path_factory.mktemp("regen")
    m = generate(out)
    for rel in m["files"]:
        assert (out / m["region_code"] / rel).read_bytes() == (SAMPLE / m["region_code"] / rel).read_bytes(), rel
    return m


def test_every_asset_and_check_succeeds_on_the_sample(sample_run):
    _, _, result = sample_run
    assert result.success
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == []
    checks = {(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()}
    assert ("validated/visits", "rows_accounted") in checks and ("validated/elders", "contract") in checks


def test_rows_in_equal_rows_valid_plus_quarantined_for_every_file(sample_run, manifest):
    _, warehouse, _ = sample_run
    audit = {f: (read, valid, bad, blank) for f, read, valid, bad, blank in query(
        warehouse, "select source_file, rows_read, rows_valid, rows_quarantined, blank_rows from audit.ingest_files "
                   "where ledger not in ('bed_items')")}
    for rel, rows in manifest["counts"]["rows"].items():
        if "#" in rel:
            continue
        read, valid, bad, blank = audit[f"370399/{rel}"]
        totals = manifest["counts"]["totals_rows"].get(rel, 0)
        assert read == rows + totals, rel  # a totals row is read, then quarantined
        assert read == valid + bad, rel
        assert blank == manifest["counts"]["blank_rows"].get(rel, 0), rel
    stored = dict(query(warehouse, "select 'visits', count(*) from validated.visits union all "
                                   "select 'q', count(distinct (source_file, source_row)) from quarantine.rows "
                                   "where ledger = 'visits'"))
    assert stored["visits"] + stored["q"] == manifest["counts"]["visits_total"] + 1  # + the 合计 row


def test_sample_table_sizes(sample_run):
    _, warehouse, _ = sample_run
    counts = {t: query(warehouse, f"select count(*) from validated.{t}")[0][0]
              for t in ("institutions", "elders", "status_events", "beds", "bed_items", "funds", "survey", "visits")}
    assert counts == {"institutions": 3, "elders": 267, "status_events": 19, "beds": 257, "bed_items": 962,
                      "funds": 27, "survey": 73, "visits": 24820}
    assert query(warehouse, "select count(*) from quarantine.refused_files") == [(0,)]


QUARANTINED = {  # defect kind seeded by the generator -> (rule the pipeline applies, words the reason must say)
    "bad_check_digit": ("bad_id_number", "check digit is"),
    "legacy_15_digit_id": ("bad_id_number", "legacy 15-digit ID number"),
    "duplicate_id": ("duplicate_key", "already appears on row 147"),
    "totals_row": ("totals_row", "totals row"),
    "unknown_elder": ("unknown_reference", "is not in 服务对象台账 (elders)"),
    "duplicate_exact": ("duplicate_punch", "duplicate punch: the same record as row"),
    "duplicate_id_conflict": ("duplicate_key", "visit id reused with different content; first used on row"),
    "checkout_before_checkin": ("checkout_not_before_checkin", "签退时间 is before 签到时间"),
    "other_month": ("checkin_in_file_month", "not in the month of this file"),
    "impossible_date": ("bad_datetime", "not a valid date-time: '2022年9月31日"),
}


def _defects(manifest, kinds):
    return [d for d in manifest["defects"] if d["kind"] in kinds]


@pytest.mark.parametrize("kind", sorted(QUARANTINED))
def test_each_defect_kind_lands_in_quarantine_with_an_actionable_reason(sample_run, manifest, kind):
    _, warehouse, _ = sample_run
    rule, words = QUARANTINED[kind]
    defects = _defects(manifest, {kind})
    assert defects, kind
    for d in defects:
        rows = query(warehouse, "select rule, reason, column_header, value from quarantine.rows "
                                "where source_file = ? and source_row = ?", [f"370399/{d['file']}", d["row"]])
        assert any(r == rule and words in reason for r, reason, _, _ in rows), (d, rows)
        ledger_table = "visits" if d["file"].startswith("visits/") else d["file"].split(".")[0]
        stored = query(warehouse, f"select count(*) from validated.{ledger_table} where source_file = ? "
                                  "and source_row = ?", [f"370399/{d['file']}", d["row"]])
        assert stored == [(0,)], d


def test_quarantined_id_numbers_are_masked(sample_run, manifest):
    _, warehouse, _ = sample_run
    d = _defects(manifest, {"bad_check_digit"})[0]
    [(value, reason)] = query(warehouse, "select value, reason from quarantine.rows where source_file = ? and "
                                         "source_row = ?", ["370399/elders.xlsx", d["row"]])
    assert value == d["value"][:6] + "*" * 8 + d["value"][-4:]
    assert d["value"] not in reason


def test_a_bed_of_a_quarantined_elder_points_at_the_elders_row_and_its_items_at_the_beds_row(sample_run):
    """The chain an invalid ID number starts: the bed names the elder's quarantined row, its items the bed's."""
    _, warehouse, _ = sample_run
    [(elder_row,)] = query(warehouse, "select source_row from quarantine.rows where ledger = 'elders' "
                                      "and rule = 'bad_id_number' and elder_id = 'E0082'")
    [(bed_row, bed_reason)] = query(warehouse, "select source_row, reason from quarantine.rows where ledger = 'beds' "
                                               "and elder_id = 'E0082'")
    assert f"(370399/elders.xlsx row {elder_row})" in bed_reason and "set aside in quarantine" in bed_reason
    items = query(warehouse, "select distinct rule, reason from quarantine.rows where ledger = 'bed_items' "
                             "and elder_id = 'E0082'")
    assert items == [("reference_in_quarantine", "服务对象编号: 'E0082' is in 家庭养老床位建设台账 (beds) only on a row "
                      f"set aside in quarantine (370399/beds.xlsx row {bed_row}): correct that row first")]


def test_blank_rows_are_skipped_and_counted_not_stored(sample_run, manifest):
    _, warehouse, _ = sample_run
    for d in _defects(manifest, {"blank_row"}):
        source = f"370399/{d['file']}"
        assert query(warehouse, "select count(*) from quarantine.rows where source_file = ? and source_row = ?",
                     [source, d["row"]]) == [(0,)]
        assert query(warehouse, "select blank_rows from audit.ingest_files where source_file = ?",
                     [source])[0][0] >= 1


FOUND = {  # accepted rows that are findings, not quarantine: kind -> finding rule
    "open_punch": "open_punch", "visit_after_death": "visit_after_death", "visit_during_pause": "visit_during_pause",
    "too_short": "visit_too_short", "too_long": "visit_too_long", "caregiver_overlap": "caregiver_overlap",
    "bed_only_visit": "visit_for_bed_only_elder",
}


@pytest.mark.parametrize("kind", sorted(FOUND))
def test_accepted_rows_with_findings_stay_valid_and_are_reported(sample_run, manifest, kind):
    _, warehouse, _ = sample_run
    for d in _defects(manifest, {kind}):
        source = f"370399/{d['file']}"
        assert query(warehouse, "select count(*) from validated.visits where source_file = ? and source_row = ?",
                     [source, d["row"]]) == [(1,)], d
        rules = [r for (r,) in query(warehouse, "select rule from metrics.visit_findings where source_file = ? "
                                                "and source_row = ?", [source, d["row"]])]
        assert FOUND[kind] in rules, (d, rules)


def test_accepted_formats_are_normalised(sample_run):
    _, warehouse, _ = sample_run
    # 未记录时间 is unknown time, not zero; the 65.124万元 contract amount is 651,240 元.
    unrecorded = query(warehouse, "select count(*) from validated.visits where not duration_recorded "
                                  "and checkout_at is not null and duration_min is null")[0][0]
    assert unrecorded == 12
    assert (651240.0,) in query(warehouse, "select contract_amount_yuan from validated.institutions")
    # GB18030 July, xlsx August with title row and merged header, reordered September, extra column in October.
    months = dict(query(warehouse, "select strftime(month, '%Y-%m'), count(*) from validated.visits group by 1"))
    assert all(months[m] > 2800 for m in ("2022-07", "2022-08", "2022-09", "2022-10"))
    assert query(warehouse, "select unknown_columns from audit.ingest_files where source_file like '%2022-10.csv'") \
        == [("备注",)]


ID_LIKE = re.compile(r"(?<![0-9a-f])[1-9]\d{16}[\dXx](?![0-9a-f])")


def test_no_clear_id_number_or_name_reaches_the_warehouse(sample_run):
    raw, warehouse, _ = sample_run
    wb = openpyxl.load_workbook(raw / "370399" / "elders.xlsx", read_only=True)
    header, names, ids = None, set(), set()
    for row in wb.active.iter_rows(values_only=True):
        if header is None:
            if row and "姓名" in row:
                header = row
            continue
        rec = dict(zip(header, row))
        if rec.get("姓名"):
            names.add(str(rec["姓名"]))
        if rec.get("身份证号"):
            ids.add(re.sub(r"\s", "", str(rec["身份证号"])).upper())
    columns = query(warehouse, "select table_schema, table_name, column_name from information_schema.columns "
                               "where data_type = 'VARCHAR'")
    for schema, table, column in columns:
        values = {v for (v,) in query(warehouse, f'select distinct "{column}" from {schema}.{table} '
                                                 f'where "{column}" is not null')}
        assert not values & names, (schema, table, column)
        assert not values & ids, (schema, table, column)
        # anything else shaped like an ID number with a valid check digit (the before-stop hook's test)
        assert not any(id_number_problem(m) is None for v in values for m in ID_LIKE.findall(v)), (schema, table, column)
