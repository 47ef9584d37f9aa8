"""The lines `make run` prints about compare: the published evaluation's departures and the variants' effect."""

from __future__ import annotations

import duckdb


def summary_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per region and metric the verdict counts of compare.published_vs_rules (and the departures by rule), and per
    variant the region's short visits / hours; nothing when the compare tables are absent."""
    have = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                      "where table_schema = 'compare'").fetchall()}
    lines = []
    if "published_vs_rules" in have:
        rows = con.execute("""
            select region_code, metric, count(*) filter (where verdict = 'agree'),
                   count(*) filter (where verdict = 'only_published'), count(*) filter (where verdict = 'only_computed'),
                   string_agg(distinct rule, ', ' order by rule) filter (where verdict <> 'agree')
            from compare.published_vs_rules group by all order by all""").fetchall()
        lines.append(f"published evaluation vs the rules: {len({r[0] for r in rows})} region(s)")
        for region, metric, agree, pub, comp, rules in rows:
            lines.append(f"  {region} {metric:<15} agree {agree:>5}  only_published {pub:>3}  only_computed {comp:>3}"
                         + (f"  ({rules})" if rules else ""))
        if "published_problems" in have:
            n = con.execute("select count(*) from compare.published_problems").fetchall()[0][0]
            lines.append(f"  published rows not read: {n} (compare.published_problems)")
    if "policy_variants" in have:
        rows = con.execute("""
            select region_code, variant, measure, in_force, under_variant from compare.policy_variants
            where institution_id is null and measure in ('short_visits', 'short_hours') order by all""").fetchall()
        lines.append("policy variants (region, short person-months: in force → variant)")
        by_variant: dict[tuple[str, str], list[str]] = {}
        for region, variant, measure, before, after in rows:
            by_variant.setdefault((region, variant), []).append(f"{measure} {before:g} → {after:g}")
        for (region, variant), parts in by_variant.items():
            lines.append(f"  {region} {variant:<30} " + "; ".join(parts))
    return lines
