"""Family-care beds (家庭养老床位): built, coverage, cost and cap, timeliness and acceptance, paid vs accepted,
double renovation, and the item shares of indicators 8 and 9 — per region and institution, in SQL.
"""

from __future__ import annotations

from eldercare.metrics.rows import amount, per_scope, ratio, scope_text

BED_FACTS = """
CREATE OR REPLACE TEMP VIEW bed_item_totals AS
SELECT i.region_code, i.elder_id, count(*) AS items, sum(i.amount_yuan) AS items_yuan,
       sum(i.amount_yuan) FILTER (WHERE c.value IS NOT NULL) AS cap_items_yuan,
       count(*) FILTER (WHERE d.value IS NOT NULL) AS double_items,
       coalesce(sum(i.amount_yuan) FILTER (WHERE d.value IS NOT NULL), 0) AS double_items_yuan
FROM in_bed_items i
LEFT JOIN fig_lists c ON c.region_code = i.region_code AND c.list = 'cap_category' AND c.value = i.category
LEFT JOIN fig_lists d ON d.region_code = i.region_code AND d.list = 'double_category' AND d.value = i.category
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW bed_facts AS
SELECT b.region_code, b.elder_id, b.institution_id, b.acceptance, b.paid_amount_yuan, b.accepted_amount_yuan,
       coalesce(b.previously_renovated, false) AS previously_renovated,
       coalesce(es.status, 'undetermined') AS status, coalesce(es.self_funded, false) AS self_funded,
       b.completed_on IS NOT NULL AS built,
       greatest(date_diff('day', b.planned_completion::DATE, b.completed_on::DATE), 0) AS days_late,
       t.items, t.items_yuan, t.cap_items_yuan, t.double_items, t.double_items_yuan, s.cap_yuan
FROM in_beds b
JOIN fig_settings s USING (region_code)
LEFT JOIN elder_status es USING (region_code, elder_id)
LEFT JOIN bed_item_totals t USING (region_code, elder_id);
CREATE OR REPLACE TEMP VIEW item_facts AS
SELECT i.region_code, b.institution_id, i.personalised, i.in_info_system, 'bed_items' AS origin
FROM in_bed_items i LEFT JOIN (SELECT DISTINCT region_code, elder_id, institution_id FROM in_beds) b
     USING (region_code, elder_id)
UNION ALL
SELECT p.region_code, e.institution_id, p.personalised, p.in_info_system, 'service_plans'
FROM in_service_plans p LEFT JOIN in_elders e USING (region_code, elder_id)
"""

_COLUMNS = ["rows", "built_all", "built_ok", "priced", "paid_built", "capped", "above_cap", "n_both", "paid_both",
            "accepted_both", "paid_above", "late", "days_late_sum", "days_late_max", "not_built", "judged", "passed",
            "failed", "prev", "double_beds", "double_yuan", "prev_no_items", "beds_paid_all", "items_all", "item_rows"]
_AGG = """
    count(*) AS rows,
    count(*) FILTER (WHERE built) AS built_all,
    count(*) FILTER (WHERE built AND status = 'eligible' AND NOT self_funded) AS built_ok,
    count(*) FILTER (WHERE built AND paid_amount_yuan IS NOT NULL) AS priced,
    sum(paid_amount_yuan) FILTER (WHERE built AND paid_amount_yuan IS NOT NULL) AS paid_built,
    count(*) FILTER (WHERE built AND cap_items_yuan IS NOT NULL) AS capped,
    count(*) FILTER (WHERE built AND cap_items_yuan > cap_yuan) AS above_cap,
    count(*) FILTER (WHERE paid_amount_yuan IS NOT NULL AND accepted_amount_yuan IS NOT NULL) AS n_both,
    sum(paid_amount_yuan) FILTER (WHERE accepted_amount_yuan IS NOT NULL) AS paid_both,
    sum(accepted_amount_yuan) FILTER (WHERE paid_amount_yuan IS NOT NULL) AS accepted_both,
    count(*) FILTER (WHERE paid_amount_yuan > accepted_amount_yuan) AS paid_above,
    count(*) FILTER (WHERE built AND days_late > 0) AS late,
    sum(days_late) FILTER (WHERE built) AS days_late_sum,
    max(days_late) FILTER (WHERE built) AS days_late_max,
    count(*) FILTER (WHERE NOT built) AS not_built,
    count(*) FILTER (WHERE acceptance IN ('合格', '不合格')) AS judged,
    count(*) FILTER (WHERE acceptance = '合格') AS passed,
    count(*) FILTER (WHERE acceptance = '不合格') AS failed,
    count(*) FILTER (WHERE previously_renovated) AS prev,
    count(*) FILTER (WHERE previously_renovated AND double_items > 0) AS double_beds,
    sum(double_items_yuan) FILTER (WHERE previously_renovated) AS double_yuan,
    count(*) FILTER (WHERE previously_renovated AND items IS NULL) AS prev_no_items,
    sum(paid_amount_yuan) AS beds_paid_all,
    sum(items_yuan) AS items_all,
    sum(items) AS item_rows"""

