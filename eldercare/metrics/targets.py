"""Each target of region.yaml (beds, 人次, budget, satisfaction) as met (1) / not met (0), from the figures."""

from __future__ import annotations

# target id -> (figure it is held against, settings column, comparison, what the target says)
TARGETS = {
    "target_beds_met": ("beds_built", "target_beds", ">=", "targets.beds"),
    "target_person_times_met": ("person_times", "target_person_times", ">=", "targets.service_person_times"),
    "target_budget_met": ("spent_yuan", "target_budget_yuan", "<=", "targets.budget_wan × 10000"),
    "target_satisfaction_met": ("satisfaction_rate", "target_satisfaction", ">=", "targets.satisfaction_pct ÷ 100"),
}


def figures_sql(figures: str = "fig_rows") -> str:
    """Region rows only; a target that is unknown, or a figure that is not computable, is not computable."""
    parts = []
    for metric, (figure, column, op, doc) in TARGETS.items():
        parts.append(f"""SELECT f.region_code, NULL AS institution_id, '{metric}' AS metric, f.value AS numerator,
            s.{column} AS denominator, CASE WHEN f.value {op} s.{column} THEN 1.0 ELSE 0.0 END AS value,
            '{figure} ' || coalesce(round(f.value, 4)::VARCHAR, '?') || ' {op} {doc} ' ||
            coalesce(round(s.{column}, 4)::VARCHAR, '?') AS definition,
            CASE WHEN s.{column} IS NULL THEN 'target unknown: {doc.split(' ')[0]} null or absent in region.yaml'
                 WHEN f.why_not IS NOT NULL THEN '{figure} ' || f.why_not END AS why_not,
            '{doc.split(' ')[0]}, ' || f.policy AS policy
            FROM {figures} f JOIN fig_settings s USING (region_code)
            WHERE f.metric = '{figure}' AND f.institution_id IS NULL""")
    return " UNION ALL ".join(parts)
