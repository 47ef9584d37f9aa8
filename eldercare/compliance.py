"""Home-visit compliance, person-month by person-month: who is in scope, and who fell below which minimum.

The scope of a person-month comes from the elder's service type and the dated status events (a resumption
brings an elder back); minimums and the treatment of partial months come from the region's policy.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import polars as pl

EXIT_EVENTS = {"died": "died_this_month", "institutionalised": "institutionalised", "moved_away": "moved_away",
               "terminated": "terminated_this_month"}
SCOPES = ("in_scope", "died_this_month", "paused", "moved_away", "institutionalised", "not_home_service_recipient",
          "self_funded", "before_service_start", "outside_window", "after_exit", "terminated_this_month")
# What each exclusion means, shown beside the person-month to a reviewer.
SCOPE_LABELS = {
    "in_scope": "counted",
    "died_this_month": "died during the month (服务不满1个月)",
    "paused": "service paused (暂停) during the month or the whole month",
    "moved_away": "moved away (迁出) during the month",
    "institutionalised": "entered an institution (入住机构) during the month",
    "not_home_service_recipient": "bed-only elder (家庭养老床位 only): visits punched for them are not service",
    "self_funded": "socialised elder served at the institution's own cost (社会化)",
    "before_service_start": "home service had not started for the whole month",
    "outside_window": "month outside the evaluation window",
    "after_exit": "no longer served (died, moved, institutionalised or terminated before the month)",
    "terminated_this_month": "service terminated (终止) during the month",
}


@dataclass(frozen=True)
class VisitPolicy:
    """The rules in force for one region (from region.yaml and config/policy_defaults.yaml)."""

    window_start: dt.date
    window_end: dt.date
    service_start: dt.date
    min_visits: float | None
    min_minutes: float | None
    min_medical: float | None
    partial_month: str  # exclude | prorate
    unrecorded_time: str = "zero"  # zero | undetermined (policy visits.unrecorded_time)

    @classmethod
    def from_region(cls, region, policy: dict) -> "VisitPolicy":
        mins = region.minimums
        mode = policy["visits"]["partial_month"]
        if mode not in ("exclude", "prorate"):
            raise ValueError(f"region {region.code}: policy.visits.partial_month must be exclude or prorate, not {mode}")
        return cls(region.window_start, region.window_end, region.service_start, mins.get("visits_per_month"),
                   mins.get("minutes_per_month"), mins.get("medical_visits_per_month"), mode,
                   policy["visits"].get("unrecorded_time", "zero"))


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, first day of next month)."""
    days = calendar.monthrange(month.year, month.month)[1]
    return month, month + dt.timedelta(days=days)


def active_days(start: dt.date, events: list[tuple[dt.date, str]], month: dt.date) -> tuple[int, str | None, str | None]:
    """Days of `month` in service, plus the event that cut the month short (scope code, note) if any.

    Service runs from `start`; 暂停 stops it from its date, 恢复 restarts it, and a death, move, entry into an
    institution or termination ends it (a later 恢复 restarts it too).
    """
    first, after = month_bounds(month)
    active_from: dt.date | None = start
    intervals: list[tuple[dt.date, dt.date]] = []
    cut, note, state_at_start = None, None, "active" if start <= first else "not_started"
    for date, event in sorted(events):
        if date < first:
            state_at_start = "active" if event == "resumed" else ("paused" if event == "paused" else
                                                                    "exited" if event in EXIT_EVENTS else state_at_start)
        elif date < after and event in (*EXIT_EVENTS, "paused") and (cut is None or event == "died"):
            cut, note = EXIT_EVENTS.get(event, "paused"), f"{event} {date.isoformat()}"
        if event == "resumed":
            if active_from is None:
                active_from = max(date, start)
        elif event in EXIT_EVENTS or event == "paused":
            if active_from is not None:
                intervals.append((active_from, date))
                active_from = None
    if active_from is not None:
        intervals.append((active_from, dt.date.max))
    days = sum(max(0, (min(b, after) - max(a, first)).days) for a, b in intervals)
    if cut is None and state_at_start == "paused":
        cut, note = "paused", "paused before the month"
    if cut is None and state_at_start == "exited":
        cut, note = "after_exit", "left the programme before the month"
    if cut is None and start > first:
        cut, note = "before_service_start", f"service started {start.isoformat()}"
    return days, cut, note


def scope_of(service_type: str, self_funded: bool, enrolled_on: dt.date | None, events: list[tuple[dt.date, str]],
             month: dt.date, policy: VisitPolicy) -> tuple[str, str | None, int, int, float]:
    """(scope, note, days in service, days in month, share of the minimums that applies) for one person-month."""
    first, after = month_bounds(month)
    days_in_month = (after - first).days
    if service_type == "bed_only":
        return "not_home_service_recipient", None, 0, days_in_month, 0.0
    if self_funded:
        return "self_funded", None, 0, days_in_month, 0.0
    if not policy.window_start <= month <= policy.window_end:
        return "outside_window", None, 0, days_in_month, 0.0
    start = max(policy.service_start, enrolled_on or policy.service_start)
    days, cut, note = active_days(start, events, month)
    if days == days_in_month:
        return "in_scope", None, days, days_in_month, 1.0
    if days == 0:
        if start >= after:
            return "before_service_start", f"service started {start.isoformat()}", 0, days_in_month, 0.0
        return cut or "after_exit", note, 0, days_in_month, 0.0
    if policy.partial_month == "prorate":
        return "in_scope", f"prorated: {note}", days, days_in_month, days / days_in_month
    return cut or "before_service_start", note, days, days_in_month, 0.0


