"""Home visits (居家养老上门服务): recipients, coverage, cost per recipient, 人次 and the person-months below a
minimum — over the project period, with the one definition of a visit (eldercare.visit_sql.counts_as_visit).

Who is a recipient is policy `home_service.recipients`; 人次 count eligible elders only, in the unit of policy
`person_times.unit` (both units reported).
"""

from __future__ import annotations

from eldercare.metrics.rows import amount, per_scope, ratio, scope_text
from eldercare.visit_sql import ELDER_EXIT_SQL, counts_as_visit

RECIPIENTS = f"""
CREATE OR REPLACE TEMP VIEW elder_exit AS {ELDER_EXIT_SQL.format(events='in_status_events')};
CREATE OR REPLACE TEMP VIEW counted_visits AS
SELECT v.region_code, v.elder_id, count(*) AS visits
FROM in_visits v JOIN fig_settings s USING (region_code) LEFT JOIN elder_exit x USING (region_code, elder_id)
WHERE {counts_as_visit('v', 'x.exit_on', 's.open_punch_counts')}
  AND v.checkin_at::DATE BETWEEN coalesce(s.period_start, DATE '1900-01-01') AND coalesce(s.period_end, DATE '2999-12-31')
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW recipients AS
SELECT es.region_code, es.elder_id, es.institution_id, es.status, coalesce(cv.visits, 0) AS visits,
       s.person_times_min,
       es.service_type IN ('home_visits', 'both') AND NOT es.self_funded
         AND (s.recipients_rule = 'registered' OR (es.service_type = 'home_visits' AND b.elder_id IS NULL)) AS recipient,
       es.service_type IN ('home_visits', 'both') AND NOT es.self_funded AS registered
FROM elder_status es JOIN fig_settings s USING (region_code)
LEFT JOIN counted_visits cv USING (region_code, elder_id)
LEFT JOIN (SELECT DISTINCT region_code, elder_id FROM in_beds) b USING (region_code, elder_id)
"""

_COLUMNS = ["served", "served_ok", "registered_not_recipient", "pt_person", "pt_30", "pt_ineligible"]
_AGG = """
    count(*) FILTER (WHERE recipient AND visits > 0) AS served,
    count(*) FILTER (WHERE recipient AND visits > 0 AND status = 'eligible') AS served_ok,
    count(*) FILTER (WHERE registered AND NOT recipient AND visits > 0) AS registered_not_recipient,
    count(*) FILTER (WHERE recipient AND status = 'eligible' AND visits >= person_times_min) AS pt_person,
    sum(visits // person_times_min) FILTER (WHERE recipient AND status = 'eligible') AS pt_30,
    count(*) FILTER (WHERE recipient AND status <> 'eligible' AND visits >= person_times_min) AS pt_ineligible"""
S = scope_text()
RULE = "home_service.recipients"
VISIT = "visits.open_punch_counts, project_period"
BASELINE = ("CASE WHEN baseline_eligible IS NULL THEN 'baseline unknown: baseline.disabled_low_income_elders is null "
            "or absent in region.yaml' END")
NO_ELDERS = ("CASE WHEN institution_id IS NULL AND has_elders = 0 THEN "
             "'no elders for this region (elders.xlsx missing, refused or empty)' END")
PERIOD = ("coalesce(strftime(period_start, '%Y-%m-%d') || '…' || strftime(period_end, '%Y-%m-%d'), "
          "'every stored month')")


