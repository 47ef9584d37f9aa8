"""The exports' configuration (config/exports.yaml): indicator points, finding categories, data-docs thresholds and
which regions get files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULTS_FILE = Path(__file__).resolve().parents[2] / "config" / "exports.yaml"
CATEGORIES = ("目标编制", "业务管理", "项目产出", "项目效益")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SelfEvaluation(_Strict):
    """Points of the 自评表: budget execution and each of the 12 indicators (ids of indicators.INDICATORS)."""

    execution_points: float = Field(ge=0)
    indicator_points: dict[str, float]

    @model_validator(mode="after")
    def _known_indicators(self):
        from eldercare.exports.indicators import INDICATOR_IDS
        unknown = set(self.indicator_points) - set(INDICATOR_IDS)
        missing = set(INDICATOR_IDS) - set(self.indicator_points)
        if unknown or missing:
            raise ValueError(f"indicator_points: unknown {sorted(unknown)}, missing {sorted(missing)}")
        return self


class Findings(_Strict):
    """问题清单: the category (目标编制 / 业务管理 / 项目产出 / 项目效益) of each kind of finding."""

    categories: dict[str, str]

    @model_validator(mode="after")
    def _known_categories(self):
        bad = {k: v for k, v in self.categories.items() if v not in CATEGORIES}
        if bad:
            raise ValueError(f"findings.categories: {bad} not among {CATEGORIES}")
        return self


class Range(_Strict):
    min: float | None = None
    max: float | None = None


class DataDocs(_Strict):
    """Thresholds of the statistical expectations run on institution-month visit aggregates (WARN only)."""

    median_visit_minutes: Range
    short_visit_share: Range
    open_punch_share: Range
    unrecorded_time_share: Range
    visits_per_elder_month: Range
    visits_per_window_month: Range


class Files(_Strict):
    """Which regions get their own folder of workbooks and report in a run: "all", "none", or a list of codes."""

    regions: Literal["all", "none"] | list[str] = "all"

    @field_validator("regions", mode="before")
    @classmethod
    def _codes_as_text(cls, value):
        return [str(v) for v in value] if isinstance(value, list) else value


class ExportSettings(_Strict):
    self_evaluation: SelfEvaluation
    findings: Findings
    data_docs: DataDocs
    files: Files = Files()


def parse_regions(text: str) -> Literal["all", "none"] | list[str]:
    """ELDERCARE_EXPORT_REGIONS as written: "all", "none", or region codes separated by commas or spaces."""
    text = text.strip()
    if text.lower() in ("all", "none"):
        return text.lower()
    return [code for code in text.replace(",", " ").split() if code]


def regions_with_files(setting: Literal["all", "none"] | list[str], codes: list[str]) -> tuple[list[str], list[str]]:
    """(the accepted regions whose files are written, in their order; the listed codes that are not accepted
    regions, to be reported rather than silently skipped)."""
    if setting == "all":
        return list(codes), []
    if setting == "none":
        return [], []
    wanted = set(setting)
    return [c for c in codes if c in wanted], sorted(wanted - set(codes))


def load_settings(path: Path | str | None = None) -> ExportSettings:
    """The validated settings of config/exports.yaml (or of the file given); a bad key raises naming it."""
    doc = yaml.safe_load(Path(path or DEFAULTS_FILE).read_text(encoding="utf-8"))
    return ExportSettings.model_validate(doc)
