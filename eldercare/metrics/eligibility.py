"""Who the programme serves: each registered elder eligible, ineligible (a finding naming the rule) or undetermined.

Rules and vocabularies come from the region's policy (`eligibility`): age at 纳入日期, hardship categories (a
region adds local ones), ability levels by group, legacy scales (undetermined unless mapped), birth date vs ID.
"""

from __future__ import annotations

from eldercare.metrics.rows import per_scope, ratio, scope_text

POLICY = "eligibility.min_age_at_enrolment, eligibility.hardship, eligibility.ability_levels, " \
         "eligibility.legacy_ability_levels, eligibility.legacy_ability_mapping"

# One row per registered elder: status and the reasons (view `elder_status`).
ELDER_STATUS = """
CREATE OR REPLACE TEMP VIEW elder_status AS
WITH e AS (
    SELECT e.region_code, e.elder_id, e.institution_id, e.service_type, coalesce(e.self_funded, false) AS self_funded,
           e.hardship, e.ability_level, e.birth_date::DATE AS birth_date, e.enrolled_on::DATE AS enrolled_on,
           e.birth_date_matches_id, s.min_age, s.check_birth_date,
           lm.value AS mapped_level,
           coalesce(lm.value, e.ability_level) AS level_used,
           h.value IS NOT NULL AS hardship_ok,
           (coalesce(e.ability_legacy, false) OR lg.value IS NOT NULL) AS legacy_spelling
    FROM in_elders e
    JOIN fig_settings s USING (region_code)
    LEFT JOIN fig_lists h ON h.region_code = e.region_code AND h.list = 'hardship' AND h.value = e.hardship
    LEFT JOIN fig_lists lg ON lg.region_code = e.region_code AND lg.list = 'legacy_level' AND lg.value = e.ability_level
    LEFT JOIN fig_lists lm ON lm.region_code = e.region_code AND lm.list = 'legacy_map:' || e.ability_level),
g AS (
    SELECT e.*, lv.level_group,
           e.legacy_spelling AND e.mapped_level IS NULL AND lv.level_group IS NULL AS legacy,
           (year(enrolled_on) - year(birth_date)
            - CASE WHEN strftime(enrolled_on, '%m%d') < strftime(birth_date, '%m%d') THEN 1 ELSE 0 END) AS age
    FROM e LEFT JOIN fig_levels lv ON lv.region_code = e.region_code AND lv.level = e.level_used),
r AS (
    SELECT *,
        list_filter([
            CASE WHEN age < min_age THEN 'age: aged ' || age || ' at 纳入日期 (< ' || min_age || ')' END,
            CASE WHEN NOT hardship_ok THEN 'hardship: 经济困难类型 ''' || coalesce(hardship, '') ||
                 ''' not in policy eligibility.hardship' END,
            CASE WHEN NOT legacy AND level_group IS NULL THEN 'ability: 能力等级 ''' || coalesce(ability_level, '') ||
                 ''' is not 失能 or 部分失能 (policy eligibility.ability_levels)' END], lambda x: x IS NOT NULL) AS bad,
        list_filter([
            CASE WHEN birth_date IS NULL OR enrolled_on IS NULL THEN
                 'age unknown: birth date or 纳入日期 missing' END,
            CASE WHEN legacy THEN 'ability legacy: 能力等级 ''' || ability_level ||
                 ''' is on a legacy scale (reassess under GB/T 42195-2022 or map it in policy)' END,
            CASE WHEN check_birth_date AND birth_date_matches_id = false THEN
                 'birth date: 出生日期 differs from the ID number''s birth date' END], lambda x: x IS NOT NULL) AS unknown
    FROM g)
SELECT region_code, elder_id, institution_id, service_type, self_funded, hardship, ability_level, level_group,
       CASE WHEN len(bad) > 0 THEN 'ineligible' WHEN len(unknown) > 0 THEN 'undetermined' ELSE 'eligible' END AS status,
       nullif(array_to_string(list_concat(bad, unknown), '; '), '') AS reason
FROM r
"""

DETAIL_SQL = """
SELECT region_code, institution_id, elder_id, service_type, status, reason
FROM elder_status WHERE status <> 'eligible' AND NOT self_funded
ORDER BY region_code, institution_id, elder_id
"""


def figures_sql() -> str:
    measures = per_scope("""
        count(*) FILTER (WHERE status = 'eligible' AND NOT self_funded) AS eligible,
        count(*) FILTER (WHERE status = 'undetermined' AND NOT self_funded) AS undetermined,
        count(*) FILTER (WHERE NOT self_funded) AS registered,
        count(*) FILTER (WHERE self_funded) AS self_funded""", "elder_status",
                         ["eligible", "undetermined", "registered", "self_funded"])
    definition = (f"{scope_text()} || 'registered elders meeting the eligibility rules ÷ registered elders; excluded ' "
                  "|| self_funded || ' self-funded (社会化); ' || undetermined || ' undetermined counted as not meeting'")
    return f"WITH {measures} " + ratio("eligible_registration_share", "eligible", "registered", definition,
                                       "no registered elders (not self-funded) in the ledger", POLICY)