def figures_sql() -> str:
    measures = (per_scope(_AGG, "recipients", _COLUMNS)
                + ", " + per_scope("sum(amount_yuan) AS home_paid, count(*) AS home_paid_rows", "in_funds",
                                   ["home_paid", "home_paid_rows"], "kind = 'paid' AND purpose = 'home_visits'", "f")
                + ", e AS (SELECT region_code, count(*) AS has_elders FROM in_elders GROUP BY ALL)"
                + ", mm AS (SELECT m.*, f.home_paid, f.home_paid_rows, coalesce(e.has_elders, 0) AS has_elders, "
                  "s.* EXCLUDE (region_code), CASE s.person_times_unit WHEN 'per_person' THEN m.pt_person "
                  "ELSE m.pt_30 END AS person_times FROM m JOIN f ON f.region_code = m.region_code "
                  "AND f.institution_id IS NOT DISTINCT FROM m.institution_id "
                  "JOIN fig_settings s ON s.region_code = m.region_code "
                  "LEFT JOIN e ON e.region_code = m.region_code)")
    served = (f"{S} || 'elders with ≥1 counted visit in ' || {PERIOD} || ' who are home-service recipients under "
              "policy home_service.recipients = ' || recipients_rule")
    no_paid = "CASE WHEN home_paid_rows = 0 THEN 'no 拨付 (paid) rows with 用途 上门服务 in the funds ledger' END"
    pt_def = (f"' over ' || {PERIOD} || ', eligible recipients only (' || pt_ineligible || ' ineligible or "
              "undetermined elders with ≥' || person_times_min || ' visits left out), counted visits only'")
    parts = [
        amount("home_service_recipients", "served_ok",
               f"{served} || ', eligible only; excluded ' || (served - served_ok) || ' ineligible/undetermined and ' || "
               "registered_not_recipient || ' registered elders who are not recipients under the rule'",
               f"{RULE}, {VISIT}, eligibility.*", NO_ELDERS, "mm"),
        ratio("home_service_coverage", "served_ok", "baseline_eligible",
              f"{served} || ', eligible only, ÷ baseline.disabled_low_income_elders'",
              "baseline.disabled_low_income_elders is 0", f"{RULE}, {VISIT}, eligibility.*",
              f"coalesce({BASELINE}, {NO_ELDERS})",
              "more elders served than the baseline: check the baseline", "mm"),
        ratio("cost_per_recipient", "home_paid", "served",
              f"{S} || '拨付 (paid) with 用途 上门服务 ÷ ' || {served} || ' (eligible or not)'",
              "no home-service recipient has a counted visit", f"{RULE}, {VISIT}", no_paid, source="mm"),
        amount("person_times", "person_times",
               f"{S} || '人次 in the unit of policy person_times.unit = ' || person_times_unit || {pt_def}",
               f"person_times.unit, visits.person_times_min_visits, {RULE}, {VISIT}", NO_ELDERS, "mm"),
        amount("person_times_per_person", "pt_person",
               f"{S} || '人次, one per eligible recipient with ≥' || person_times_min || ' counted visits' || {pt_def}",
               f"visits.person_times_min_visits, {RULE}, {VISIT}", NO_ELDERS, "mm"),
        amount("person_times_per_30_visits", "pt_30",
               f"{S} || '人次, ⌊counted visits ÷ ' || person_times_min || '⌋ per eligible recipient' || {pt_def}",
               f"visits.person_times_min_visits, {RULE}, {VISIT}", NO_ELDERS, "mm"),
        ratio("cost_per_person_time", "home_paid", "person_times",
              f"{S} || '拨付 (paid) with 用途 上门服务 ÷ 人次 (unit ' || person_times_unit || ')'",
              "no 人次", f"person_times.unit, {RULE}, {VISIT}", no_paid, source="mm"),
    ]
    return f"WITH {measures} " + " UNION ALL ".join(parts)


SHORT_COLUMNS = ["in_scope", "below_visits", "below_minutes", "below_medical", "has_medical_min",
                 "hangs_on_time", "months_stored"]
SHORT_AGG = """count(*) FILTER (WHERE in_scope) AS in_scope,
    count(*) FILTER (WHERE below_visits) AS below_visits, count(*) FILTER (WHERE below_minutes) AS below_minutes,
    count(*) FILTER (WHERE below_medical_visits) AS below_medical,
    count(*) FILTER (WHERE in_scope AND min_medical_visits IS NOT NULL) AS has_medical_min,
    count(*) FILTER (WHERE in_scope AND unrecorded_visits > 0 AND minutes < min_minutes) AS hangs_on_time,
    count(*) AS months_stored"""


def shortfalls_sql() -> str:
    """In-scope person-months below each minimum within the evaluation window (metrics.elder_months)."""
    measures = per_scope(SHORT_AGG, "in_elder_months", SHORT_COLUMNS)
    none = ("CASE WHEN institution_id IS NULL AND months_stored = 0 THEN 'no person-months stored for this region "
            "(metrics.elder_months has no month of it)' END")
    base = f"{S} || 'in-scope person-months (evaluation window) with '"
    return (f"WITH {measures} "
            + amount("short_person_months_visits", "below_visits",
                     f"{base} || 'visits < minimums.visits_per_month, of ' || in_scope || ' in scope'",
                     "minimums.visits_per_month, evaluation_window, visits.partial_month, visits.open_punch_counts",
                     none, numerator="below_visits", denominator="in_scope")
            + " UNION ALL "
            + amount("short_person_months_minutes", "below_minutes",
                     f"{base} || 'minutes < minimums.minutes_per_month, of ' || in_scope || ' in scope; ' || "
                     "hangs_on_time || ' of the short or open ones hang on unrecorded time (policy visits.unrecorded_time)'",
                     "minimums.minutes_per_month, evaluation_window, visits.partial_month, visits.unrecorded_time",
                     none, numerator="below_minutes", denominator="in_scope")
            + " UNION ALL "
            + amount("short_person_months_medical", "below_medical",
                     f"{base} || 'medical visits < minimums.medical_visits_per_month, of ' || in_scope || ' in scope'",
                     "minimums.medical_visits_per_month, visits.medical_items, evaluation_window",
                     f"coalesce({none}, CASE WHEN in_scope > 0 AND has_medical_min = 0 THEN "
                     "'no medical minimum (minimums.medical_visits_per_month) in region.yaml' END)",
                     numerator="below_medical", denominator="in_scope"))
