"""The raw-data folder: one sub-folder per project region, the ledgers and month files inside it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from eldercare.region import Region, RegionRefused, discover_regions
from eldercare.visit_reader import visit_file_month, visit_file_problem

DEFAULT_RAW = "data_raw"
LEDGER_SUFFIXES = (".xlsx", ".csv")


def _listed(folder: Path) -> list[Path]:
    """Files of a folder, hidden ones (.DS_Store) and Excel's lock files (~$…) left out."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


class RawFolder(dg.ConfigurableResource):
    """Where institutions' ledgers arrive (env ELDERCARE_DATA_RAW, default data_raw/)."""

    path: str = DEFAULT_RAW
    _run_regions: tuple[list[Region], list[RegionRefused]] | None = PrivateAttr(default=None)
    _in_run: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run = True

    @property
    def root(self) -> Path:
        return Path(self.path)

    def regions(self) -> tuple[list[Region], list[RegionRefused]]:
        """Every region folder, loaded or refused (a refused region loads nothing at all). Inside a run the folders
        are read once, so every step sees the same regions and 600 region.yaml files are parsed once, not per step."""
        if not self._in_run:
            return discover_regions(self.root)
        if self._run_regions is None:
            self._run_regions = discover_regions(self.root)
        return self._run_regions

    def relative(self, path: Path) -> str:
        """A file's name as stored and shown: relative to the raw folder, with forward slashes."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def ledger_files(self, region: Region, stem: str) -> list[Path]:
        """The file(s) holding a ledger: `<stem>.xlsx` or `<stem>.csv` (both present is a refusal upstream)."""
        return [region.folder / f"{stem}{s}" for s in LEDGER_SUFFIXES if (region.folder / f"{stem}{s}").exists()]

    def visit_files(self, region: Region, month: dt.date) -> list[Path]:
        """The visit file(s) of one month for a region: visits/ files whose name starts with the month
        (2022-07.csv, `2022-07 上门服务记录（终稿）.csv`), .csv, .xlsx or .parquet."""
        folder = region.folder / "visits"
        if not folder.is_dir():
            return []
        return [p for p in _listed(folder) if visit_file_month(p.name) == month]

    def unreadable_visit_files(self, region: Region) -> list[tuple[Path, str]]:
        """Files in a region's visits/ folder that are not month files, each with the reason (never ignored)."""
        folder = region.folder / "visits"
        if not folder.is_dir():
            return []
        return [(p, problem) for p in _listed(folder) if (problem := visit_file_problem(p.name))]

    def visit_months(self) -> list[dt.date]:
        """Every month for which some region has a visit file."""
        months = set()
        for region in self.regions()[0]:
            folder = region.folder / "visits"
            if folder.is_dir():
                months.update(m for p in _listed(folder) if (m := visit_file_month(p.name)))
        return sorted(months)
