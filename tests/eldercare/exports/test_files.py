"""Export file names, the as-of date of a run, and the exports configuration's validation."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from eldercare.exports.files import export_path, written_files
from eldercare.exports.settings import DEFAULTS_FILE, load_settings, parse_regions, regions_with_files


def test_public_and_internal_names():
    assert export_path("var/exports", "370399", "示例区", "declaration") == \
        Path("var/exports/370399/370399_示例区_项目绩效目标申报表.xlsx")
    assert export_path("x", "370399", "示例区", "shortfall_details", internal=True).name == \
        "370399_示例区_上门服务不达标明细_内部.xlsx"
    assert export_path("x", "370399", "示例区", "report").suffix == ".html"


def test_written_files_lists_workbooks_reports_data_docs_and_the_summary(tmp_path):
    for name in ("370399/a.xlsx", "370399/b.html", "数据质量文档/index.html", "数据质量文档/x/y.html",
                 "全部地区_汇总表.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in written_files(tmp_path)] == \
        ["370399/a.xlsx", "370399/b.html", "全部地区_汇总表.xlsx", "数据质量文档/index.html"]


@pytest.mark.parametrize("text, codes, expected", [
    ("all", ["1", "2"], (["1", "2"], [])),
    ("none", ["1", "2"], ([], [])),
    (" 2, 9 ", ["1", "2"], (["2"], ["9"])),  # an unknown code is reported, never silently skipped
])
def test_which_regions_get_files(text, codes, expected):
    assert regions_with_files(parse_regions(text), codes) == expected


def test_configuration_is_validated(tmp_path):
    doc = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert sum(doc["self_evaluation"]["indicator_points"].values()) + doc["self_evaluation"]["execution_points"] == 100
    doc["findings"]["categories"]["open_punch"] = "其他"
    bad = tmp_path / "exports.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="其他"):
        load_settings(bad)
    assert load_settings().data_docs.open_punch_share.max == 0.05
    assert load_settings().files.regions == "all"
    doc["findings"]["categories"]["open_punch"] = "业务管理"
    doc["files"] = {"regions": "some"}
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="files.regions"):
        load_settings(bad)
