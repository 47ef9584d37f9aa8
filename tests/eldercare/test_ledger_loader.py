"""Set-based ledger loading: the rows of every region go through normalise, references and the gate together, yet
each issue names its own file's header, keys are looked up in the row's own region, and no row is lost."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl

from checks.gate import gate_rows
from checks.schemas import POLARS_SCHEMAS
from eldercare.ledger_loader import Reference, load_ledger
from eldercare.ledgers import LEDGERS
from resources import RawFolder

SAMPLE_YAML = Path(__file__).resolve().parents[2] / "data_raw" / "370399" / "region.yaml"
ID_A, ID_B = "11010519491231002X", "110105194912310021"  # a valid ID number, and one with a wrong check digit


def _csv(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _region(root: Path, code: str) -> Path:
    folder = root / code
    folder.mkdir(parents=True)
    folder.joinpath("region.yaml").write_text(
        SAMPLE_YAML.read_text(encoding="utf-8").replace('"370399"', f'"{code}"'), encoding="utf-8")
    return folder


def _load(raw: RawFolder, name: str, references=()):
    ledger = LEDGERS[name]
    return load_ledger(ledger, lambda df, headers: gate_rows(df, POLARS_SCHEMAS[name], headers, ledger.key),
                       ledger.validated.columns, raw, "test-key", list(references), dt.date(2022, 12, 31))


def test_many_regions_at_once_each_issue_names_its_own_file_and_region(tmp_path):
    a, b = _region(tmp_path, "110101"), _region(tmp_path, "110102")
    _csv(a / "institutions.csv", [["机构编号", "机构名称", "计划床位数"], ["JG1", "甲", "5"], ["JG1", "甲二", "6"]])
    _csv(b / "institutions.csv", [["统一社会信用代码", "服务机构", "计划建设数"], ["JG2", "乙", "十个"], ["JG3", "丙", "3"],
                                  [], ["合计", "", "8"]])
    raw = RawFolder(path=str(tmp_path))
    inst = _load(raw, "institutions")
    assert inst.valid.sort("region_code")["institution_id"].to_list() == ["JG1", "JG3"]
    q = inst.quarantine.sort_values(["source_file", "source_row"])
    assert list(zip(q.source_file, q.source_row, q.rule, q.reason)) == [
        ("110101/institutions.csv", 3, "duplicate_key",
         "机构编号: 'JG1' already appears on row 2: remove or renumber the second copy"),
        ("110102/institutions.csv", 2, "bad_int", "计划建设数: not a whole number: '十个'"),
        ("110102/institutions.csv", 5, "totals_row", "totals row ('合计'), not a record: delete it from the ledger"),
    ]
    files = inst.files.set_index("source_file")
    assert files.loc["110102/institutions.csv", ["rows_read", "blank_rows", "rows_valid", "rows_quarantined"]].tolist() \
        == [3, 1, 1, 2]

    # JG3 exists, but in the other region: unknown here, named with this file's header
    _csv(a / "elders.csv", [["服务对象编号", "身份证号", "姓名", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"],
                            ["E1", ID_A, "张三", "低保", "轻度失能", "JG1", "两者", "2022-07-01"],
                            ["E2", ID_A, "李四", "低保", "轻度失能", "JG3", "两者", "2022-07-01"]])
    _csv(b / "elders.csv", [["服务对象编号", "身份证号码", "老人姓名", "困难类型", "失能等级", "机构编号", "服务类型", "签约日期"],
                            ["E1", ID_A, "王五", "特困", "中度失能", "JG3", "家庭养老床位", "2022-07-01"],
                            ["E2", ID_B, "赵六", "特困", "中度失能", "JG3", "家庭养老床位", "2099-07-01"]])
    keys = inst.valid.select("region_code", "institution_id")
    elders = _load(raw, "elders", [Reference("institution_id", "服务机构 (institutions)", keys)])
    assert sorted(elders.valid.select("region_code", "elder_id").iter_rows()) == [("110101", "E1"), ("110102", "E1")]
    q = elders.quarantine.sort_values(["source_file", "source_row"])
    assert list(zip(q.source_file, q.source_row, q.rule, q.reason)) == [
        ("110101/elders.csv", 3, "unknown_reference",
         "服务机构: 'JG3' is not in 服务机构 (institutions): add it there or correct the code"),
        ("110102/elders.csv", 3, "bad_id_number", "身份证号码: check digit is 1, expected X"),
    ]
    assert q.value.iloc[1] == "110105********0021"  # masked in quarantine
    assert elders.files.rows_read.sum() == len(elders.valid) + elders.files.rows_quarantined.sum()
    assert pl.Series(elders.valid["name_masked"]).to_list() == ["张*", "王*"]


def test_visit_reasons_name_the_header_of_the_rows_own_file(tmp_path):
    """Two regions, two spellings of the visit id (服务记录编号 / 工单号): a duplicate and an unknown institution in the
    second region's file are reported under that file's own headers, not the first file's."""
    from checks.gate import polars_failures
    from checks.schemas import VISIT_SCHEMA
    from eldercare.ledgers import VISITS
    from eldercare.visit_loader import load_month

    rows = [["V1", "E1", "JG001", "C1", "生活照料", "2022-07-01 08:00:00", "2022-07-01 09:00:00", "60分钟"],
            ["V1", "E1", "JG001", "C1", "生活照料", "2022-07-01 08:00:00", "2022-07-01 09:00:00", "60分钟"],
            ["V2", "E1", "JG009", "C1", "生活照料", "2022-07-02 08:00:00", "2022-07-02 09:00:00", "60分钟"]]
    tail = ["服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"]
    for code, first in (("370301", "服务记录编号"), ("370302", "工单号")):
        (_region(tmp_path, code) / "visits").mkdir()
        _csv(tmp_path / code / "visits" / "2022-07.csv", [[first, *tail], *rows])
    keys = pl.DataFrame({"region_code": ["370301", "370302"], "elder_id": ["E1", "E1"]})
    institutions = pl.DataFrame({"region_code": ["370301", "370302"], "institution_id": ["JG001", "JG001"]})
    load = load_month(dt.date(2022, 7, 1), RawFolder(path=str(tmp_path)), keys, institutions,
                      lambda df, headers: polars_failures(df, VISIT_SCHEMA, headers), VISITS.validated.columns,
                      dt.date(2022, 12, 31))
    got = sorted(load.quarantine.select("region_code", "rule", "column_header").iter_rows())
    assert got == [("370301", "duplicate_punch", "服务记录编号"), ("370301", "unknown_reference", "服务机构"),
                   ("370302", "duplicate_punch", "工单号"), ("370302", "unknown_reference", "服务机构")]
    reasons = load.quarantine.filter(pl.col("region_code") == "370302")["reason"].to_list()
    assert not any("服务记录编号" in r for r in reasons)
    assert load.valid.height == 2  # V1 once in each region


