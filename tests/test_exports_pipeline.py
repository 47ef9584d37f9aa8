"""Exports on the whole sample: the five workbooks, the report and the data docs are written per region, their
paths are in the metadata, the data-docs checks are WARN, nothing personal leaks, and LibreOffice opens them."""

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from assets.exports import EXPORT_ASSETS
from conftest import SAMPLE, SAMPLE_CODE, resources_for
from eldercare.exports.files import written_files
from eldercare.privacy_scan import Known, Scanner
from resources import ExportsFolder
from test_sample_shortfalls import expected  # noqa: F401  (the hand count of the raw files, a fixture)

NAME = "示例区"
WORKBOOKS = ["项目绩效目标申报表", "整体绩效目标自评表", "绩效评价得分表", "问题清单", "上门服务不达标明细"]
MISSING = "not computable: 尚未计算 (table missing)"


def _export(sample_run, tmp: Path, internal: bool = False, selection=None) -> tuple[Path, dg.ExecuteInProcessResult]:
    raw, warehouse, _ = sample_run
    copy = tmp / "warehouse.duckdb"
    shutil.copy(warehouse, copy)  # the shared sample warehouse stays untouched
    out = tmp / "exports"
    resources = {**resources_for(raw, copy), "exports_folder": ExportsFolder(path=str(out), internal=internal)}
    result = dg.materialize(selection or EXPORT_ASSETS, resources=resources, tags={"eldercare/as_of": "2022-12-31"})
    return out, result


@pytest.fixture(scope="module")
def exported(sample_run, tmp_path_factory):
    return _export(sample_run, tmp_path_factory.mktemp("exports"))


def test_every_export_is_written_and_its_path_is_in_the_metadata(exported):
    out, result = exported
    region = out / SAMPLE_CODE
    for table in WORKBOOKS:
        assert (region / f"{SAMPLE_CODE}_{NAME}_{table}.xlsx").is_file(), table
    assert (region / f"{SAMPLE_CODE}_{NAME}_评审报告.html").is_file()
    assert (out / "数据质量文档" / "index.html").is_file()  # one site for the run, beside the region folders
    assert (out / "全部地区_汇总表.xlsx").is_file()
    assert len(written_files(out)) == 8
    for mat in result.get_asset_materialization_events():
        meta = mat.materialization.metadata
        path = meta[f"path_{SAMPLE_CODE}" if f"path_{SAMPLE_CODE}" in meta else "path"].value
        assert Path(path).is_file() and out in Path(path).parents


def test_findings_of_every_region_are_kept_in_the_warehouse(exported):
    out, result = exported
    warehouse = out.parent / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute("select count(*), count(distinct region_code) from exports.findings").fetchone()
    detail = openpyxl.load_workbook(out / SAMPLE_CODE / f"{SAMPLE_CODE}_{NAME}_问题清单.xlsx", read_only=True)["明细"]
    assert stored == (detail.max_row - 2, 1)  # the workbook's 明细 rows are the table's rows of the region
    mat = next(m for m in result.get_asset_materialization_events() if m.asset_key.path[-1] == "findings")
    assert mat.materialization.metadata["dagster/row_count"].value == stored[0]


def test_summary_workbook_has_each_regions_totals_indicators_and_findings(exported):
    out, _ = exported
    wb = openpyxl.load_workbook(out / "全部地区_汇总表.xlsx", read_only=True)
    assert wb.sheetnames == ["评分汇总", "指标汇总", "问题汇总"]
    indicators = list(wb["指标汇总"].iter_rows(min_row=3, values_only=True))
    assert len(indicators) == 12 and {r[0] for r in indicators} == {SAMPLE_CODE}
    counts = list(wb["问题汇总"].iter_rows(min_row=3, values_only=True))
    assert len(counts) == 1 and counts[0][-1] == sum(counts[0][2:-1]) > 0


def test_no_region_files_when_the_run_asks_for_none(sample_run, tmp_path, monkeypatch):
    monkeypatch.setenv("ELDERCARE_EXPORT_REGIONS", "none")
    out, result = _export(sample_run, tmp_path)
    assert result.success and not (out / SAMPLE_CODE).exists()
    assert [p.name for p in written_files(out)] == ["全部地区_汇总表.xlsx", "index.html"]


def test_data_docs_results_are_warn_checks(exported):
    _, result = exported
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"duration_distribution", "short_visit_share", "open_punch_share",
                                "unrecorded_time_share", "visits_per_elder_month", "month_coverage"}
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in evaluations.values())
    assert all(e.metadata["evaluated_values"].value > 0 for e in evaluations.values())
    assert result.success  # a failing expectation warns, it never fails the run