NO_BEDS = ("CASE WHEN institution_id IS NULL AND rows = 0 THEN "
           "'no beds for this region (beds.xlsx missing, refused or empty)' END")
BASELINE = ("CASE WHEN baseline_eligible IS NULL THEN 'baseline unknown: baseline.disabled_low_income_elders is null "
            "or absent in region.yaml' END")
S = scope_text()


def figures_sql() -> str:
    measures = (per_scope(_AGG, "bed_facts", _COLUMNS)
                + ", " + per_scope("sum(planned_beds) AS planned", "in_institutions", ["planned"], name="p")
                + ", mm AS (SELECT m.*, p.planned, s.* EXCLUDE (region_code) FROM m JOIN p "
                  "ON p.region_code = m.region_code AND p.institution_id IS NOT DISTINCT FROM m.institution_id "
                  "JOIN fig_settings s ON s.region_code = m.region_code)")
    built_def = (f"{S} || 'beds with 实际完成日期 for eligible, non-self-funded elders; excluded ' || (built_all - built_ok)"
                 " || ' built beds of ineligible/undetermined/self-funded elders and ' || not_built || ' not built'")
    parts = [
        amount("beds_built", "built_ok", built_def, "eligibility.*", NO_BEDS, "mm"),
        ratio("beds_built_share", "built_ok", "planned",
              f"{S} || 'beds built for eligible elders ÷ 计划床位数 (' || planned || ') of the institutions ledger'",
              "no planned beds (计划床位数) in the institutions ledger", "eligibility.*", source="mm"),
        ratio("bed_coverage", "built_ok", "baseline_eligible",
              f"{S} || 'beds built for eligible elders ÷ baseline.disabled_low_income_elders; excluded ' || "
              "(built_all - built_ok) || ' built beds of ineligible/undetermined/self-funded elders'",
              "baseline.disabled_low_income_elders is 0", "eligibility.*", f"coalesce({BASELINE}, {NO_BEDS})",
              "more beds than the baseline: check the baseline", "mm"),
        ratio("cost_per_bed", "paid_built", "priced",
              f"{S} || 'sum of 实际支付金额 of built beds ÷ built beds with a paid amount; excluded ' || "
              "(built_all - priced) || ' built beds without 实际支付金额, ' || not_built || ' not built'",
              "no built bed has a 实际支付金额", "bed_subsidy_cap_yuan", source="mm"),
        ratio("beds_above_cap_share", "above_cap", "capped",
              f"{S} || 'built beds whose items in the capped categories (policy beds.cap_categories) cost more than "
              "bed_subsidy_cap_yuan ' || coalesce(round(cap_yuan)::BIGINT::VARCHAR, '?') || ' 元 ÷ built beds with "
              "such items; excluded ' || (built_all - capped) || ' built beds without such items'",
              "no built bed has items in the capped categories", "bed_subsidy_cap_yuan, beds.cap_categories",
              "CASE WHEN cap_yuan IS NULL THEN 'cap unknown: bed_subsidy_cap_yuan absent in region.yaml' END", "",
              "mm"),
        amount("renovation_paid_yuan", "paid_both",
               f"{S} || 'sum of 实际支付金额 of beds with both amounts; excluded ' || (rows - n_both) || "
               "' beds missing 实际支付金额 or 验收金额'", "-",
               "CASE WHEN n_both = 0 THEN 'no bed has both 实际支付金额 and 验收金额' END", "mm"),
        amount("renovation_accepted_yuan", "accepted_both",
               f"{S} || 'sum of 验收金额 of beds with both amounts; excluded ' || (rows - n_both) || "
               "' beds missing 实际支付金额 or 验收金额'", "-",
               "CASE WHEN n_both = 0 THEN 'no bed has both 实际支付金额 and 验收金额' END", "mm"),
        amount("renovation_overspend_yuan", "paid_both - accepted_both",
               f"{S} || '实际支付金额 − 验收金额 over beds with both (positive = paid above accepted)'", "-",
               "CASE WHEN n_both = 0 THEN 'no bed has both 实际支付金额 and 验收金额' END", "mm",
               "paid_both", "accepted_both"),
        amount("beds_paid_above_accepted", "paid_above", f"{S} || 'beds whose 实际支付金额 exceeds their 验收金额'", "-",
               "CASE WHEN n_both = 0 THEN 'no bed has both 实际支付金额 and 验收金额' END", "mm"),
        ratio("days_late_mean", "days_late_sum", "built_all",
              f"{S} || 'sum of days late (实际完成日期 − 计划完成日期, early = 0) ÷ beds with 实际完成日期; excluded ' || "
              "not_built || ' beds not completed'", "no bed has a 实际完成日期", "-", source="mm"),
        amount("days_late_max", "days_late_max", f"{S} || 'the largest days late of a completed bed'", "-",
               "CASE WHEN built_all = 0 THEN 'no bed has a 实际完成日期' END", "mm"),
        ratio("late_bed_share", "late", "built_all",
              f"{S} || 'beds completed after 计划完成日期 ÷ beds with 实际完成日期'", "no bed has a 实际完成日期", "-",
              bounded="", source="mm"),
        amount("beds_not_completed", "not_built", f"{S} || 'beds in the ledger without 实际完成日期'", "-", NO_BEDS, "mm"),
        amount("beds_not_accepted", "rows - judged", f"{S} || 'beds without a 验收结果 (completed or not)'", "-",
               NO_BEDS, "mm"),
        amount("beds_failed_acceptance", "failed", f"{S} || 'beds with 验收结果 不合格'", "-", NO_BEDS, "mm"),
        ratio("acceptance_pass_rate", "passed", "judged",
              f"{S} || 'beds 验收 合格 ÷ beds with a 验收结果; excluded ' || (rows - judged) || ' not yet accepted'",
              "no bed has a 验收结果", "-", bounded="", source="mm"),
        amount("double_renovation_beds", "double_beds",
               f"{S} || 'beds marked 已享受适老化改造 that got items of policy beds.double_renovation_categories again; '"
               " || (prev - double_beds) || ' such beds got only other items (smart devices, aids: allowed), ' || "
               "prev_no_items || ' of them have no items listed'", "beds.double_renovation_categories", NO_BEDS, "mm"),
        ratio("double_renovation_share", "double_beds", "rows",
              f"{S} || 'beds renovated twice (as above) ÷ all beds in the ledger'", "no beds in the ledger",
              "beds.double_renovation_categories", bounded="", source="mm"),
        amount("double_renovation_paid_yuan", "double_yuan",
               f"{S} || 'amounts of the double items (policy beds.double_renovation_categories) on beds marked "
               "已享受适老化改造; their other items are not double'", "beds.double_renovation_categories",
               "CASE WHEN institution_id IS NULL AND rows = 0 THEN 'no beds for this region' END", "mm"),
        amount("beds_paid_yuan", "beds_paid_all",
               f"{S} || 'sum of 实际支付金额 of the beds ledger, built or not (to reconcile with the bed items and the "
               "funds 拨付 for 床位: metrics.bed_payments_detail lists the differences)'", "-",
               "CASE WHEN beds_paid_all IS NULL OR beds_paid_all = 0 AND rows = 0 THEN 'no beds with 实际支付金额' END",
               "mm"),
        amount("bed_items_yuan", "items_all",
               f"{S} || 'sum of 金额 of the bed items (床位改造明细), to reconcile with 实际支付金额 of the beds ledger (' "
               "|| coalesce(round(beds_paid_all, 2)::VARCHAR, 'none') || ' 元)'", "-",
               "CASE WHEN item_rows = 0 THEN 'no bed items in the ledger' END", "mm"),
    ]
    return f"WITH {measures} " + " UNION ALL ".join(parts)


