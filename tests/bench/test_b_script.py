"""B (bench/b_script.py) applies the contract's row rules and A's figure definitions, and compare() asserts A = B."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest

from bench import b_script
from bench.national import child_b, compare

ELDERS = "服务对象编号,身份证号,姓名,性别,出生日期,所属镇街,经济困难类型,能力等级,服务机构,服务类型,纳入日期,社会化"
BEDS = "服务对象编号,服务机构,计划完成日期,实际开工日期,实际完成日期,验收日期,验收结果,验收金额,实际支付金额,已享受适老化改造"
ITEMS = "服务对象编号,类别,项目名称,数量,金额（元）,是否个性化,已录入信息系统"
FUNDS = "日期,类型,资金来源,拨付对象,金额,单位,文号,用途"
SURVEY = "问卷编号,服务机构,调查日期,第1题,第2题,第3题,第4题,第5题,第6题,有效,服务对象编号,政策知晓"
VISITS = "服务记录编号,服务对象编号,服务机构,护理员编号,服务项目,签到时间,签退时间,服务时长"


def _id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def _write(path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One region (two institutions) whose ledgers carry the cases where B's rules used to differ from A's, and
    a second region with institutions and elders only; B run on June 2022."""
    raw = tmp_path_factory.mktemp("b_raw")
    for code, n in (("110101", 2), ("110102", 1)):
        region = raw / code
        region.mkdir()
        (region / "region.yaml").write_text(f'region_code: "{code}"\n', encoding="utf-8")
        wb = openpyxl.Workbook()
        wb.active.append(["机构编号", "机构名称", "合同签订日期", "合同金额", "计划床位数"])
        for i in range(1, n + 1):
            wb.active.append([f"JG00{i}", f"机构{i}", "2021/12/20", "30万元", 10])
        wb.save(region / "institutions.xlsx")
        _write(region / "elders.csv", ELDERS, [
            f"E{i},{_id(f'{code}1950010100{i}')},张三丰,男,1950-01-01,东湖镇,低保,中度失能,JG001,两者,2021-03-14,否"
            for i in range(1, 7)])
        _write(region / "status_events.csv", "服务对象编号,变更类型,变更日期,说明", [])
        _write(region / "visits" / "2022-06.csv", VISITS, [])
    region = raw / "110101"
    _write(region / "beds.csv", BEDS, [
        "E1,JG001,2022-03-01,2022-02-01,2022-02-20,2022-02-25,通过,1000.00,1000.00,否",   # 通过 = 合格
        "E2,JG001,2022-03-01,2022-02-01,2022-02-20,2022-02-25,未通过,800.00,,否",         # 未通过 = 不合格
        "E3,JG001,2022-07-01,2022-06-01,2099-07-03,,,,,否",                                # completed after today
        "E4,JG001,2022-03-01,2022-02-01,2022-02-30,,,,,否",                                # impossible date
        "E4,JG001,2022-03-01,2022-02-01,2022-02-21,2022-02-25,合格,\"1,500\",\"￥1,500元\",是",  # first passing copy
        ",,,,,,,,,",                                                                       # blank: skipped
        "E5,JG001,2022-03-01,,,,,,,否",                                                    # not completed
        "合计,,,,,,,,,",                                                                   # totals row
    ])
    _write(region / "bed_items.csv", ITEMS, [
        "E1,适老化改造,扶手,1,1000.00,是,是",
        "E3,智能化设备,烟感,1,300.00,否,是",     # its bed is quarantined: unknown reference
    ])
    _write(region / "funds.csv", FUNDS, [
        "2022-01-05,下达,中央,,10,万元,财社1号,",
        "2022-01-20,到位,中央,,90000.00,元,财社1号,",
        "2022-02-01,拨付,中央,JG001,5000,元,民拨1号,家庭养老床位",
        "2022-03-01,支出,中央,JG001,4500,元,凭证1,家庭养老床位",
        "2022-03-01,机构支出,其他,JG001,300,元,凭证2,",    # accepted, never execution
        "2022-03-02,支出,中央,JG001,-100,元,凭证3,",         # negative: quarantined
    ])
    _write(region / "survey.csv", SURVEY, [
        "WJ1,JG001,2022-06-01,A,A,A,A,A,A,是,E1,是",
        "WJ2,JG001,2022-06-01,非常满意,满意,一般,A,B,C,,E2,否",
        "WJ3,JG001,2022-06-01,A,,A,A,A,A,是,E3,是",       # a blank answer: returned, not valid, not quarantined
    ])
    db = raw.parent / "b.duckdb"
    result = child_b(str(raw), "2022-06", "csv", str(db))
    con = duckdb.connect(str(db), read_only=True)
    yield result, con
    con.close()


def _figures(result) -> dict:
    return {(r[0], r[1] or "", r[2]): r[3] for r in result["figures"]}


