"""The gate: failures become row issues found by position; among duplicate keys the first copy that passed stays."""

import datetime as dt

import polars as pl

from checks.gate import gate_ledger
from checks.schemas import POLARS_SCHEMAS


def _events(rows):
    return pl.DataFrame(rows, schema={"region_code": pl.Utf8, "source_file": pl.Utf8, "source_row": pl.Int64,
                                      "elder_id": pl.Utf8, "event": pl.Utf8, "event_date": pl.Date}, orient="row")


def test_failures_are_issues_of_their_own_rows_and_optional_columns_are_added():
    rows = _events([("370399", "s.csv", 2, "E001", "died", dt.date(2022, 9, 1)),
                    ("370399", "s.csv", 3, "E002", "vanished", dt.date(2022, 9, 2)),  # not an allowed value
                    ("370399", "s.csv", 4, None, "paused", dt.date(2022, 9, 3))])  # required id missing
    valid, issues = gate_ledger(rows, POLARS_SCHEMAS["status_events"], {"event": "变更类型", "elder_id": "服务对象编号"})
    assert valid["source_row"].to_list() == [2]
    assert valid.columns[-3:] == ["note", "source_file", "source_row"]  # 说明 absent from the file: added, empty
    assert sorted((i.source_row, i.column, i.rule) for i in issues) == [(3, "event", "isin"),
                                                                       (4, "elder_id", "not_nullable")]
    assert next(i.reason for i in issues if i.source_row == 3) == "变更类型: 'vanished' is not an accepted value"


def test_the_first_copy_that_passed_is_kept_among_duplicate_keys():
    inst = pl.DataFrame({"region_code": ["370399"] * 3, "source_file": ["i.csv"] * 3, "source_row": [2, 3, 4],
                         "institution_id": ["JG001"] * 3, "name": ["a", "b", "c"], "planned_beds": [-1, 5, 6]})
    valid, issues = gate_ledger(inst, POLARS_SCHEMAS["institutions"], {"institution_id": "机构编号"},
                                ("institution_id",))
    # row 2 fails (planned_beds -1 < 0), so row 3 is the first good copy; row 4 repeats it
    assert valid["source_row"].to_list() == [3]
    assert sorted((i.source_row, i.rule) for i in issues) == [(2, "greater_than_or_equal_to"), (4, "duplicate_key")]
    assert next(i.reason for i in issues if i.rule == "duplicate_key") == (
        "机构编号: 'JG001' already appears on row 3: remove or renumber the second copy")