ITEM_COLUMNS = ["items", "info_yes", "info_blank", "pers_yes", "pers_blank", "plans"]
ITEM_AGG = """count(*) AS items,
    count(*) FILTER (WHERE in_info_system) AS info_yes, count(*) FILTER (WHERE in_info_system IS NULL) AS info_blank,
    count(*) FILTER (WHERE personalised) AS pers_yes, count(*) FILTER (WHERE personalised IS NULL) AS pers_blank,
    count(*) FILTER (WHERE origin = 'service_plans') AS plans"""


def item_shares_sql() -> str:
    """Indicators 8 and 9: blank flags stay in the denominator as 'not recorded'; 一人一案 items join the bed items."""
    measures = per_scope(ITEM_AGG, "item_facts", ITEM_COLUMNS)
    none = "CASE WHEN items = 0 THEN 'no bed items or service plan items in the ledgers' END"

    def one(metric, yes, blank, header):
        return ratio(metric, yes, "items",
                     f"{S} || 'items with {header}=是 ÷ all items chosen (bed items + ' || plans || ' 一人一案 service "
                     f"plan items); ' || {blank} || ' items with {header} blank stay in the denominator as not recorded'",
                     "no items", "-", none, "")

    return (f"WITH {measures} " + one("information_system_share", "info_yes", "info_blank", "已录入信息系统")
            + " UNION ALL " + one("personalisation_share", "pers_yes", "pers_blank", "是否个性化"))


