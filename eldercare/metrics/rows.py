"""SQL building blocks of a figure row: a ratio or an amount that is computable, or not computable with why.

Every topic module writes one SELECT per figure over whole tables (one row per region and per institution) with
these expressions; nothing here loops over regions or institutions.
"""

from __future__ import annotations


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ratio_why(num: str, den: str, zero: str, missing: str = "NULL", bounded: str | None = None) -> str:
    """why_not of num ÷ den: a missing input, a zero or unknown denominator, or (bounded) num > den; else NULL."""
    over = (f" WHEN ({num}) > ({den}) THEN 'numerator ' || round(({num})::DOUBLE, 2) || ' exceeds denominator ' "
            f"|| round(({den})::DOUBLE, 2) || ': ' || {q(bounded)}" if bounded is not None else "")
    return (f"CASE WHEN ({missing}) IS NOT NULL THEN ({missing}) WHEN ({den}) IS NULL OR ({den}) = 0 THEN {q(zero)} "
            f"WHEN ({num}) IS NULL THEN 'numerator unknown'{over} "
            f"WHEN ({num}) < 0 OR ({den}) < 0 THEN 'negative total: check the ledger' END")


def ratio(metric: str, num: str, den: str, definition: str, zero: str, policy: str, missing: str = "NULL",
          bounded: str | None = None, source: str = "m") -> str:
    """SELECT of one ratio figure for every row of `source` (region_code, institution_id and the measures)."""
    return (f"SELECT region_code, institution_id, {q(metric)} AS metric, ({num})::DOUBLE AS numerator, "
            f"({den})::DOUBLE AS denominator, ({num})::DOUBLE / nullif(({den})::DOUBLE, 0) AS value, "
            f"{definition} AS definition, {ratio_why(num, den, zero, missing, bounded)} AS why_not, "
            f"{q(policy)} AS policy FROM {source}")


def amount(metric: str, value: str, definition: str, policy: str, missing: str = "NULL", source: str = "m",
           numerator: str = "NULL", denominator: str = "NULL") -> str:
    """SELECT of one count or money figure; a missing input makes it not computable (never 0)."""
    return (f"SELECT region_code, institution_id, {q(metric)} AS metric, ({numerator})::DOUBLE AS numerator, "
            f"({denominator})::DOUBLE AS denominator, ({value})::DOUBLE AS value, {definition} AS definition, "
            f"CASE WHEN ({missing}) IS NOT NULL THEN ({missing}) WHEN ({value}) IS NULL THEN 'value unknown' END "
            f"AS why_not, {q(policy)} AS policy FROM {source}")


def scope_text() -> str:
    """'institution X: ' on institution rows, '' on region rows (a definition's prefix)."""
    return "coalesce('institution ' || institution_id || ': ', '')"


def per_scope(aggregates: str, source: str, columns: list[str], where: str = "true", name: str = "m",
              zero_fill: bool = True) -> str:
    """CTE `name`: the aggregates per region (institution NULL) and per institution, one row for every scope.

    Grouping sets compute both levels in one pass; scopes without rows get 0 (or NULL) measures.
    """
    fill = ", ".join(f"coalesce(a.{c}, 0) AS {c}" if zero_fill else f"a.{c}" for c in columns)
    return (f"{name}_agg AS (SELECT region_code, institution_id, {aggregates} FROM {source} WHERE {where} "
            f"GROUP BY GROUPING SETS ((region_code), (region_code, institution_id)) "
            f"HAVING grouping(institution_id) = 1 OR institution_id IS NOT NULL), "
            f"{name} AS (SELECT sc.region_code, sc.institution_id, {fill} FROM scopes sc LEFT JOIN {name}_agg a "
            f"ON a.region_code = sc.region_code AND a.institution_id IS NOT DISTINCT FROM sc.institution_id)")
