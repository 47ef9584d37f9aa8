"""Issue 14 point 2 and issue 9's regressions, each with the exact layout a real region handed in, through a real
materialisation of the validated layer on one small region (run as of 2022-08-31: its last partition's month end).

- beds.xlsx with a title row and a two-row merged header (建设日期 / 验收情况 over their columns): every bed loads;
- free text kept verbatim: a 说明 with （，；） and an item name with （）;
- a month file with only its header loads 0 rows and the accounting counts 0;
- `2022-07 上门服务记录（终稿）.csv` is month 2022-07; a file whose name holds no month is refused, named;
- dates after the run's as-of date are quarantined, the reason naming that date;
- `Ｅ００１` is the elder E001 in the elder ledger and in a visit file; 通过 / 未通过 are 合格 / 不合格;
- a refused file and a refused region.yaml are named, with the reason, in the checks' metadata.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from conftest import ALL_ASSETS, materialize_range, query
from eldercare.formats import id_check_digit

CODE = "370398"
REGION_YAML = f"""region_code: "{CODE}"
name: 测试区
project_year: 2022
service_start: "2022-06-01"
evaluation_window: ["2022-06", "2022-12"]
minimums: {{visits_per_month: 15, minutes_per_month: 900}}
"""
NOTE = "住院（肺炎），暂停服务；待出院后恢复"
ITEM = "智能床垫（离床监测）"


def _id(n: int) -> str:
    first17 = f"37039819400101{n:03d}"
    return first17 + id_check_digit(first17)


def _csv(path: Path, rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _beds_xlsx(path: Path) -> None:
    """Title row, then a two-row header: group cells merged across, the other headers merged down."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "床位"
    ws.append(["测试区家庭养老床位建设台账（2022年）"])
    ws.merge_cells("A1:K1")
    ws.append(["服务对象编号", "服务机构", "建设日期", None, None, "验收情况", None, None, "实际支付金额", "已享受适老化改造",
               "联系人"])
    ws.append([None, None, "计划完成日期", "实际开工日期", "实际完成日期", "验收日期", "验收结果", "验收金额", None, None,
               None])
    for col in "ABIJK":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:H2")
    ws.append(["E001", "JG001", "2022-06-30", "2022-06-01", "2022-06-20", "2022-06-25", "通过", 2500, 2500, "否", "甲"])
    ws.append(["E002", "JG001", "2022-06-30", "2022-06-02", "2022-06-21", "2022-06-26", "未通过", 2400, 0, "否", "乙"])
    ws.append(["E003", "JG001", "2022-06-30", "2022-06-03", "2022-06-22", "2022-09-10", "合格", 2300, 2300, "否", "丙"])
    items = wb.create_sheet("床位改造明细")
    items.append(["服务对象编号", "类别", "项目名称", "数量", "金额"])
    items.append(["E001", "智能化设备", ITEM, 1, 800])
    wb.save(path)


