"""The exports folder (env ELDERCARE_EXPORTS, default var/exports/): one sub-folder per region code."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

DEFAULT_EXPORTS = "var/exports"


class ExportsFolder(dg.ConfigurableResource):
    """Where workbooks for people land; `path` unset means ELDERCARE_EXPORTS at run time, else var/exports/."""

    path: str = ""

    @property
    def root(self) -> Path:
        return Path(self.path or os.environ.get("ELDERCARE_EXPORTS") or DEFAULT_EXPORTS)
