"""Where each export goes: one folder per region (file names with the region and, for internal exports, 内部), the
run's Data Docs and national summary beside them."""

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


def data_docs_dir(root: Path | str) -> Path:
    """The run's one Data Docs site, beside the region folders."""
    return Path(root) / DATA_DOCS_FOLDER


def data_docs_link() -> str:
    """The Data Docs index as a region's report links to it (from `<root>/<region_code>/`)."""
    return f"../{DATA_DOCS_FOLDER}/index.html"


def written_files(root: Path | str) -> list[Path]:
    """Every workbook, report and the data-docs index under the exports folder, sorted (for the run summary)."""
    root = Path(root)
    if not root.is_dir():
        return []
    files = [p for p in [*root.glob("*/*"), *root.glob("*")] if p.is_file() and p.suffix in (".xlsx", ".html")
             and not p.name.startswith(".") and (p.parent.name != DATA_DOCS_FOLDER or p.name == "index.html")]
    return sorted(files)
