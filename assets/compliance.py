"""Home-visit compliance assets: person-months, shortfalls per institution and visit findings (人次: metrics.figures).

Monthly tables replace exactly their month in one transaction; the rules come from each region's policy.
"""

import datetime as dt
import json

import dagster as dg
import polars as pl

from assets.metadata import column_schema
from checks.compliance_checks import COMPLIANCE_CHECKS
from checks.compliance_schemas import ElderMonthRow, VisitFindingRow, VisitShortfallRow
from checks.polars_models import validated
from checks.stored import evaluate, specs
from eldercare.compliance import SCOPE_LABELS, VisitPolicy, person_months
from eldercare.shortfalls import shortfall_table
from eldercare.visit_sql import FINDING_RULES, visit_findings as find_visit_findings, visit_totals
from pipeline.partitions import monthly
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

GROUP = "compliance"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
PREVIEW = 20
MONTHLY = dict(group_name=GROUP, owners=OWNERS, pool=POOL, partitions_def=monthly,
               backfill_policy=dg.BackfillPolicy.single_run(), metadata={"partition_expr": "month"})


ELDER_MONTHS_KEY = dg.AssetKey(["metrics", "elder_months"])
VISIT_SHORTFALLS_KEY = dg.AssetKey(["metrics", "visit_shortfalls"])
VISIT_FINDINGS_KEY = dg.AssetKey(["metrics", "visit_findings"])


def _policies(raw_folder: RawFolder) -> tuple[dict[str, VisitPolicy], dict[str, dict]]:
    """Per accepted region: the visit policy (minimums, window, partial months) and the visit rules section."""
    policies, rules = {}, {}
    for region in raw_folder.regions()[0]:
        policy = region.policy  # validated when region.yaml was loaded
        policies[region.code] = VisitPolicy.from_region(region, policy)
        rules[region.code] = policy["visits"]
    return policies, rules


def _policy_metadata(policies: dict[str, VisitPolicy], rules: dict[str, dict]) -> dg.MetadataValue:
    """The visit rules in force, once per distinct set with the regions under it (600 regions on the defaults are
    one entry, not 600 copies in every run's event log)."""
    groups: dict[str, dict] = {}
    for code, p in policies.items():
        entry = {"evaluation_window": [p.window_start.strftime("%Y-%m"), p.window_end.strftime("%Y-%m")],
                 "service_start": p.service_start.isoformat(), "min_visits": p.min_visits,
                 "min_minutes": p.min_minutes, "min_medical_visits": p.min_medical, "partial_month": p.partial_month,
                 **rules[code]}
        key = json.dumps(entry, sort_keys=True, default=str)
        groups.setdefault(key, {"regions": [], **entry})["regions"].append(code)
    return dg.MetadataValue.json(list(groups.values()))


def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(PREVIEW).to_pandas().to_markdown(index=False) if frame.height else "none")