def _scaled(minimum: float | None, share: float) -> float | None:
    return None if minimum is None else minimum * share


_PM_SCHEMA = {"region_code": pl.Utf8, "month": pl.Date, "institution_id": pl.Utf8, "elder_id": pl.Utf8,
              "name_masked": pl.Utf8, "service_type": pl.Utf8, "scope": pl.Utf8, "in_scope": pl.Boolean,
              "scope_note": pl.Utf8, "days_in_service": pl.Int64, "days_in_month": pl.Int64,
              "partial_month_rule": pl.Utf8, "min_visits": pl.Float64, "min_minutes": pl.Float64,
              "min_medical_visits": pl.Float64}


def _scopes_without_events(month: dt.date, candidates: pl.DataFrame, policies: dict[str, VisitPolicy],
                           by: tuple[str, ...] = ()) -> pl.DataFrame:
    """`scope_of` for elders with no status event, as one set of polars expressions (the 98% of a national month).

    With no event the state machine of `active_days` reduces to: service from max(service start, enrolment) on,
    so a month is whole (in scope), empty (before service start) or partial (excluded or pro-rated by policy).
    """
    first, after = month_bounds(month)
    dim = (after - first).days
    pol = pl.DataFrame([{"region_code": code, "_window_start": p.window_start, "_window_end": p.window_end,
                         "_service_start": p.service_start, "_min_visits": p.min_visits, "_min_minutes": p.min_minutes,
                         "_min_medical": p.min_medical, "partial_month_rule": p.partial_month}
                        for code, p in policies.items()],
                       schema={"region_code": pl.Utf8, "_window_start": pl.Date, "_window_end": pl.Date,
                               "_service_start": pl.Date, "_min_visits": pl.Float64, "_min_minutes": pl.Float64,
                               "_min_medical": pl.Float64, "partial_month_rule": pl.Utf8})
    c = candidates.join(pol, on="region_code", how="inner").filter(pl.col("_service_start").dt.month_start() <= month)
    enrolled = pl.col("enrolled_on").cast(pl.Date).fill_null(pl.col("_service_start"))
    c = c.with_columns(pl.max_horizontal(pl.col("_service_start"), enrolled).alias("_start"))
    self_funded = pl.col("self_funded").cast(pl.Boolean).fill_null(False)
    outside = ~((pl.col("_window_start") <= month) & (month <= pl.col("_window_end")))
    excluded_first = (pl.col("service_type") == "bed_only") | self_funded | outside
    whole = pl.col("_start") <= first
    empty = pl.col("_start") >= after
    prorate = pl.col("partial_month_rule") == "prorate"
    started = pl.lit("service started ") + pl.col("_start").dt.strftime("%Y-%m-%d")
    days = (pl.lit(after) - pl.max_horizontal(pl.col("_start"), pl.lit(first))).dt.total_days()
    c = c.with_columns(
        pl.when(pl.col("service_type") == "bed_only").then(pl.lit("not_home_service_recipient"))
        .when(self_funded).then(pl.lit("self_funded"))
        .when(outside).then(pl.lit("outside_window"))
        .when(whole).then(pl.lit("in_scope"))
        .when(empty).then(pl.lit("before_service_start"))
        .when(prorate).then(pl.lit("in_scope"))
        .otherwise(pl.lit("before_service_start")).alias("scope"),
        pl.when(excluded_first | whole).then(None)
        .when(empty | ~prorate).then(started)
        .otherwise(pl.lit("prorated: ") + started).alias("scope_note"),
        pl.when(excluded_first | empty).then(0).otherwise(days).cast(pl.Int64).alias("days_in_service"),
        pl.lit(dim, pl.Int64).alias("days_in_month"),
    ).with_columns(
        (pl.col("scope") == "in_scope").alias("in_scope"),
        # column / column, not / a literal: polars multiplies by a literal's reciprocal, 1 ulp off Python's days / dim
        pl.when(excluded_first | empty).then(0.0).when(whole).then(1.0).when(prorate)
        .then(pl.col("days_in_service").cast(pl.Float64) / pl.col("days_in_month").cast(pl.Float64))
        .otherwise(0.0).alias("_share"),
    )
    scaled = lambda m: pl.when(pl.col("in_scope")).then(pl.col(m) * pl.col("_share")).otherwise(None)  # noqa: E731
    return c.with_columns(
        pl.lit(month, pl.Date).alias("month"),
        scaled("_min_visits").alias("min_visits"), scaled("_min_minutes").alias("min_minutes"),
        scaled("_min_medical").alias("min_medical_visits"),
    ).select(*by, *[pl.col(n).cast(t) for n, t in _PM_SCHEMA.items()])


