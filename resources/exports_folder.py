"""The exports folder (env ELDERCARE_EXPORTS, default var/exports/): one sub-folder per region code."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from eldercare.exports.settings import ExportSettings, load_settings, parse_regions, regions_with_files

DEFAULT_EXPORTS = "var/exports"


class ExportsFolder(dg.ConfigurableResource):
    """Where the workbooks, the reviewer report and the data docs are written, and the rules they follow.

    `internal: true` (set explicitly in the run's resource config) makes internal, non-public exports: person-level
    sheets add the masked ID number and every file name carries 内部. Names are masked either way: the warehouse
    never holds them in clear.
    """

    path: str = ""  # empty: $ELDERCARE_EXPORTS when set, else var/exports
    internal: bool = False
    settings_file: str = ""  # empty: config/exports.yaml of the project

    @property
    def root(self) -> Path:
        """Read when a step runs (never at import): the configured path, $ELDERCARE_EXPORTS, or var/exports."""
        return Path(self.path or os.environ.get("ELDERCARE_EXPORTS") or DEFAULT_EXPORTS)

    def settings(self) -> ExportSettings:
        return load_settings(self.settings_file or None)

    def regions_with_files(self, codes: list[str]) -> tuple[list[str], list[str]]:
        """The regions whose files this run writes: $ELDERCARE_EXPORT_REGIONS when set ("all", "none", "370303,…"),
        else config/exports.yaml `files.regions`; and the requested codes that are not accepted regions."""
        override = os.environ.get("ELDERCARE_EXPORT_REGIONS", "").strip()
        setting = parse_regions(override) if override else self.settings().files.regions
        return regions_with_files(setting, codes)
