"""Policy variants: a small YAML file (`config/variants/<name>.yaml`) laid over a region's rules.

A variant states only what differs: `minimums:` (over region.yaml's minimums) and `policy:` (over the region's
policy, same keys as config/policy_defaults.yaml). Only keys that re-scoring from the person-month facts can
honour are accepted; any other key is refused naming the file and the key, so a variant never silently does
nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Compare lays a variant's partial policy over the region's validated policy with the policy module's own function.
from eldercare.policy import policy_for

IN_FORCE = "in_force"
UNRECORDED_DEFAULT = "zero"  # what metrics.elder_months does today: a visit without recorded time adds 0 minutes


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisitRules(_Strict):
    partial_month: Literal["exclude", "prorate"] | None = None
    # zero: unrecorded time counts as 0 minutes (in force); undetermined: a person-month below the hours minimum
    # with visits of unrecorded time is neither below nor meeting it
    unrecorded_time: Literal["zero", "undetermined"] | None = None
    person_times_min_visits: int | None = Field(None, ge=1)


class PolicyPart(_Strict):
    visits: VisitRules = VisitRules()


class Minimums(_Strict):
    visits_per_month: float | None = Field(None, ge=0)
    minutes_per_month: float | None = Field(None, ge=0)
    medical_visits_per_month: float | None = Field(None, ge=0)


class VariantFile(_Strict):
    """The content of one variant file."""

    label: str
    description: str = ""
    minimums: Minimums = Minimums()
    policy: PolicyPart = PolicyPart()


class VariantRefused(Exception):
    """A variant file that cannot be used: its message names the file and the key."""


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    description: str
    minimums: dict
    policy: dict  # the partial policy, only the keys the file states


@dataclass(frozen=True)
class Rules:
    """The rules one variant (or the policy in force) applies in one region: one row of `variant_rules`."""

    region_code: str
    variant: str
    label: str
    partial_month: str
    unrecorded_time: str
    min_visits: float | None
    min_minutes: float | None
    min_medical: float | None
    person_times_min: int


def load_variant(path: Path) -> Variant:
    """Read and check one variant file."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VariantRefused(f"{path}: cannot be read as YAML ({type(exc).__name__})") from None
    try:
        model = VariantFile.model_validate(doc or {})
    except ValidationError as exc:
        where = "; ".join(f"key '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors())
        raise VariantRefused(f"{Path(path).name}: {where}") from None
    return Variant(Path(path).stem, model.label, model.description.strip(),
                   model.minimums.model_dump(exclude_none=True), model.policy.model_dump(exclude_none=True))


def load_variants(folder: Path) -> list[Variant]:
    """Every `<name>.yaml` of the folder, by name (files starting with _ are skipped)."""
    return [load_variant(p) for p in sorted(Path(folder).glob("*.yaml")) if not p.name.startswith("_")]


def find_variant(folder: Path, name_or_path: str) -> Variant:
    """A variant by name (config/variants/<name>.yaml) or by the path of a file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_variant(path)
    candidate = Path(folder) / f"{name_or_path}.yaml"
    if not candidate.exists():
        known = ", ".join(p.stem for p in sorted(Path(folder).glob("*.yaml")) if not p.name.startswith("_"))
        raise VariantRefused(f"no variant '{name_or_path}' in {folder} (known: {known or 'none'})")
    return load_variant(candidate)


def rules_for(regions, variants: list[Variant]) -> list[Rules]:
    """Per region: the rules in force, then each variant laid over them (validated once per distinct policy in
    force and variant: 600 regions sharing the defaults lay each variant once, not 600 times)."""
    laid_over: dict[tuple[str, str], dict] = {}
    keys: dict[int, str] = {}  # regions whose policy: sections are equal share one policy object: dumped once
    out = []
    for region in regions:
        policy = region.policy  # validated when region.yaml was loaded
        in_force = keys.get(id(policy))
        if in_force is None:
            in_force = keys[id(policy)] = json.dumps(policy, sort_keys=True, default=str)
        mins = region.minimums
        base = Rules(region.code, IN_FORCE, "policy in force", policy["visits"]["partial_month"],
                     policy["visits"].get("unrecorded_time", UNRECORDED_DEFAULT), mins.get("visits_per_month"),
                     mins.get("minutes_per_month"), mins.get("medical_visits_per_month"),
                     int(policy["visits"]["person_times_min_visits"]))
        out.append(base)
        for v in variants:
            if (in_force, v.name) not in laid_over:  # a partial policy over the region's
                laid_over[in_force, v.name] = policy_for({"policy": v.policy}, defaults=policy)
            laid = laid_over[in_force, v.name]
            m = {**mins, **v.minimums}
            out.append(Rules(region.code, v.name, v.label, laid["visits"]["partial_month"],
                             laid["visits"].get("unrecorded_time", UNRECORDED_DEFAULT), m.get("visits_per_month"),
                             m.get("minutes_per_month"), m.get("medical_visits_per_month"),
                             int(laid["visits"]["person_times_min_visits"])))
    return out