def person_months(month: dt.date, elders: pl.DataFrame, events: pl.DataFrame, visit_totals: pl.DataFrame,
                  policies: dict[str, VisitPolicy], by: tuple[str, ...] = ()) -> pl.DataFrame:
    """One row per home-service elder (or elder with visits) and month: counts, scope, minimums and shortfalls.

    elders: region_code, elder_id, institution_id, name_masked, service_type, self_funded, enrolled_on
    events: region_code, elder_id, event, event_date
    visit_totals: region_code, elder_id, visits, minutes, unrecorded_visits, medical_visits, quarantined_rows

    Elders with status events go through `scope_of` one by one; the others (nearly all) are decided set-based.

    by: key columns present in all three inputs (e.g. `as_of`, the date the ledgers are known on) that split them
    into independent sets of person-months, computed in one pass; they lead the output, whose rows are then in no
    particular order (a keyed result is for computing, not for storing: sorting it costs a tenth of the backtest).
    """
    by = tuple(by)
    ids = [*by, "region_code", "elder_id"]
    by_elder: dict[tuple, list[tuple[dt.date, str]]] = {}
    for *key, event, date in events.select(*ids, "event", "event_date").iter_rows():
        by_elder.setdefault(tuple(key), []).append((date, event))
    candidates = elders.filter(pl.col("region_code").is_in(list(policies)))
    home = pl.col("service_type").is_in(["home_visits", "both"])
    if candidates.height:  # home-service elders, and the others when visits were punched for them
        candidates = candidates.filter(home).vstack(
            candidates.filter(~home).join(visit_totals.select(ids), on=ids, how="semi"))
    with_events = events.select(ids).unique()
    quiet = candidates.join(with_events, on=ids, how="anti") if with_events.height else candidates
    eventful = candidates.join(with_events, on=ids, how="semi") if with_events.height else candidates.clear()
    rows = []
    for rec in eventful.iter_rows(named=True):
        policy = policies[rec["region_code"]]
        if month < policy.service_start.replace(day=1):
            continue
        scope, note, days, dim, share = scope_of(rec["service_type"], bool(rec["self_funded"]), rec["enrolled_on"],
                                                 by_elder.get(tuple(rec[c] for c in ids), []), month, policy)
        in_scope = scope == "in_scope"
        rows.append({
            **{c: rec[c] for c in by}, "region_code": rec["region_code"], "month": month,
            "institution_id": rec["institution_id"],
            "elder_id": rec["elder_id"], "name_masked": rec["name_masked"], "service_type": rec["service_type"],
            "scope": scope, "in_scope": in_scope, "scope_note": note, "days_in_service": days, "days_in_month": dim,
            "partial_month_rule": policy.partial_month,
            "min_visits": _scaled(policy.min_visits, share) if in_scope else None,
            "min_minutes": _scaled(policy.min_minutes, share) if in_scope else None,
            "min_medical_visits": _scaled(policy.min_medical, share) if in_scope else None,
        })
    schema = {**{c: elders.schema[c] for c in by}, **_PM_SCHEMA}
    frame = pl.concat([pl.DataFrame(rows, schema=schema),
                       _scopes_without_events(month, quiet, policies, by) if quiet.height and policies
                       else pl.DataFrame(schema=schema)])
    counts = ["visits", "minutes", "unrecorded_visits", "medical_visits", "quarantined_rows"]
    if "uncounted_visits" not in visit_totals.columns:
        visit_totals = visit_totals.with_columns(pl.lit(0, pl.Int64).alias("uncounted_visits"))
    counts.append("uncounted_visits")
    frame = frame.join(visit_totals.select(*ids, *counts), on=ids, how="left").with_columns(
        [pl.col(c).fill_null(0) for c in counts])
    below = lambda value, minimum: pl.when(pl.col("in_scope") & pl.col(minimum).is_not_null()).then(  # noqa: E731
        pl.col(value) < pl.col(minimum)).otherwise(None)
    # policy visits.unrecorded_time: `zero` counts a visit without time as 0 minutes (the month may be short);
    # `undetermined` leaves such a short month's verdict open. Either way the month is flagged and listed apart.
    undetermined = [code for code, p in policies.items() if p.unrecorded_time == "undetermined"]
    hangs = (pl.col("in_scope") & pl.col("min_minutes").is_not_null() & (pl.col("unrecorded_visits") > 0)
             & (pl.col("minutes") < pl.col("min_minutes")))
    frame = frame.with_columns(
        below("visits", "min_visits").alias("below_visits"),
        pl.when(hangs & pl.col("region_code").is_in(undetermined)).then(None)
        .otherwise(below("minutes", "min_minutes")).alias("below_minutes"),
        below("medical_visits", "min_medical_visits").alias("below_medical_visits"),
        hangs.alias("minutes_verdict_on_unrecorded_time"),
    )
    return frame if by else frame.sort(pl.struct("region_code", "institution_id", "elder_id"))
