"""Roll person-months up: shortfall counts per institution, month and metric, and 人次 over the project."""

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


def person_times_table(months: pl.DataFrame, thresholds: dict[str, int], targets: dict[str, float | None]) -> pl.DataFrame:
    """人次: home-service recipients with at least the region's threshold of valid visits over all months stored.

    Bed-only and self-funded elders are not recipients; every other person-month's visits count, whatever its
    scope for the monthly minimums (a recipient served 30 times is one 人次 even in months later excluded).
    """
    schema = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "elders_served": pl.Int64, "person_times": pl.Int64,
              "threshold_visits": pl.Int64, "target": pl.Float64, "target_met": pl.Boolean, "months_counted": pl.Utf8}
    recipients = months.filter(~pl.col("scope").is_in(["not_home_service_recipient", "self_funded"])
                               & pl.col("region_code").is_in(list(thresholds)))
    if recipients.is_empty():
        return pl.DataFrame(schema=schema)
    per_elder = recipients.group_by("region_code", "institution_id", "elder_id").agg(pl.col("visits").sum())
    per_elder = per_elder.with_columns(
        pl.col("region_code").replace_strict(thresholds, return_dtype=pl.Int64).alias("threshold_visits"))
    span = recipients.group_by("region_code").agg(
        (pl.col("month").min().dt.strftime("%Y-%m") + pl.lit("…") + pl.col("month").max().dt.strftime("%Y-%m"))
        .alias("months_counted"))

    def roll(keys: list[str]) -> pl.DataFrame:
        return per_elder.group_by(keys).agg(
            (pl.col("visits") > 0).sum().cast(pl.Int64).alias("elders_served"),
            (pl.col("visits") >= pl.col("threshold_visits")).sum().cast(pl.Int64).alias("person_times"),
            pl.col("threshold_visits").first())

    by_inst = roll(["region_code", "institution_id"]).with_columns(
        pl.lit(None, pl.Float64).alias("target"), pl.lit(None, pl.Boolean).alias("target_met"))
    target = pl.col("region_code").replace_strict(targets, default=None, return_dtype=pl.Float64)
    region = roll(["region_code"]).with_columns(pl.lit(None, pl.Utf8).alias("institution_id"), target.alias("target"))
    region = region.with_columns(pl.when(pl.col("target").is_null()).then(None)
                                 .otherwise(pl.col("person_times") >= pl.col("target")).alias("target_met"))
    out = pl.concat([by_inst.select(list(schema)[:-1]), region.select(list(schema)[:-1])])
    return out.join(span, on="region_code").select(list(schema)).sort("region_code", "institution_id", nulls_last=True)
