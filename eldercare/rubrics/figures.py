"""The figure ids of metrics.figures that are not in the programme catalogue (agreed interface between branches).

The asset adds these to the catalogue's ids; a rubric naming any other id fails at load.
"""

FIGURE_IDS_BEYOND_CATALOGUE = frozenset({
    "beds_built", "beds_built_share", "home_service_recipients",
    "short_person_months_visits", "short_person_months_minutes", "short_person_months_medical",
    "person_times", "person_times_per_person", "person_times_per_30_visits",
    "awareness_rate", "satisfaction_rate_bed", "satisfaction_rate_home", "cost_per_person_time",
})
