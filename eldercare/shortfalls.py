"""Roll person-months up: shortfall counts per institution, month and metric (人次 live in eldercare.metrics)."""

from __future__ import annotations

import polars as pl

METRICS = {"visits": ("below_visits", "min_visits"), "hours": ("below_minutes", "min_minutes"),
           "medical_visits": ("below_medical_visits", "min_medical_visits")}


def shortfall_table(months: pl.DataFrame) -> pl.DataFrame:
    """Per region, institution, month and metric: in-scope person-months, those below the minimum (listed), excluded.

    A metric whose minimum is not set for the region (no medical minimum) gets no row.
    """
    parts = []
    for metric, (flag, minimum) in METRICS.items():
        below_list = (pl.col("elder_id") + pl.lit(" ") + pl.col("name_masked").fill_null("")).filter(pl.col(flag))
        part = months.group_by("region_code", "month", "institution_id").agg(
            pl.lit(metric).alias("metric"),
            pl.col(minimum).filter(pl.col("in_scope") & (pl.col("days_in_service") == pl.col("days_in_month")))
            .max().alias("minimum"),
            pl.col("in_scope").sum().cast(pl.Int64).alias("in_scope_person_months"),
            pl.col(flag).fill_null(False).sum().cast(pl.Int64).alias("person_months_below"),
            (~pl.col("in_scope")).sum().cast(pl.Int64).alias("excluded_person_months"),
            below_list.sort().str.join("; ").alias("elders_below"),
            pl.col(minimum).is_not_null().any().alias("_has_minimum"),
            pl.col("in_scope").any().alias("_any_in_scope"),
        )
        parts.append(part.filter(pl.col("_has_minimum") | ~pl.col("_any_in_scope")
                                 if metric != "medical_visits" else pl.col("_has_minimum")))
    schema = {"region_code": pl.Utf8, "month": pl.Date, "institution_id": pl.Utf8, "metric": pl.Utf8,
              "minimum": pl.Float64, "in_scope_person_months": pl.Int64, "person_months_below": pl.Int64,
              "excluded_person_months": pl.Int64, "elders_below": pl.Utf8}
    if not parts or months.is_empty():
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).drop("_has_minimum", "_any_in_scope")
    return out.with_columns(pl.col("elders_below").replace("", None)).select(list(schema)).sort(
        "region_code", "month", "institution_id", "metric")