def test_a_row_pointing_at_a_quarantined_elder_is_told_where_that_elder_was_set_aside(tmp_path):
    """An elder quarantined for a bad ID number makes their bed wait on that row, not go 'missing' from the ledger;
    every quarantined row keeps the elder it names."""
    a = _region(tmp_path, "110101")
    _csv(a / "elders.csv", [["服务对象编号", "身份证号", "姓名", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"],
                            ["E1", ID_A, "张三", "低保", "轻度失能", "JG1", "两者", "2022-07-01"],
                            ["E2", ID_B, "李四", "低保", "轻度失能", "JG1", "两者", "2022-07-01"]])
    _csv(a / "beds.csv", [["服务对象编号", "服务机构", "计划完成日期"],
                          ["E1", "JG1", "2022-08-01"], ["E2", "JG1", "2022-08-01"], ["E9", "JG1", "2022-08-01"]])
    raw = RawFolder(path=str(tmp_path))
    elders = _load(raw, "elders")
    assert elders.quarantine[["source_row", "rule", "elder_id"]].values.tolist() == [[3, "bad_id_number", "E2"]]
    keys = elders.valid.select("region_code", "elder_id")
    set_aside = pl.DataFrame({"region_code": ["110101"], "elder_id": ["E2"], "source_file": ["110101/elders.csv"],
                              "source_row": [3]})
    beds = _load(raw, "beds", [Reference("elder_id", "服务对象台账 (elders)", keys, set_aside)])
    q = beds.quarantine.sort_values("source_row")
    assert list(zip(q.source_row, q.rule, q.reason, q.elder_id)) == [
        (3, "reference_in_quarantine", "服务对象编号: 'E2' is in 服务对象台账 (elders) only on a row set aside in "
                                       "quarantine (110101/elders.csv row 3): correct that row first", "E2"),
        (4, "unknown_reference", "服务对象编号: 'E9' is not in 服务对象台账 (elders): add it there or correct the code",
         "E9"),
    ]


def test_a_visit_of_a_quarantined_elder_is_told_where_that_elder_was_set_aside(tmp_path):
    from checks.gate import polars_failures
    from checks.schemas import VISIT_SCHEMA
    from eldercare.ledgers import VISITS
    from eldercare.visit_loader import load_month

    (_region(tmp_path, "370301") / "visits").mkdir()
    _csv(tmp_path / "370301" / "visits" / "2022-07.csv",
         [["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"],
          ["V1", "E2", "JG001", "C1", "生活照料", "2022-07-01 08:00:00", "2022-07-01 09:00:00", "60分钟"],
          ["V2", "E9", "JG001", "C1", "生活照料", "2022-07-02 08:00:00", "2022-07-02 09:00:00", "60分钟"]])
    keys = pl.DataFrame({"region_code": ["370301"], "elder_id": ["E1"]})
    institutions = pl.DataFrame({"region_code": ["370301"], "institution_id": ["JG001"]})
    set_aside = pl.DataFrame({"region_code": ["370301"], "elder_id": ["E2"], "source_file": ["370301/elders.csv"],
                              "source_row": [3]})
    load = load_month(dt.date(2022, 7, 1), RawFolder(path=str(tmp_path)), keys, institutions,
                      lambda df, headers: polars_failures(df, VISIT_SCHEMA, headers), VISITS.validated.columns,
                      dt.date(2022, 12, 31), set_aside)
    got = sorted(load.quarantine.select("source_row", "rule", "reason").iter_rows())
    assert got == [
        (2, "reference_in_quarantine", "服务对象编号: 'E2' is in 服务对象台账 (elders) only on a row set aside in "
                                       "quarantine (370301/elders.csv row 3): correct that row first"),
        (3, "unknown_reference", "服务对象编号: 'E9' is not in 服务对象台账 (elders): add it there or correct the code"),
    ]
