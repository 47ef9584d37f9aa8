"""The survey: issued (region.yaml `survey_issued`, else unknown), returned = valid + invalid, mean score and
satisfaction, by bed and home-service recipients (申报表 11, 12), and policy awareness 知晓率 (申报表 10).

A questionnaire with a blank answer is returned but invalid (never quarantined, never scored).
"""

from __future__ import annotations

from eldercare.metrics.rows import amount, per_scope, ratio, scope_text

SURVEY_FACTS = """
CREATE OR REPLACE TEMP VIEW survey_facts AS
WITH answers AS (
    UNPIVOT (SELECT region_code, questionnaire_id, q1, q2, q3, q4, q5, q6 FROM in_survey)
    ON q1, q2, q3, q4, q5, q6 INTO NAME question VALUE answer),
scored AS (
    SELECT a.region_code, a.questionnaire_id, sum(w.points) AS score, count(a.answer) AS answered
    FROM answers a LEFT JOIN fig_weights w ON w.region_code = a.region_code AND w.question = a.question
         AND w.answer = a.answer
    GROUP BY ALL)
SELECT s.region_code, s.questionnaire_id, s.institution_id, s.aware,
       coalesce(s.valid, true) AND coalesce(sc.answered, 0) = 6 AS valid, coalesce(sc.score, 0) AS score,
       e.service_type IN ('bed_only', 'both') OR s.respondent_group IN ('家庭养老床位', 'bed') AS bed_recipient,
       e.service_type IN ('home_visits', 'both') OR s.respondent_group IN ('居家上门服务', 'home_visits') AS home_recipient,
       s.elder_id IS NOT NULL OR s.respondent_group IS NOT NULL AS grouped
FROM in_survey s LEFT JOIN scored sc USING (region_code, questionnaire_id)
LEFT JOIN in_elders e ON e.region_code = s.region_code AND e.elder_id = s.elder_id
"""

_COLUMNS = ["returned", "valid", "score_sum", "bed_valid", "bed_score", "home_valid", "home_score", "grouped",
            "aware_yes", "aware_known"]
_AGG = """count(*) AS returned, count(*) FILTER (WHERE valid) AS valid, sum(score) FILTER (WHERE valid) AS score_sum,
    count(*) FILTER (WHERE valid AND bed_recipient) AS bed_valid,
    sum(score) FILTER (WHERE valid AND bed_recipient) AS bed_score,
    count(*) FILTER (WHERE valid AND home_recipient) AS home_valid,
    sum(score) FILTER (WHERE valid AND home_recipient) AS home_score,
    count(*) FILTER (WHERE grouped) AS grouped,
    count(*) FILTER (WHERE aware) AS aware_yes, count(aware) AS aware_known"""
S = scope_text()
WEIGHTS = "survey.weights, survey.max_score"


def figures_sql() -> str:
    measures = (per_scope(_AGG, "survey_facts", _COLUMNS)
                + ", mm AS (SELECT m.*, s.max_score, s.survey_issued, "
                  "CASE WHEN m.institution_id IS NULL AND m.returned = 0 THEN 'no questionnaires for this region "
                  "(survey.xlsx missing, refused or empty)' END AS none FROM m JOIN fig_settings s USING (region_code))")
    no_valid = "coalesce(none, CASE WHEN valid = 0 THEN 'no valid questionnaires' END)"

    def sat(metric, n, total, who):
        return ratio(metric, f"{total} / nullif({n}, 0)", "max_score",
                     f"{S} || 'mean weighted score of valid questionnaires{who} ÷ max score ' || max_score || "
                     "', exact (not rounded per question)'", "max score is 0", WEIGHTS,
                     f"coalesce(none, CASE WHEN {n} = 0 THEN 'no valid questionnaires{who}' END)",
                     "mean score above the maximum: check survey.weights / max_score", "mm")

    ungrouped = ("CASE WHEN grouped = 0 THEN 'the survey has no 服务对象编号 or 受访对象类别 column filled: "
                 "bed and home-service recipients cannot be told apart' END")
    parts = [
        amount("survey_issued", "survey_issued",
               "'questionnaires handed out, from region.yaml survey_issued (never the row count)'", "survey_issued",
               "CASE WHEN institution_id IS NOT NULL THEN 'survey_issued is given per region only' "
               "WHEN survey_issued IS NULL THEN 'survey_issued unknown: absent in region.yaml' END", "mm"),
        amount("survey_returned", "returned",
               f"{S} || 'questionnaires in the survey ledger (returned = valid ' || valid || ' + invalid ' || "
               "(returned - valid) || ')'", "-", "none", "mm"),
        amount("survey_valid", "valid",
               f"{S} || 'questionnaires marked 有效 with all six answers given (' || (returned - valid) || "
               "' invalid: blank answer or marked 无效)'", "-", "none", "mm"),
        ratio("mean_score", "score_sum", "valid",
              f"{S} || 'sum of weighted scores of valid questionnaires ÷ valid questionnaires; invalid excluded'",
              "no valid questionnaires", WEIGHTS, no_valid, source="mm"),
        sat("satisfaction_rate", "valid", "score_sum", ""),
        sat("satisfaction_rate_bed", "bed_valid", "bed_score", " of bed recipients"),
        sat("satisfaction_rate_home", "home_valid", "home_score", " of home-service recipients"),
        ratio("awareness_rate", "aware_yes", "aware_known",
              f"{S} || 'questionnaires answering 政策知晓 = 是 ÷ questionnaires answering it; ' || "
              "(returned - aware_known) || ' without an answer left out'",
              "no questionnaire answers 政策知晓", "-", "none", "", "mm"),
    ]
    # split satisfaction needs the respondent's group
    parts[5] = parts[5].replace("FROM mm", f"FROM (SELECT * REPLACE (coalesce(none, {ungrouped}) AS none) FROM mm)")
    parts[6] = parts[6].replace("FROM mm", f"FROM (SELECT * REPLACE (coalesce(none, {ungrouped}) AS none) FROM mm)")
    return f"WITH {measures} " + " UNION ALL ".join(parts)

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6")

# Answer tallies and exact mean points per question over the valid questionnaires, per region and institution.
DETAIL_SQL = """
WITH a AS (
    UNPIVOT (SELECT s.region_code, s.institution_id, s.questionnaire_id, s.q1, s.q2, s.q3, s.q4, s.q5, s.q6
             FROM in_survey s JOIN survey_facts f USING (region_code, questionnaire_id) WHERE f.valid)
    ON q1, q2, q3, q4, q5, q6 INTO NAME question VALUE answer),
best AS (SELECT region_code, question, max(points) AS max_points FROM fig_weights GROUP BY ALL)
SELECT a.region_code, a.institution_id, a.question, count(*) AS valid,
       count(*) FILTER (WHERE a.answer = 'A') AS answers_a, count(*) FILTER (WHERE a.answer = 'B') AS answers_b,
       count(*) FILTER (WHERE a.answer = 'C') AS answers_c, count(*) FILTER (WHERE a.answer = 'D') AS answers_d,
       count(*) FILTER (WHERE a.answer = 'E') AS answers_e,
       sum(coalesce(w.points, 0)) / count(*) AS mean_points, any_value(b.max_points) AS max_points
FROM a LEFT JOIN fig_weights w ON w.region_code = a.region_code AND w.question = a.question AND w.answer = a.answer
JOIN best b ON b.region_code = a.region_code AND b.question = a.question
GROUP BY GROUPING SETS ((a.region_code, a.question), (a.region_code, a.institution_id, a.question))
ORDER BY 1, 2 NULLS FIRST, 3
"""
