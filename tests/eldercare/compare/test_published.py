"""Reading an evaluator's published/ folder: every row compared or reported with file, row, column and reason."""

import datetime as dt

import openpyxl

from eldercare.compare.published import read_published


def test_csv_rows_parsed_and_bad_rows_reported(tmp_path):
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / "shortfalls.csv").write_text(
        "服务机构,指标,服务对象编号,月份,数值\n"
        "QYT,次数,Q01,2022-06,10\n"
        "QYT,时长,Q01,2022年7月,8.5\n"
        ",,,,\n"                         # blank row: not data
        "QYT,次数,Q02,2022-13,\n"        # row 5: no such month
        "QYT,人次,Q03,2022-06,\n"        # row 6: not a metric
        "QYT,次数,Q01,2022-06,10\n"      # row 7: the same person-month twice
        "QYT,医疗,Q04,2022-06,十\n",     # row 8: 数值 not a number
        encoding="utf-8")
    (folder / "totals.csv").write_text("服务机构,指标,合计\nQYT,次数,59\nQYT,时长,-1\n", encoding="utf-8")
    got = read_published(folder, "370306", "370306/published")
    assert got.shortfalls.select("metric", "elder_id", "month", "published_value").rows() == [
        ("visits", "Q01", dt.date(2022, 6, 1), 10.0), ("hours", "Q01", dt.date(2022, 7, 1), 8.5)]
    assert got.shortfalls["source_row"].to_list() == [2, 3]
    problems = {(r["source_row"], r["column_header"]): r["reason"] for r in got.problems.iter_rows(named=True)}
    assert problems[(5, "月份")] == "'2022-13' is not a month (YYYY-MM)"
    assert "not a metric" in problems[(6, "指标")]
    assert "duplicate of row 2" in problems[(7, "服务对象编号")]
    assert "not a number" in problems[(8, "数值")]
    assert "whole number" in problems[(3, "合计")]
    assert set(got.problems["source_file"]) == {"370306/published/shortfalls.csv", "370306/published/totals.csv"}
    assert got.totals.select("institution_id", "metric", "published_total").rows() == [("QYT", "visits", 59)]


def test_xlsx_and_a_refused_file(tmp_path):
    folder = tmp_path / "published"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["期颐堂不达标户月名单"])  # a title row above the header
    ws.append(["服务机构", "指标", "服务对象编号", "月份"])
    ws.append(["QYT", "次数", "Q23", dt.datetime(2022, 6, 1)])
    wb.save(folder / "shortfalls.xlsx")
    (folder / "scores.csv").write_text("评分表,得分\nx,1\n", encoding="utf-8")  # required columns missing
    got = read_published(folder, "370306", "370306/published")
    assert got.shortfalls.select("elder_id", "month", "source_row").rows() == [("Q23", dt.date(2022, 6, 1), 3)]
    [refused] = got.problems.iter_rows(named=True)
    assert refused["source_file"] == "370306/published/scores.csv" and refused["source_row"] is None
    assert refused["reason"].startswith("file refused:")
