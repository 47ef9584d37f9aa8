"""Reconciling a published list with the person-month facts: each verdict with its rule and evidence."""

import datetime as dt

import duckdb
import polars as pl
import pytest

from eldercare.compare.published import SHORTFALL_SCHEMA, TOTAL_SCHEMA
from eldercare.compare.reconcile import reconcile, totals_side_by_side

R, JUNE = "370306", dt.date(2022, 6, 1)


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("create schema metrics; create schema validated; create schema quarantine")
    con.execute("""create table metrics.elder_months as select * from (values
        -- elder, scope, note, in_scope, visits, minutes, unrecorded, medical, below visits / minutes / medical
        ('A', 'in_scope', null, true, 10, 850.0, 0, 2, true, true, false),
        ('B', 'in_scope', null, true, 12, 700.0, 0, 1, true, true, true),
        ('C', 'died_this_month', 'died 2022-06-05', false, 1, 60.0, 0, 0, null, null, null),
        ('D', 'in_scope', null, true, 16, 960.0, 0, 2, false, false, false)
        ) t(elder_id, scope, scope_note, in_scope, visits, minutes, unrecorded_visits, medical_visits,
            below_visits, below_minutes, below_medical_visits)""")
    con.execute(f"""create or replace table metrics.elder_months as
        select '{R}' as region_code, 'QYT' as institution_id, DATE '2022-06-01' as month, elder_id,
               elder_id || '*' as name_masked, scope, scope_note, in_scope, visits, minutes, unrecorded_visits,
               medical_visits, case when in_scope then 15.0 end as min_visits,
               case when in_scope then 900.0 end as min_minutes, case when in_scope then 2.0 end as min_medical_visits,
               below_visits, below_minutes, below_medical_visits
        from metrics.elder_months""")
    con.execute(f"""create table validated.status_events as select * from (values
        ('{R}', 'C', 'died', DATE '2022-06-05')) t(region_code, elder_id, event, event_date)""")
    con.execute(f"""create table validated.elders as select * from (values
        ('{R}', 'A', 'both'), ('{R}', 'B', 'both'), ('{R}', 'C', 'both'), ('{R}', 'D', 'both'),
        ('{R}', 'E', 'bed_only')) t(region_code, elder_id, service_type)""")
    con.execute(f"""create table quarantine.rows as select * from (values
        ('{R}', 'elders', 'F', 'bad_id_number')) t(region_code, ledger, elder_id, rule)""")
    return con


def _published(*rows):
    return pl.DataFrame([{"region_code": R, "institution_id": "QYT", "metric": "visits", "elder_id": e,
                          "month": JUNE, "published_value": v, "source_file": "p.csv", "source_row": i + 2}
                         for i, (e, v) in enumerate(rows)], schema=SHORTFALL_SCHEMA)


def test_every_verdict_with_its_rule_and_evidence(con):
    # published: A (agree, printed 9 for 10), C (died), D (meets), E (bed-only, no person-month), F (quarantined);
    # B is below by the rules and not published
    listing = reconcile(con, _published(("A", 9.0), ("C", None), ("D", None), ("E", None), ("F", None)),
                        pl.DataFrame(schema=TOTAL_SCHEMA))
    got = {r["elder_id"]: (r["verdict"], r["rule"], r["evidence"]) for r in listing.iter_rows(named=True)}
    assert set(listing["metric"]) == {"visits"}  # hours and medical were not published: not compared
    assert got["A"][:2] == ("agree", "below_minimum") and "published 数值 9.0, counted 10.0" in got["A"][2]
    assert got["B"][:2] == ("only_computed", "below_minimum")
    assert got["B"][2].startswith("12 visits, 700.0 recorded minutes, 1 medical visits: below the minimum 15.0")
    assert got["C"] == ("only_published", "died_this_month", "died during the month (服务不满1个月): 去世 2022-06-05")
    assert got["D"][:2] == ("only_published", "meets_minimum") and "meets the minimum 15.0" in got["D"][2]
    assert got["E"][:2] == ("only_published", "no_person_month")
    assert got["F"] == ("only_published", "unknown_elder",
                        "服务对象编号 F is not in the elder ledger (its ledger row is in quarantine: bad_id_number)")


def test_totals_side_by_side(con):
    listing = reconcile(con, _published(("A", None), ("C", None)), pl.DataFrame(schema=TOTAL_SCHEMA))
    totals = pl.DataFrame([{"region_code": R, "institution_id": "QYT", "metric": "visits", "published_total": 3,
                            "source_file": "t.csv", "source_row": 2}], schema=TOTAL_SCHEMA)
    rows = {r["institution_id"]: r for r in totals_side_by_side(con, listing, totals).iter_rows(named=True)}
    # listed A, C (2); computed A, B (2); published total 3: difference 2 − 3 = −1, and the total ≠ the list
    assert {k: rows["QYT"][k] for k in ("published_total", "published_listed", "computed", "agree",
                                        "only_published", "only_computed", "difference")} == \
        {"published_total": 3, "published_listed": 2, "computed": 2, "agree": 1, "only_published": 1,
         "only_computed": 1, "difference": -1}
    assert "differs from the person-months it lists (2)" in rows["QYT"]["note"]
    assert rows[None]["published_total"] == 3  # the region's row
