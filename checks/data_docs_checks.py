"""The data-docs asset checks: one WARN check per Great Expectations check, over all regions' aggregates."""

from __future__ import annotations

import dagster as dg

from eldercare.exports.data_docs import CHECKS, CheckOutcome

DATA_DOCS_KEY = dg.AssetKey(["exports", "data_docs"])


def data_docs_check_specs() -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(c.name, asset=DATA_DOCS_KEY, blocking=False, description=c.description) for c in CHECKS]


def data_docs_check_results(outcomes: dict[str, CheckOutcome], docs: str) -> list[dg.AssetCheckResult]:
    """A WARN result per check: passed unless an expectation failed; nothing to check passes with the reason."""
    results = []
    for c in CHECKS:
        out = outcomes[c.name]
        meta = {"evaluated_values": out.evaluated, "unexpected_values": out.unexpected,
                "failing": dg.MetadataValue.md("\n".join(f"- {f}" for f in out.failing[:40]) or "none"),
                "data_docs": dg.MetadataValue.path(docs)}
        if out.success is None:
            meta["not_evaluated"] = "not computable: no aggregate rows (table missing or empty)"
        results.append(dg.AssetCheckResult(check_name=c.name, asset_key=DATA_DOCS_KEY, passed=out.success is not False,
                                           severity=dg.AssetCheckSeverity.WARN, metadata=meta,
                                           description=out.description))
    return results
