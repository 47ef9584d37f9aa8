"""The raw-data folder: one sub-folder per project region, the ledgers and month files inside it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import dagster as dg

from eldercare.region import Region, RegionRefused, discover_regions

DEFAULT_RAW = "data_raw"
LEDGER_SUFFIXES = (".xlsx", ".csv")
VISIT_FILE = re.compile(r"^(\d{4})-(\d{2})\.(csv|xlsx|parquet)$", re.IGNORECASE)


class RawFolder(dg.ConfigurableResource):
    """Where institutions' ledgers arrive (env ELDERCARE_DATA_RAW, default data_raw/)."""

    path: str = DEFAULT_RAW

    @property
    def root(self) -> Path:
        return Path(self.path)

    def regions(self) -> tuple[list[Region], list[RegionRefused]]:
        """Every region folder, loaded or refused (a refused region loads nothing at all)."""
        return discover_regions(self.root)

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
        """The visit file(s) of one month for a region: visits/YYYY-MM.csv|xlsx|parquet."""
        folder = region.folder / "visits"
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if (m := VISIT_FILE.match(p.name))
                      and (int(m.group(1)), int(m.group(2))) == (month.year, month.month))

    def visit_months(self) -> list[dt.date]:
        """Every month for which some region has a visit file."""
        months = set()
        for region in self.regions()[0]:
            folder = region.folder / "visits"
            if folder.is_dir():
                for p in folder.iterdir():
                    if (m := VISIT_FILE.match(p.name)) and 1 <= int(m.group(2)) <= 12:
                        months.add(dt.date(int(m.group(1)), int(m.group(2)), 1))
        return sorted(months)