def test_declaration_and_score_sheets_carry_the_computed_figures(exported):
    out, _ = exported
    region = out / SAMPLE_CODE
    ws = openpyxl.load_workbook(region / f"{SAMPLE_CODE}_{NAME}_项目绩效目标申报表.xlsx")["项目绩效目标申报表"]
    values = [ws.cell(r, 8).value for r in range(11, 23)]
    # indicator 1: beds built for eligible elders; indicator 2: eligible home-service recipients (metrics.figures)
    assert values[:2] == [246, 170]
    # every other indicator is a number or says why it is not computable: never blank, never a placeholder 0
    assert all(isinstance(v, (int, float)) or str(v).startswith("not computable") for v in values), values
    assert ws["F11"].value == 260 and ws["F13"].value == 170  # targets.beds, targets.service_person_times
    assert ws["A24"].value.startswith("数据截至 2022-12-31")  # the run's eldercare/as_of tag
    scores = openpyxl.load_workbook(region / f"{SAMPLE_CODE}_{NAME}_绩效评价得分表.xlsx")
    assert scores.sheetnames[0] == f"项目（{NAME}）" and len(scores.sheetnames) == 5  # project, 3 institutions, 调整
    assert scores.worksheets[0]["A4"].value != MISSING


def test_shortfall_workbook_matches_the_hand_count_of_the_raw_files(exported, expected):  # noqa: F811
    out, _ = exported
    ws = openpyxl.load_workbook(out / SAMPLE_CODE / f"{SAMPLE_CODE}_{NAME}_上门服务不达标明细.xlsx")["汇总"]
    institution = None
    got = Counter()
    for r in range(3, ws.max_row + 1):
        institution = ws.cell(r, 1).value or institution
        month, below = ws.cell(r, 2).value, ws.cell(r, 4).value
        if month and isinstance(below, int) and below:
            got[(month, institution)] = below
    assert got == expected
    detail = openpyxl.load_workbook(out / SAMPLE_CODE / f"{SAMPLE_CODE}_{NAME}_上门服务不达标明细.xlsx")["明细"]
    assert sum(1 for r in range(4, detail.max_row + 1) if detail.cell(r, 9).value == "不达标") == sum(expected.values())


def test_report_shows_headlines_and_one_chart_per_topic(exported):
    out, _ = exported
    html = (out / SAMPLE_CODE / f"{SAMPLE_CODE}_{NAME}_评审报告.html").read_text(encoding="utf-8")
    for topic in ("compliance", "cost_per_bed", "execution", "scores"):
        assert f'data-topic="{topic}"' in html
    assert '<figure class="chart" data-topic="compliance"><figcaption>' in html and "JG001" in html
    assert 'href="../数据质量文档/index.html"' in html
    assert html.count('<tr data-check="') == 6  # the data-quality checks, read from the data docs' checks.json


def _raw_people() -> tuple[set[str], set[str]]:
    rows = list(openpyxl.load_workbook(SAMPLE / SAMPLE_CODE / "elders.xlsx", read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and "服务对象编号" in r)
    header = rows[start]
    names = {str(r[header.index("姓名")]) for r in rows[start + 1:] if r[header.index("姓名")]}
    ids = {str(r[header.index("身份证号")]) for r in rows[start + 1:] if r[header.index("身份证号")]}
    return names, ids


def test_no_export_holds_a_clear_id_or_an_unmasked_name(exported, sample_run, tmp_path):
    names, ids = _raw_people()
    assert len(names) > 200 and len(ids) > 200
    out, _ = exported
    internal, _ = _export(sample_run, tmp_path, internal=True,
                          selection=[a for a in EXPORT_ASSETS if a.key.path[-1] in ("shortfall_details", "findings")])
    for folder in (out, internal):
        # the one scanner of the project (make scan): known names and ID numbers, and any valid-looking ID number
        assert Scanner(Known(frozenset(names), frozenset(ids))).paths([folder]) == []
        text = "".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.suffix in (".html", ".json"))
        assert not any(i in text for i in ids)
    files = sorted(p.name for p in (internal / SAMPLE_CODE).glob("*.xlsx"))
    assert files == [f"{SAMPLE_CODE}_{NAME}_上门服务不达标明细_内部.xlsx", f"{SAMPLE_CODE}_{NAME}_问题清单_内部.xlsx"]
    detail = openpyxl.load_workbook(internal / SAMPLE_CODE / files[0])["明细"]
    assert detail["E2"].value == "身份证号（脱敏）" and "********" in detail["E4"].value


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_every_workbook_opens_in_libreoffice(exported, tmp_path):
    out, _ = exported
    books = sorted((out / SAMPLE_CODE).glob("*.xlsx"))
    assert len(books) == 5
    profile = tmp_path / "lo-profile"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path / "pdf"), *map(str, books)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert [p.stem for p in pdfs] == [b.stem for b in books]
    assert all(p.read_bytes().startswith(b"%PDF") and p.stat().st_size > 1000 for p in pdfs)
