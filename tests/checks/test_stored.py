"""Checks of stored tables run in their asset's step: every declared check is wired, and a broken one fails alone."""

import dagster as dg

from checks.asset_checks import VALIDATED_CHECKS
from checks.compare_checks import COMPARE_CHECKS
from checks.compliance_checks import COMPLIANCE_CHECKS
from checks.metric_checks import PROGRAMME_METRIC_CHECKS
from checks.score_checks import SCORE_CHECKS
from checks.stored import evaluate, specs, stored_check
from pipeline.definitions import defs

DECLARED = [*VALIDATED_CHECKS, *COMPLIANCE_CHECKS, *PROGRAMME_METRIC_CHECKS, *SCORE_CHECKS, *COMPARE_CHECKS]


def test_every_declared_check_is_a_check_of_its_asset_with_its_blocking_flag():
    graph = defs.resolve_asset_graph()
    declared = {dg.AssetCheckKey(c.asset, c.name): c.blocking for c in DECLARED}
    assert len(declared) == len(DECLARED)  # no name declared twice for one asset
    assert set(declared) <= set(graph.asset_check_keys)
    for key, blocking in declared.items():
        assert graph.get_check_spec(key).blocking == blocking, key


def test_a_check_that_breaks_is_a_failed_check_naming_its_error_and_the_others_still_run():
    key = dg.AssetKey(["validated", "example"])

    @stored_check(key, "breaks", "raises")
    def breaks(warehouse):
        raise RuntimeError("table validated.example does not exist")

    @stored_check(key, "passes", "passes")
    def passes(context, warehouse):
        return dg.AssetCheckResult(passed=True, metadata={"seen": str(warehouse)})

    results = evaluate([breaks, passes], key, None, warehouse="wh", raw_folder=None)
    assert [(r.check_name, r.passed) for r in results] == [("breaks", False), ("passes", True)]
    assert results[0].metadata["error"].text == "RuntimeError: table validated.example does not exist"
    assert results[1].metadata["seen"].text == "wh" and results[1].asset_key == key
    assert [s.name for s in specs([breaks, passes], key)] == ["breaks", "passes"]
