"""Budget execution (shared/ledgers.md funds): 下达/到位/拨付/支出 and the institutions' own outlays (机构支出).

支出 is the region's expenditure of project funds: rubric rate = 支出 ÷ 到位, self-evaluation rate = 支出 ÷ 下达.
机构支出 is reported beside, never as execution. A kind without rows is not computable, never 0.
"""

from __future__ import annotations

from eldercare.metrics.rows import amount, per_scope, q, ratio, scope_text

KINDS = {"allocated": "下达", "received": "到位", "paid": "拨付", "spent": "支出", "institution_spent": "机构支出"}
SOURCE_IDS = {"中央": "central", "省级": "provincial", "市级": "municipal", "县级": "county", "其他": "other"}
S = scope_text()
_AGG = ", ".join(f"sum(amount_yuan) FILTER (WHERE kind = '{k}') AS {k}, count(*) FILTER (WHERE kind = '{k}') AS n_{k}"
                 for k in KINDS) + """,
    sum(amount_yuan) FILTER (WHERE kind = 'paid' AND purpose = 'beds') AS paid_beds,
    sum(amount_yuan) FILTER (WHERE kind = 'spent' AND purpose = 'other') AS outside,
    count(*) FILTER (WHERE kind = 'spent' AND purpose = 'other') AS n_outside"""
_COLUMNS = [c for k in KINDS for c in (k, f"n_{k}")] + ["paid_beds", "outside", "n_outside"]
REGION_ONLY = ("allocated", "received")


def _none(kind: str) -> str:
    who = "' || CASE WHEN institution_id IS NULL THEN 'in the funds ledger' ELSE 'for this institution' END || '"
    return f"CASE WHEN coalesce(n_{kind}, 0) = 0 THEN 'no {KINDS[kind]} ({kind}) rows {who}' END"


def figures_sql() -> str:
    measures = per_scope(_AGG, "in_funds", _COLUMNS, zero_fill=False)
    parts = []
    for kind, label in KINDS.items():
        where = "" if kind not in REGION_ONLY else " WHERE institution_id IS NULL"
        beside = " (the institution''s own outlay, reported beside execution, never counted as it)" \
            if kind == "institution_spent" else ""
        parts.append(amount(f"{kind}_yuan", f"coalesce({kind}, 0)",
                            f"{S} || 'sum of {label} ({kind}) rows of the funds ledger, 元{beside}'", "-",
                            _none(kind), f"(SELECT * FROM m{where})"))
    parts.append(amount("bed_funds_paid_yuan", "coalesce(paid_beds, 0)",
                        f"{S} || '拨付 (paid) rows with 用途 家庭养老床位, to reconcile with the beds ledger'", "-",
                        _none("paid"), "m"))
    parts.append(amount("spent_outside_tasks_yuan", "coalesce(outside, 0)",
                        f"{S} || '支出 with 用途 其他: outside the two tasks (beds, home visits), a finding (seed 002 四(一))'",
                        "-", _none("spent"), "m"))
    region = "(SELECT * FROM m WHERE institution_id IS NULL)"
    parts.append(ratio("rubric_execution_rate", "spent", "received",
                       "'支出 (spent) total ÷ 到位 (received) total: the rubric''s 预算执行率; 机构支出 not counted'",
                       "no 到位 (received) rows in the funds ledger", "-", _none("spent"),
                       "more spent than received: check the funds ledger", region))
    parts.append(ratio("self_evaluation_execution_rate", "spent", "allocated",
                       "'全年执行数 = 支出 (spent) total ÷ 全年预算数 = 下达 (allocated) total (自评表 执行率 B/A)'",
                       "no 下达 (allocated) rows in the funds ledger", "-", _none("spent"),
                       "more spent than allocated: check the funds ledger", region))
    return f"WITH {measures} " + " UNION ALL ".join(parts)


def per_source_sql() -> str:
    """Per-source rates, only where both sides carry that source."""
    ids = " ".join(f"WHEN {q(k)} THEN {q(v)}" for k, v in SOURCE_IDS.items())
    base = f"""WITH m AS (
        SELECT region_code, NULL::VARCHAR AS institution_id, source, CASE source {ids} ELSE 'other' END AS sid,
               sum(amount_yuan) FILTER (WHERE kind = 'allocated') AS allocated,
               sum(amount_yuan) FILTER (WHERE kind = 'received') AS received,
               sum(amount_yuan) FILTER (WHERE kind = 'spent') AS spent
        FROM in_funds GROUP BY ALL)"""

    def one(metric, den, label, doc):
        return (f"SELECT region_code, institution_id, '{metric}_' || sid AS metric, spent AS numerator, {den} AS "
                f"denominator, spent / {den} AS value, '资金来源 ' || source || ': 支出 ÷ {label} ({doc})' AS definition, "
                f"CASE WHEN spent > {den} THEN 'more spent than {label} from this source' END AS why_not, '-' AS policy "
                f"FROM m WHERE spent IS NOT NULL AND {den} > 0")
    return (base + " " + one("rubric_execution_rate", "received", "到位", "rubric 预算执行率") + " UNION ALL "
            + one("self_evaluation_execution_rate", "allocated", "下达", "自评表 执行率"))


DETAIL_SQL = """
SELECT region_code, source, institution_id,
       coalesce(sum(amount_yuan) FILTER (WHERE kind = 'allocated'), 0) AS allocated_yuan,
       coalesce(sum(amount_yuan) FILTER (WHERE kind = 'received'), 0) AS received_yuan,
       coalesce(sum(amount_yuan) FILTER (WHERE kind = 'paid'), 0) AS paid_yuan,
       coalesce(sum(amount_yuan) FILTER (WHERE kind = 'spent'), 0) AS spent_yuan,
       coalesce(sum(amount_yuan) FILTER (WHERE kind = 'institution_spent'), 0) AS institution_spent_yuan,
       count(*) AS rows
FROM in_funds JOIN fig_settings USING (region_code)
GROUP BY ALL ORDER BY region_code, source, institution_id NULLS FIRST
"""