def _month_range(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The months of the run's partition range, from Dagster's partition API (keys are YYYY-MM-DD month starts)."""
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


@dg.asset(key=ELDER_MONTHS_KEY, check_specs=specs(COMPLIANCE_CHECKS, ELDER_MONTHS_KEY), kinds={"polars", "duckdb"},
          deps=[dg.AssetKey(["validated", n]) for n in ("visits", "elders", "status_events", "regions")],
          **{**MONTHLY, "metadata": {**MONTHLY["metadata"],
                                     "dagster/column_schema": column_schema(ElderMonthRow.to_schema())}})
def elder_months(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per home-service elder per month: visits, recorded minutes (unknown time kept apart, not zero),
    medical visits, quarantined rows beside them, and the scope decision: in_scope or excluded with a reason
    (died_this_month, paused, moved_away, institutionalised, terminated_this_month, not_home_service_recipient,
    self_funded, before_service_start, outside_window, after_exit). In-scope rows carry a flag per minimum (visits,
    hours, medical visits). A visit is what the one definition counts (policy visits.open_punch_counts; never after
    the elder's exit: those are `uncounted_visits`); duplicates and quarantined rows do not count. Months short of
    the minutes with unrecorded time carry `minutes_verdict_on_unrecorded_time` (policy visits.unrecorded_time:
    zero = short, undetermined = verdict left open). Rules: region.yaml (minimums, window, service start) and its
    `policy:` over config/policy_defaults.yaml (partial months, medical items).
    """
    policies, rules = _policies(raw_folder)
    written = []
    with warehouse.connect() as con:
        con.execute(table_ddl(ElderMonthRow.to_schema(), "metrics.elder_months"))
        elders = pl.from_arrow(con.sql("select region_code, elder_id, institution_id, name_masked, service_type, "
                                       "self_funded, enrolled_on from validated.elders").to_arrow_table())
        events = pl.from_arrow(con.sql("select region_code, elder_id, event, event_date "
                                       "from validated.status_events").to_arrow_table())
    for month in _month_range(context):
        with warehouse.transaction() as con:
            totals = visit_totals(con, month, rules)
            rows = validated(ElderMonthRow, person_months(month, elders, events, totals, policies))
            replace_slice(con, "metrics.elder_months", rows, "month = ?", [month])
        written.append(rows)
    rows = pl.concat(written) if written else pl.DataFrame()
    by_scope = (rows.group_by("scope").len().sort("len", descending=True)
                .with_columns(pl.col("scope").replace_strict(SCOPE_LABELS).alias("meaning"))) if rows.height else rows
    flagged = rows.filter(pl.col("below_visits") | pl.col("below_minutes") | ~pl.col("in_scope")) if rows.height else rows
    return dg.MaterializeResult(metadata={
        "dagster/partition_row_count": rows.height,
        "in_scope": int(rows["in_scope"].sum()) if rows.height else 0,
        "below_visits": int(rows["below_visits"].sum()) if rows.height else 0,
        "below_minutes": int(rows["below_minutes"].sum()) if rows.height else 0,
        "policy": _policy_metadata(policies, rules),
        "person_months_by_scope": _md(by_scope),
        "preview_excluded_or_below": _md(flagged.select(
            "month", "institution_id", "elder_id", "name_masked", "scope", "scope_note", "visits", "minutes",
            "medical_visits", "quarantined_rows", "below_visits", "below_minutes") if flagged.height else flagged),
    }, check_results=evaluate(COMPLIANCE_CHECKS, ELDER_MONTHS_KEY, context, warehouse=warehouse))


@dg.asset(key=VISIT_SHORTFALLS_KEY, check_specs=specs(COMPLIANCE_CHECKS, VISIT_SHORTFALLS_KEY),
          kinds={"polars", "duckdb"}, deps=[elder_months.key],
          **{**MONTHLY, "metadata": {**MONTHLY["metadata"],
                                     "dagster/column_schema": column_schema(VisitShortfallRow.to_schema())}})
def visit_shortfalls(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Per region × institution × month × metric (visits / hours / medical_visits): in-scope person-months, how
    many were below the minimum, how many were excluded, and the list (elder id + masked name) of those below.
    Counts only in-scope person-months of metrics.elder_months; a region without a medical minimum has no medical row.
    """
    written = []
    with warehouse.connect() as con:
        con.execute(table_ddl(VisitShortfallRow.to_schema(), "metrics.visit_shortfalls"))
    for month in _month_range(context):
        with warehouse.transaction() as con:
            months = pl.from_arrow(con.sql("select * from metrics.elder_months where month = "
                                           f"DATE '{month.isoformat()}'").to_arrow_table())
            rows = validated(VisitShortfallRow, shortfall_table(months))
            replace_slice(con, "metrics.visit_shortfalls", rows, "month = ?", [month])
        written.append(rows)
    rows = pl.concat(written) if written else pl.DataFrame()
    return dg.MaterializeResult(metadata={
        "dagster/partition_row_count": rows.height,
        "person_months_below": _md(rows.drop("elders_below") if rows.height else rows),
    }, check_results=evaluate(COMPLIANCE_CHECKS, VISIT_SHORTFALLS_KEY, context, warehouse=warehouse))


@dg.asset(key=VISIT_FINDINGS_KEY, check_specs=specs(COMPLIANCE_CHECKS, VISIT_FINDINGS_KEY), kinds={"duckdb", "sql"},
          deps=[dg.AssetKey(["validated", n]) for n in ("visits", "elders", "status_events")],
          **{**MONTHLY, "metadata": {**MONTHLY["metadata"],
                                     "dagster/column_schema": column_schema(VisitFindingRow.to_schema())}})
def visit_findings(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """Data-quality findings on visits, each naming the visit, the rule and the evidence: visits after death, during
    a pause, for bed-only or self-funded elders; open punches; one caregiver at two homes at once; visits shorter or
    longer than the policy's limits; duplicate punches (their copies are in quarantine). Findings are reported,
    not service: they do not change the counts of metrics.elder_months except where the scope rules say so.
    """
    _, rules = _policies(raw_folder)
    written = []
    with warehouse.connect() as con:
        con.execute(table_ddl(VisitFindingRow.to_schema(), "metrics.visit_findings"))
    for month in _month_range(context):
        with warehouse.transaction() as con:
            rows = validated(VisitFindingRow, find_visit_findings(con, month, rules))
            replace_slice(con, "metrics.visit_findings", rows, "month = ?", [month])
        written.append(rows)
    rows = pl.concat(written) if written else pl.DataFrame()
    by_rule = (rows.group_by("rule").len().sort("len", descending=True)
               .with_columns(pl.col("rule").replace_strict(FINDING_RULES).alias("meaning"))) if rows.height else rows
    return dg.MaterializeResult(metadata={
        "dagster/partition_row_count": rows.height, "findings_by_rule": _md(by_rule),
        "preview": _md(rows.select("month", "rule", "elder_id", "visit_id", "evidence", "source_file", "source_row")
                       if rows.height else rows),
    }, check_results=evaluate(COMPLIANCE_CHECKS, VISIT_FINDINGS_KEY, context, warehouse=warehouse))


COMPLIANCE_ASSETS = [elder_months, visit_shortfalls, visit_findings]
