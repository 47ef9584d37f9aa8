"""Checks of stored tables that their own asset runs right after its write: declared as the asset's check specs
(shown, and blocking downstream, like any asset check in the UI) but run in the asset's step, so a national run
pays no extra step, event-log round trips or turn on the one DuckDB slot per check.

A check module declares its checks with `@stored_check(asset, name, description)` on a plain function whose
parameters are named after what it needs (`context`, `warehouse`, `raw_folder`) and lists them; the asset declares
`check_specs=specs(CHECKS, key)` and returns `check_results=evaluate(CHECKS, key, context, warehouse=…)`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import dagster as dg


@dataclass(frozen=True)
class StoredCheck:
    """One check of one stored table: what the UI shows (name, description, blocking) and the function it runs."""

    asset: dg.AssetKey
    name: str
    description: str
    blocking: bool
    fn: Callable[..., dg.AssetCheckResult]

    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=self.asset, blocking=self.blocking, description=self.description)

    def evaluate(self, available: dict) -> dg.AssetCheckResult:
        """The check's result, named and keyed; a check that breaks fails with its error instead of the asset."""
        try:
            wanted = inspect.signature(self.fn).parameters
            result = self.fn(**{name: available[name] for name in wanted})
        except Exception as exc:  # noqa: BLE001 - a broken check is a failed check with its reason, never a traceback
            return dg.AssetCheckResult(asset_key=self.asset, check_name=self.name, passed=False,
                                       metadata={"error": f"{type(exc).__name__}: {exc}"})
        return dg.AssetCheckResult(asset_key=self.asset, check_name=self.name, passed=result.passed,
                                   severity=result.severity, metadata=result.metadata,
                                   description=result.description)


def stored_check(asset: dg.AssetKey, name: str, description: str, blocking: bool = True):
    """Declare `fn` as the check `name` of `asset`, run by the asset after its write."""
    return lambda fn: StoredCheck(asset, name, description, blocking, fn)


def specs(checks: list[StoredCheck], *keys: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """The specs of the checks of these assets, for `@asset(check_specs=…)`."""
    return [c.spec() for c in checks if c.asset in keys]


def evaluate(checks: list[StoredCheck], key: dg.AssetKey, context=None, **resources) -> list[dg.AssetCheckResult]:
    """Run the checks of `key`'s stored table (call after the write) with the run's context and resources."""
    return [c.evaluate({"context": context, **resources}) for c in checks if c.asset == key]
