"""The rules in force for a region: config/policy_defaults.yaml, overridden by `policy:` in its region.yaml.

Every key is typed by a pydantic model that forbids unknown keys, so a misspelt key is refused naming the file
and the key, never silently replaced by its default. `overlay_policy` lays a partial policy over a region's.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eldercare.alerts.rules import AlertRules

DEFAULTS_FILE = Path(__file__).resolve().parents[1] / "config" / "policy_defaults.yaml"


class PolicyError(ValueError):
    """A policy that does not validate: names the file (or source) and the key."""

    def __init__(self, source: str, key: str, problem: str):
        super().__init__(f"{source}: key '{key}': {problem}")
        self.source, self.key, self.problem = source, key, problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    """Who the programme serves: 经济困难的失能、部分失能老年人 (vocabularies are configuration, not code)."""

    min_age_at_enrolment: int = Field(ge=0, le=120)
    hardship: list[str] = Field(min_length=1)  # eligible 经济困难类型; a region adds its local categories here
    ability_levels: dict[Literal["部分失能", "失能"], list[str]]  # GB/T 42195-2022 levels in each group
    ineligible_ability_levels: list[str] = ["能力完好"]  # known levels that are not 失能/部分失能
    legacy_ability_levels: list[str] = []  # older scales: flagged 'undetermined' unless mapped below
    legacy_ability_mapping: dict[str, str] = {}  # a legacy level -> a GB/T level, when a region decides so
    check_birth_date_against_id: bool = True  # a birth date that differs from the ID number is a finding


class Visits(_Strict):
    """One definition of a visit, used by the minimums, by "served" and by 人次 alike."""

    service_items: list[str] = Field(min_length=1)
    medical_items: list[str]
    partial_month: Literal["exclude", "prorate"]
    person_times_min_visits: int = Field(ge=1)
    short_visit_minutes: float = Field(ge=0)
    long_visit_hours: float = Field(gt=0)
    open_punch_counts: bool = True  # a punch without 签退 counts as a visit (it never gives time)
    unrecorded_time: Literal["zero", "undetermined"] = "zero"  # a visit without time: 0 minutes, or verdict open


class HomeService(_Strict):
    """Who is a home-service recipient (coverage, cost per recipient and 人次 follow it)."""

    # registered: elders registered for home visits, bed elders who also get visits included (evaluations on record)
    # without_bed: seed 002 二(二): home visits go to elders without a family bed
    recipients: Literal["registered", "without_bed"] = "registered"


class PersonTimes(_Strict):
    """人次 (seed 002: the same person served ≥30 times during the project)."""

    unit: Literal["per_person", "per_30_visits"] = "per_person"  # the unit held against targets.service_person_times


class Beds(_Strict):
    """Bed items and the per-bed cap."""

    item_categories: list[str] = Field(min_length=1)
    cap_categories: list[str]  # item categories the per-bed cap (bed_subsidy_cap_yuan) applies to
    double_renovation_categories: list[str]  # items that are double on a home renovated before


class Survey(_Strict):
    max_score: float | None = Field(default=None, gt=0)
    # points per answer A–E, for `default` and any of q1…q6 that differs
    weights: dict[Literal["default", "q1", "q2", "q3", "q4", "q5", "q6"], dict[Literal["A", "B", "C", "D", "E"], float]]


class Policy(_Strict):
    """Every rule that differs between regions (config/policy_defaults.yaml, same keys under `policy:`)."""

    eligibility: Eligibility
    visits: Visits
    home_service: HomeService = HomeService()
    person_times: PersonTimes = PersonTimes()
    beds: Beds
    survey: Survey
    alerts: AlertRules  # early warning (eldercare/alerts/rules.py defines and checks the block)


def _merge(base: Mapping, override: Mapping | None) -> dict:
    out = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        out[key] = _merge(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) else value
    return out


def _key(loc: tuple, prefix: str) -> str:
    parts = [str(p) for p in loc if not str(p).startswith("function-") and str(p) != "[key]"]
    return ".".join(([prefix] if prefix else []) + parts)


def validate_policy(doc: Mapping, source: str, prefix: str = "") -> dict:
    """The policy as a plain dict with every key typed and defaulted; PolicyError names the source and key."""
    try:
        return Policy.model_validate(doc).model_dump()
    except ValidationError as err:
        first = err.errors()[0]
        problem = "unknown key (misspelt?)" if first["type"] == "extra_forbidden" else first["msg"]
        raise PolicyError(source, _key(first["loc"], prefix), problem) from None


def load_defaults(path: Path = DEFAULTS_FILE) -> dict:
    """The programme-wide defaults, validated (a wrong key in the defaults file is refused, naming it)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return validate_policy(doc or {}, path.name)


def policy_for(region_settings: Mapping, defaults: Mapping | None = None, source: str = "region.yaml") -> dict:
    """Defaults deep-merged with the region's own `policy:` section (a region states only what differs), validated."""
    return overlay_policy(defaults if defaults is not None else load_defaults(), region_settings.get("policy") or {},
                          source)


def overlay_policy(policy: Mapping, partial: Mapping, source: str = "policy variant") -> dict:
    """A partial policy (a dict with the same keys) laid over a region's policy, validated by the same model.

    Used by `policy:` in region.yaml and by policy variants: a misspelt key is a PolicyError naming it.
    """
    if partial is not None and not isinstance(partial, Mapping):
        raise PolicyError(source, "policy", "must be a mapping of keys")
    return validate_policy(_merge(policy, partial), source, "policy")
