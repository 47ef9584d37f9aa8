"""Where each export goes: one folder per region, file names with the region and, for internal exports, 内部."""

from __future__ import annotations

from pathlib import Path

# export key -> file name stem (the official table name)
STEMS = {
    "declaration": "项目绩效目标申报表",
    "self_evaluation": "整体绩效目标自评表",
    "score_sheets": "绩效评价得分表",
    "findings": "问题清单",
    "shortfall_details": "上门服务不达标明细",
    "report": "评审报告",
}
SUFFIX = {"report": ".html"}
DATA_DOCS_FOLDER = "数据质量文档"
INTERNAL_MARK = "内部"


def export_path(root: Path | str, region_code: str, region_name: str, key: str, internal: bool = False) -> Path:
    """`<root>/<region_code>/<code>_<name>_<table>[_内部].xlsx|html`."""
    stem = f"{region_code}_{region_name}_{STEMS[key]}" + (f"_{INTERNAL_MARK}" if internal else "")
    return Path(root) / region_code / f"{stem}{SUFFIX.get(key, '.xlsx')}"


def data_docs_dir(root: Path | str, region_code: str) -> Path:
    """The Data Docs site of a region, beside its report."""
    return Path(root) / region_code / DATA_DOCS_FOLDER


def written_files(root: Path | str) -> list[Path]:
    """Every workbook, report and data-docs index under the exports folder, sorted (for the run summary)."""
    root = Path(root)
    if not root.is_dir():
        return []
    files = [p for p in root.glob("*/*") if p.is_file() and p.suffix in (".xlsx", ".html") and not p.name.startswith(".")]
    files += list(root.glob(f"*/{DATA_DOCS_FOLDER}/index.html"))
    return sorted(files)