@pytest.fixture(scope="module")
def region_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("variants")
    raw, folder = base / "raw", base / "raw" / CODE
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(REGION_YAML, encoding="utf-8")
    _csv(folder / "institutions.csv", [["机构编号", "机构名称", "计划床位数"], ["JG001", "期颐堂", 3]])
    header = ["服务对象编号", "身份证号", "姓名", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"]
    _csv(folder / "elders.csv", [header,
                                  ["Ｅ００１", _id(1), "张三华", "低保", "重度失能", "JG001", "两者", "2022-06-01"],
                                  ["E002", _id(2), "李四", "本地低收入家庭", "中度失能", "JG001", "两者", "2022-06-01"],
                                  ["E003", _id(3), "王五", "特困", "半失能", "JG001", "两者", "2022-06-01"]])
    _csv(folder / "status_events.csv", [["服务对象编号", "变更类型", "变更日期", "说明"],
                                        ["E002", "暂停", "2022-07-10", NOTE],
                                        ["E003", "去世", "2022-09-15", "病故"]])
    _beds_xlsx(folder / "beds.xlsx")
    (folder / "funds.csv").write_bytes(b"")  # empty: refused, named
    visit_header = ["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"]
    _csv(folder / "visits" / "2022-07 上门服务记录（终稿）.csv", [
        visit_header,
        ["V1", "Ｅ００１", "JG001", "C1", "生活照料", "2022-07-01 08:00:00", "2022-07-01 09:00:00", "60分钟"],
        ["V2", "E001", "JG001", "C1", "医疗护理", "2022-07-02 08:00:00", "2022-07-02 08:45:00", "45分钟"]])
    _csv(folder / "visits" / "2022-08.csv", [visit_header])  # a month without visits yet: its header only
    _csv(folder / "visits" / "上门服务记录（补充）.csv", [visit_header])  # no month in the name
    bad = raw / "37039X"
    bad.mkdir()
    refused_region = raw / "370397"
    refused_region.mkdir()
    (refused_region / "region.yaml").write_text('region_code: "370397"\nname: 缺键区\n', encoding="utf-8")
    warehouse = base / "wh.duckdb"
    result = materialize_range(raw, warehouse, "2022-07-01", "2022-08-01", selection=ALL_ASSETS, as_of="2022-08-31")
    return warehouse, result


def test_the_run_succeeds_and_only_the_refusals_fail_their_checks(region_run):
    _, result = region_run
    assert result.success
    failed = sorted((e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
                    if not e.passed)
    assert failed == [("validated/funds", "files_readable"), ("validated/regions", "regions_accepted"),
                      ("validated/visits", "files_readable")]


def test_beds_with_a_title_row_and_a_two_row_merged_header_all_load(region_run):
    warehouse, _ = region_run
    rows = query(warehouse, "select elder_id, planned_completion::varchar, completed_on::varchar, acceptance, "
                            "accepted_amount_yuan from validated.beds order by elder_id")
    # E003's 验收日期 2022-09-10 is after the as-of date 2022-08-31: that bed is quarantined, the other two load
    assert rows == [("E001", "2022-06-30", "2022-06-20", "合格", 2500.0),   # 通过 -> 合格
                    ("E002", "2022-06-30", "2022-06-21", "不合格", 2400.0)]  # 未通过 -> 不合格
    assert query(warehouse, "select header_row, rows_read, rows_valid, rows_quarantined, unknown_columns "
                            "from audit.ingest_files where ledger = 'beds'") == [
        (3, 3, 2, 1, "联系人")]  # data starts below the second header row; a column of neither row is reported
    # 个性化 not given: unknown (NULL), not 否
    assert query(warehouse, "select item, personalised from validated.bed_items") == [(ITEM, None)]


def test_dates_after_the_run_as_of_date_are_quarantined_naming_it(region_run):
    warehouse, _ = region_run
    got = query(warehouse, "select ledger, source_row, column_header, rule, reason from quarantine.rows "
                           "where rule = 'after_as_of' order by ledger")
    assert got == [
        ("beds", 6, "验收日期", "after_as_of", "验收日期: 2022-09-10 is after the run's as-of date 2022-08-31: "
                                             "a date that cannot be in the future; check it"),
        ("status_events", 3, "变更日期", "after_as_of", "变更日期: 2022-09-15 is after the run's as-of date "
                                                     "2022-08-31: a date that cannot be in the future; check it"),
    ]


def test_free_text_is_kept_verbatim(region_run):
    warehouse, _ = region_run
    assert query(warehouse, "select note from validated.status_events") == [(NOTE,)]


def test_full_width_elder_id_is_the_same_elder_in_every_ledger(region_run):
    warehouse, _ = region_run
    assert query(warehouse, "select elder_id from validated.elders order by 1") == [("E001",), ("E002",), ("E003",)]
    # both visits, one written Ｅ００１, reach E001: none is an unknown reference
    assert query(warehouse, "select visit_id, elder_id from validated.visits order by 1") == [("V1", "E001"),
                                                                                            ("V2", "E001")]
    assert query(warehouse, "select count(*) from quarantine.rows where ledger = 'visits'") == [(0,)]


def test_a_local_hardship_category_and_a_legacy_ability_level_load(region_run):
    warehouse, _ = region_run
    assert query(warehouse, "select elder_id, hardship, ability_level, ability_legacy from validated.elders "
                            "order by 1") == [("E001", "低保", "重度失能", False),
                                              ("E002", "本地低收入家庭", "中度失能", False),
                                              ("E003", "特困", "半失能", True)]


def test_visit_file_names_header_only_months_and_refusals(region_run):
    warehouse, _ = region_run
    assert query(warehouse, "select month::varchar, source_file, rows_read, rows_valid, rows_quarantined, blank_rows "
                            "from audit.ingest_files where ledger = 'visits' order by 1") == [
        ("2022-07-01", f"{CODE}/visits/2022-07 上门服务记录（终稿）.csv", 2, 2, 0, 0),
        ("2022-08-01", f"{CODE}/visits/2022-08.csv", 0, 0, 0, 0),  # header only: no phantom row
    ]
    assert query(warehouse, "select ledger, source_file, reason from quarantine.refused_files order by 2") == [
        ("region", "370397/region.yaml", "region.yaml key 'project_year' is missing"),
        ("funds", f"{CODE}/funds.csv", "the file is empty"),
        ("visits", f"{CODE}/visits/上门服务记录（补充）.csv",
         "the file name does not start with its month (YYYY-MM): rename it, e.g. 2022-07.csv"),
        ("region", "37039X", "folder name is not a 6-digit region code (行政区划代码)"),
    ]


def test_checks_name_the_refused_file_and_why(region_run):
    _, result = region_run
    meta = {(e.asset_key.to_user_string(), e.check_name): e.metadata.get("first_refused")
            for e in result.get_asset_check_evaluations()}
    assert meta[("validated/funds", "files_readable")].value == f"{CODE}/funds.csv: the file is empty"
    assert meta[("validated/visits", "files_readable")].value == (
        f"{CODE}/visits/上门服务记录（补充）.csv: the file name does not start with its month (YYYY-MM): "
        "rename it, e.g. 2022-07.csv")
    assert meta[("validated/regions", "regions_accepted")].value == (
        "370397/region.yaml: region.yaml key 'project_year' is missing (and 1 more)")


def test_rerunning_an_old_month_keeps_later_rows_and_visits_across_its_last_midnight(tmp_path):
    """No as-of tag: a re-run of July (made today) is not "as of 31 July" for the ledgers it rebuilds whole, and a
    visit from 31 July 23:30 to 1 August 00:20 belongs to July."""
    raw, folder = tmp_path / "raw", tmp_path / "raw" / CODE
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(REGION_YAML, encoding="utf-8")
    _csv(folder / "institutions.csv", [["机构编号", "机构名称", "计划床位数"], ["JG001", "期颐堂", 3]])
    _csv(folder / "elders.csv", [["服务对象编号", "身份证号", "姓名", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"],
                                 ["E001", _id(1), "张三华", "低保", "重度失能", "JG001", "两者", "2022-06-01"]])
    _csv(folder / "status_events.csv", [["服务对象编号", "变更类型", "变更日期", "说明"], ["E001", "去世", "2022-09-15", "病故"]])
    _csv(folder / "visits" / "2022-07.csv", [
        ["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"],
        ["V1", "E001", "JG001", "C1", "生活照料", "2022-07-31 23:30:00", "2022-08-01 00:20:00", "50分钟"]])
    warehouse = tmp_path / "wh.duckdb"
    materialize_range(raw, warehouse, "2022-07-01", selection=ALL_ASSETS)
    assert query(warehouse, "select rule from quarantine.rows") == []
    assert query(warehouse, "select count(*) from validated.status_events") == [(1,)]
    assert query(warehouse, "select visit_id from validated.visits") == [("V1",)]
