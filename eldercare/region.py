"""A project region's folder and its `region.yaml`: validated into a `Region`, or refused with the key that is wrong.

A typed model (`RegionFile`, pydantic, unknown keys forbidden) checks every key; a `null` or absent baseline or
target is unknown, not invalid. The region's `policy:` is laid over config/policy_defaults.yaml and validated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, ValidationError

from eldercare.policy import PolicyError, load_defaults, policy_for

REGION_CODE = re.compile(r"^\d{6}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# libyaml's parser when installed: the same documents and marks as the pure-Python one, 10x faster (600 regions)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    project_period: tuple[dt.date, dt.date] | None = None  # as written; see `person_times_period`
    survey_issued: int | None = None  # questionnaires handed out (unknown when absent)
    rubrics: tuple[str, ...] = ()  # the rubric ids the region is scored under
    # the validated policy in force; regions whose `policy:` sections are equal share one dict: read it, never write
    policy: dict = field(default_factory=dict, compare=False)

    @property
    def person_times_period(self) -> tuple[dt.date, dt.date]:
        """The period 人次 accumulate over: `project_period`, else service start → end of the project year."""
        return self.project_period or (self.service_start, dt.date(self.project_year, 12, 31))


_OPTIONAL = NonNegativeFloat | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Minimums(_Strict):
    visits_per_month: NonNegativeFloat
    minutes_per_month: NonNegativeFloat
    medical_visits_per_month: _OPTIONAL = None


class Targets(_Strict):
    """Targets of the 绩效目标表; a null or absent one is unknown (the figures that need it say so)."""

    beds: _OPTIONAL = None
    service_person_times: _OPTIONAL = None
    budget_wan: _OPTIONAL = None
    satisfaction_pct: _OPTIONAL = None


class Baseline(_Strict):
    """基础数据 counts; published evaluations often give none (null or absent = unknown)."""

    elders_60plus: _OPTIONAL = None
    low_income_elders: _OPTIONAL = None
    disabled_low_income_elders: _OPTIONAL = None
    facilities: _OPTIONAL = None


class RegionFile(_Strict):
    """Every key of region.yaml (shared/ledgers.md); the policy section is checked by eldercare.policy."""

    region_code: Any
    name: str
    project_year: Any
    service_start: Any
    evaluation_window: Any
    minimums: Minimums
    bed_subsidy_cap_yuan: _OPTIONAL = None
    targets: Targets | None = None
    baseline: Baseline | None = None
    project_period: tuple[dt.date, dt.date] | None = None
    survey_issued: int | None = Field(default=None, ge=0)
    rubrics: list[str] = []
    policy: dict | None = None


def _model_error(err: ValidationError) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"region.yaml key '{key}': unknown key (misspelt?)"
    if first["type"] == "missing":
        return f"region.yaml key '{key}' is missing"
    return f"region.yaml key '{key}': {first['msg']}"


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


def load_region(folder: Path, defaults: dict | None = None, policies: dict[str, dict] | None = None) -> Region:
    """Read and check `<folder>/region.yaml`; the folder name must be the region's 6-digit code. `defaults`: the
    programme's policy defaults when already loaded (else read here); `policies`: the policies already validated over
    those defaults, by `policy:` section (regions that state the same one share it)."""
    label = folder.name
    if not REGION_CODE.match(label):
        raise RegionRefused(label, "folder name is not a 6-digit region code (行政区划代码)")
    path = folder / "region.yaml"
    if not path.exists():
        raise RegionRefused(label, "region.yaml is missing")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
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
    minimums = _numbers(doc, "minimums", label, ("visits_per_month", "minutes_per_month"))
    for key in ("targets", "baseline"):
        if doc.get(key) is not None and not isinstance(doc[key], dict):
            raise RegionRefused(label, f"region.yaml key '{key}' must be a mapping")
    try:
        typed = RegionFile.model_validate(doc)
    except ValidationError as err:
        raise RegionRefused(label, _model_error(err)) from None
    if typed.project_period and typed.project_period[1] < typed.project_period[0]:
        raise RegionRefused(label, "region.yaml key 'project_period': the end is before the start")
    try:
        policy = _policy(doc, defaults, label, policies)
    except PolicyError as err:
        raise RegionRefused(label, f"region.yaml key '{err.key}': {err.problem}") from None
    known = lambda model: {k: float(v) for k, v in (model.model_dump() if model else {}).items() if v is not None}  # noqa: E731
    return Region(
        code=code, name=str(doc["name"]), folder=folder, project_year=year,
        service_start=_date(doc["service_start"], "service_start", label),
        window_start=start, window_end=end,
        minimums=minimums,
        bed_subsidy_cap_yuan=float(cap) if cap is not None else None,
        targets=known(typed.targets), baseline=known(typed.baseline),
        settings=doc, project_period=typed.project_period, survey_issued=typed.survey_issued,
        rubrics=tuple(typed.rubrics), policy=policy,
    )


def _policy(doc: dict, defaults: dict | None, label: str, policies: dict[str, dict] | None) -> dict:
    """The region's policy: the defaults with its `policy:` section laid over them, validated once per distinct
    section (repr keeps types apart: 1, 1.0, True and '1' are different sections); a refusal is never remembered,
    so each region's names its own file."""
    if policies is None or defaults is None:
        return policy_for(doc, defaults, source=f"{label}/region.yaml")
    key = repr(doc.get("policy"))
    if key not in policies:
        policies[key] = policy_for(doc, defaults, source=f"{label}/region.yaml")
    return policies[key]


def discover_regions(root: Path) -> tuple[list[Region], list[RegionRefused]]:
    """Every region folder under the raw root, loaded or refused; hidden and underscore folders are skipped."""
    regions, refused = [], []
    if not root.is_dir():
        return regions, [RegionRefused(str(root), "the raw-data folder does not exist")]
    try:  # read once for every region; when they cannot be read, each region reports it as it always did
        defaults = load_defaults()
    except (PolicyError, yaml.YAMLError, OSError):
        defaults = None
    policies: dict[str, dict] = {}  # 600 regions on the defaults validate one policy, not 600
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            regions.append(load_region(folder, defaults, policies))
        except RegionRefused as exc:
            refused.append(exc)
    return regions, refused
