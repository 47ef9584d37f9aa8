"""The rules in force for a region: config/policy_defaults.yaml, overridden by `policy:` in its region.yaml."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

DEFAULTS_FILE = Path(__file__).resolve().parents[1] / "config" / "policy_defaults.yaml"


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_defaults(path: Path = DEFAULTS_FILE) -> dict:
    """The programme-wide defaults, as written in the policy file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def policy_for(region_settings: dict, defaults: dict | None = None) -> dict:
    """Defaults deep-merged with the region's own `policy:` section (a region states only what differs)."""
    return _merge(defaults if defaults is not None else load_defaults(), region_settings.get("policy") or {})
