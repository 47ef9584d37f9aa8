"""A project region's folder and its `region.yaml`: validated into a `Region`, or refused with the key that is wrong."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REGION_CODE = re.compile(r"^\d{6}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class RegionRefused(Exception):
    """A region folder that cannot be loaded: a bad folder name or an invalid region.yaml."""

    def __init__(self, folder: str, reason: str):
        super().__init__(f"{folder}: {reason}")
        self.folder = folder
        self.reason = reason


@dataclass(frozen=True)
class Region:
    """One project region's settings as its region.yaml states them."""

    code: str
    name: str
    folder: Path
    project_year: int
    service_start: dt.date
    window_start: dt.date  # first day of the first month of the evaluation window
    window_end: dt.date  # first day of the last month of the evaluation window
    minimums: dict[str, float]
    bed_subsidy_cap_yuan: float | None
    targets: dict[str, float]
    baseline: dict[str, float]
    settings: dict = field(default_factory=dict, compare=False)  # the whole YAML, for rules read later


def _month(value: object, key: str, folder: str) -> dt.date:
    text = value.strftime("%Y-%m") if isinstance(value, (dt.date, dt.datetime)) else str(value).strip()
    m = MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise RegionRefused(folder, f"region.yaml key '{key}': '{value}' is not a month (YYYY-MM)")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _date(value: object, key: str, folder: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RegionRefused(folder, f"region.yaml key '{key}': '{value}' is not a date (YYYY-MM-DD)") from None


def _numbers(doc: dict, key: str, folder: str, required: tuple[str, ...] = ()) -> dict[str, float]:
    value = doc.get(key, {}) or {}
    if not isinstance(value, dict):
        raise RegionRefused(folder, f"region.yaml key '{key}' must be a mapping")
    for name in required:
        if name not in value:
            raise RegionRefused(folder, f"region.yaml key '{key}.{name}' is missing")
    out = {}
    for name, number in value.items():
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
            raise RegionRefused(folder, f"region.yaml key '{key}.{name}': '{number}' is not a non-negative number")
        out[str(name)] = float(number)
    return out


def load_region(folder: Path) -> Region:
    """Read and check `<folder>/region.yaml`; the folder name must be the region's 6-digit code."""
    label = folder.name
    if not REGION_CODE.match(label):
        raise RegionRefused(label, "folder name is not a 6-digit region code (行政区划代码)")
    path = folder / "region.yaml"
    if not path.exists():
        raise RegionRefused(label, "region.yaml is missing")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" at line {line + 1}" if line is not None else ""
        raise RegionRefused(label, f"region.yaml is not valid YAML{where}") from None
    if not isinstance(doc, dict):
        raise RegionRefused(label, "region.yaml must be a mapping of keys")
    for key in ("region_code", "name", "project_year", "service_start", "evaluation_window", "minimums"):
        if key not in doc:
            raise RegionRefused(label, f"region.yaml key '{key}' is missing")
    code = str(doc["region_code"]).strip()
    if code != label:
        raise RegionRefused(label, f"region.yaml key 'region_code': '{code}' does not match the folder name")
    year = doc["project_year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise RegionRefused(label, f"region.yaml key 'project_year': '{year}' is not a year")
    window = doc["evaluation_window"]
    if not isinstance(window, list) or len(window) != 2:
        raise RegionRefused(label, "region.yaml key 'evaluation_window' must be [first month, last month]")
    start = _month(window[0], "evaluation_window[0]", label)
    end = _month(window[1], "evaluation_window[1]", label)
    if end < start:
        raise RegionRefused(label, "region.yaml key 'evaluation_window': the last month is before the first")
    cap = doc.get("bed_subsidy_cap_yuan")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap < 0):
        raise RegionRefused(label, f"region.yaml key 'bed_subsidy_cap_yuan': '{cap}' is not a non-negative number")
    return Region(
        code=code, name=str(doc["name"]), folder=folder, project_year=year,
        service_start=_date(doc["service_start"], "service_start", label),
        window_start=start, window_end=end,
        minimums=_numbers(doc, "minimums", label, ("visits_per_month", "minutes_per_month")),
        bed_subsidy_cap_yuan=float(cap) if cap is not None else None,
        targets=_numbers(doc, "targets", label), baseline=_numbers(doc, "baseline", label),
        settings=doc,
    )


def discover_regions(root: Path) -> tuple[list[Region], list[RegionRefused]]:
    """Every region folder under the raw root, loaded or refused; hidden and underscore folders are skipped."""
    regions, refused = [], []
    if not root.is_dir():
        return regions, [RegionRefused(str(root), "the raw-data folder does not exist")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            regions.append(load_region(folder))
        except RegionRefused as exc:
            refused.append(exc)
    return regions, refused