def test_rows_follow_the_contract(warehouse):
    result, con = warehouse
    beds = dict(con.execute("select elder_id, acceptance from valid.beds where region_code = '110101'").fetchall())
    assert beds == {"E1": "合格", "E2": "不合格", "E4": "合格", "E5": None}
    assert con.execute("select paid_amount_yuan from valid.beds where elder_id = 'E4'").fetchone()[0] == 1500
    reasons = sorted(con.execute("select ledger, line, reason from quarantine.rows").fetchall())
    assert reasons == [("bed_items", 3, "unknown_reference"),
                       ("beds", 4, "after_as_of: completed_on"), ("beds", 5, "bad_date: completed_on"),
                       ("beds", 9, "totals_row"), ("funds", 7, "less_than_0: amount_yuan")]
    funds = dict(con.execute("select kind, sum(amount_yuan)::double from valid.funds group by all").fetchall())
    assert funds == {"allocated": 100000.0, "received": 90000.0, "paid": 5000.0, "spent": 4500.0,
                     "institution_spent": 300.0}
    assert result["valid"]["survey"] == 3


def test_figures_follow_the_pipeline_definitions(warehouse):
    result, _ = warehouse
    f = _figures(result)
    assert f[("110101", "", "allocated_yuan")] == 100000.0
    assert f[("110101", "", "rubric_execution_rate")] == pytest.approx(0.05)
    assert f[("110101", "", "self_evaluation_execution_rate")] == pytest.approx(0.045)
    assert ("110101", "JG001", "rubric_execution_rate") not in f  # a rate of the region only
    assert f[("110101", "JG001", "spent_yuan")] == 4500.0
    assert f[("110101", "JG002", "spent_yuan")] is None  # no rows for the institution: not computable, not 0
    assert f[("110101", "JG001", "cost_per_bed")] == 2500 / 2  # built beds with a paid amount: E1, E4
    assert f[("110101", "JG001", "beds_failed_acceptance")] == 1
    assert f[("110101", "JG001", "beds_not_completed")] == 1
    assert f[("110101", "JG002", "beds_not_completed")] == 0
    assert f[("110101", "JG001", "survey_valid")] == 2
    assert f[("110101", "", "mean_score")] == pytest.approx((100 + (18 + 13 + 8 + 18 + 13 + 4)) / 2)
    # the second region has no beds, funds or questionnaires: its figures are not computable
    for metric in ("allocated_yuan", "received_yuan", "rubric_execution_rate", "cost_per_bed", "beds_not_completed",
                   "beds_failed_acceptance", "survey_valid", "mean_score", "satisfaction_rate"):
        assert f[("110102", "", metric)] is None, metric
    assert {k[2] for k in f} == set(b_script.FIGURES)


def test_cell_parsers():
    mem = duckdb.connect()
    for macro in b_script.MACROS:
        mem.execute(macro)
    got = mem.execute("""select b_code(' ＪＧ００１\u3000'), b_date('2022年7月10日'), b_date('2022/7/1'),
                                b_date('44743'), b_date('20220701'), b_date('2022-02-30'), b_date('22-07-10'),
                                b_date('2022-07-01 08:00:00'),
                                b_money('178.8188', 10000), b_money('￥2,500元', 1), b_money('2500元', 10000),
                                b_money('约十万', 1), b_int('1,200'), b_int('2.5'), b_bool('√'), b_bool('也许')""").fetchone()
    assert [str(v) if v is not None else None for v in got] == [
        "JG001", "2022-07-10", "2022-07-01", "2022-07-01", "2022-07-01", None, None, "2022-07-01",
        "1788188.00", "2500.00", "2500.00", None, "1200", None, "True", None]


def test_compare_asserts_every_figure():
    counts = [["110101", "JG001", 1, 0, 0, 0, 0]]
    a = {"counts": counts, "figures_from": ["figures"],
         "figures": [["110101", None, "cost_per_bed", 2.0], ["110101", "JG001", "cost_per_bed", None]]}
    assert "2 programme figures" in compare(a, {"counts": counts, "figures": [
        ["110101", None, "cost_per_bed", 2.0 + 1e-12], ["110101", "JG001", "cost_per_bed", None]]}, "t")
    with pytest.raises(AssertionError, match=r"110101/\(region\)/cost_per_bed: A 2.0 vs B 2.5"):
        compare(a, {"counts": counts, "figures": [["110101", None, "cost_per_bed", 2.5],
                                                  ["110101", "JG001", "cost_per_bed", None]]}, "t")
    with pytest.raises(AssertionError, match="JG001/cost_per_bed: A None vs B 1.0"):  # computable in B only
        compare(a, {"counts": counts, "figures": [["110101", None, "cost_per_bed", 2.0],
                                                  ["110101", "JG001", "cost_per_bed", 1.0]]}, "t")
    with pytest.raises(AssertionError, match="JG001/cost_per_bed: A None vs B absent"):  # a scope B does not see
        compare(a, {"counts": counts, "figures": [["110101", None, "cost_per_bed", 2.0]]}, "t")
