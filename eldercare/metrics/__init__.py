"""Programme metrics as plain pandas functions over the validated tables (no Dagster here)."""

from eldercare.metrics.programme import (
    METRIC_COLUMNS, RegionSettings, bed_timeliness, budget_execution, cost_per_bed, cost_per_recipient, coverage,
    double_renovation, eligibility, information_system_share, personalisation_share, questionnaire_scores,
    renovation_overspend, satisfaction,
)

__all__ = [
    "METRIC_COLUMNS", "RegionSettings", "bed_timeliness", "budget_execution", "cost_per_bed", "cost_per_recipient",
    "coverage", "double_renovation", "eligibility", "information_system_share", "personalisation_share",
    "questionnaire_scores", "renovation_overspend", "satisfaction",
]