CAP_DETAIL_SQL = """
SELECT f.region_code, f.institution_id, f.elder_id, b.completed_on, f.cap_items_yuan AS capped_items_yuan, f.cap_yuan,
       f.cap_items_yuan - f.cap_yuan AS excess_yuan
FROM bed_facts f JOIN in_beds b USING (region_code, elder_id)
WHERE f.built AND f.cap_items_yuan > f.cap_yuan ORDER BY 1, 2, 3
"""

TIMELINESS_DETAIL_SQL = """
SELECT b.region_code, b.institution_id, b.elder_id, b.planned_completion, b.completed_on,
       greatest(date_diff('day', b.planned_completion::DATE, b.completed_on::DATE), 0)::DOUBLE AS days_late,
       b.acceptance, b.accepted_on,
       array_to_string(list_filter([
           CASE WHEN date_diff('day', b.planned_completion::DATE, b.completed_on::DATE) > 0 THEN
                'late by ' || date_diff('day', b.planned_completion::DATE, b.completed_on::DATE) || ' days' END,
           CASE WHEN b.completed_on IS NULL THEN 'not completed' END,
           CASE WHEN b.acceptance IS NULL THEN 'not accepted' WHEN b.acceptance = '不合格' THEN 'failed acceptance' END],
           lambda x: x IS NOT NULL), '; ') AS findings
FROM in_beds b JOIN fig_settings USING (region_code)
WHERE b.completed_on IS NULL OR b.completed_on > b.planned_completion OR b.acceptance IS NULL OR b.acceptance = '不合格'
ORDER BY 1, 2, 3
"""

OVERSPEND_DETAIL_SQL = """
SELECT region_code, institution_id, elder_id, paid_amount_yuan, accepted_amount_yuan,
       paid_amount_yuan - accepted_amount_yuan AS difference_yuan,
       CASE WHEN accepted_amount_yuan IS NULL THEN 'paid without 验收金额' ELSE 'paid above 验收金额' END AS finding
FROM bed_facts
WHERE paid_amount_yuan > accepted_amount_yuan OR (paid_amount_yuan IS NOT NULL AND accepted_amount_yuan IS NULL)
ORDER BY 1, 2, 3
"""

DOUBLE_DETAIL_SQL = """
SELECT f.region_code, f.institution_id, f.elder_id, b.completed_on, f.acceptance, f.paid_amount_yuan,
       f.double_items_yuan
FROM bed_facts f JOIN in_beds b USING (region_code, elder_id)
WHERE f.previously_renovated AND f.double_items > 0
ORDER BY 1, 2, 3
"""

# Point 8: bed payments, bed items and funds 拨付 for 床位, reconciled per institution (the differences listed).
PAYMENTS_DETAIL_SQL = """
WITH b AS (SELECT region_code, institution_id, coalesce(sum(paid_amount_yuan), 0) AS beds_paid_yuan,
                  coalesce(sum(items_yuan), 0) AS bed_items_yuan
           FROM bed_facts GROUP BY ALL),
f AS (SELECT region_code, institution_id, sum(amount_yuan) AS funds_paid_beds_yuan
      FROM in_funds WHERE kind = 'paid' AND purpose = 'beds' AND institution_id IS NOT NULL GROUP BY ALL)
SELECT region_code, institution_id, coalesce(beds_paid_yuan, 0) AS beds_paid_yuan,
       coalesce(bed_items_yuan, 0) AS bed_items_yuan, coalesce(funds_paid_beds_yuan, 0) AS funds_paid_beds_yuan,
       coalesce(bed_items_yuan, 0) - coalesce(beds_paid_yuan, 0) AS items_minus_beds_yuan,
       coalesce(funds_paid_beds_yuan, 0) - coalesce(beds_paid_yuan, 0) AS funds_minus_beds_yuan
FROM b FULL JOIN f USING (region_code, institution_id) JOIN fig_settings USING (region_code)
WHERE round(coalesce(bed_items_yuan, 0) - coalesce(beds_paid_yuan, 0), 2) <> 0
   OR round(coalesce(funds_paid_beds_yuan, 0) - coalesce(beds_paid_yuan, 0), 2) <> 0
ORDER BY 1, 2
"""
