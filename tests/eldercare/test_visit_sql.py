"""The one definition of a visit in SQL: counted visits per elder and month, and the findings on the rest."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from eldercare.policy import load_defaults, overlay_policy
from eldercare.visit_sql import visit_findings, visit_totals

R = "370306"
JULY = dt.date(2022, 7, 1)


@pytest.fixture
def con():
    """E1 moved away on 2022-07-10: visits on 07-03 (open punch), 07-05 (60 min), 07-12 (after the exit)."""
    c = duckdb.connect()
    c.execute("create schema validated; create schema quarantine")
    c.execute("""create table validated.visits as select * from (values
        ('V1', 'E1', TIMESTAMP '2022-07-03 09:00', NULL::TIMESTAMP, NULL::DOUBLE, false, '生活照料'),
        ('V2', 'E1', TIMESTAMP '2022-07-05 09:00', TIMESTAMP '2022-07-05 10:00', 60.0, true, '医疗护理'),
        ('V3', 'E1', TIMESTAMP '2022-07-12 09:00', TIMESTAMP '2022-07-12 10:00', 60.0, true, '生活照料'))
        t(visit_id, elder_id, checkin_at, checkout_at, duration_min, duration_recorded, service_item)""")
    c.execute(f"""create or replace table validated.visits as select '{R}' as region_code, DATE '2022-07-01' as month,
        'I1' as institution_id, 'C1' as caregiver_id, 'visits/2022-07.csv' as source_file,
        row_number() over () + 1 as source_row, * from validated.visits""")
    c.execute(f"""create table validated.status_events as select '{R}' as region_code, 'E1' as elder_id,
        'moved_away' as event, DATE '2022-07-10' as event_date""")
    c.execute(f"""create table validated.elders as select '{R}' as region_code, 'E1' as elder_id,
        'home_visits' as service_type, false as self_funded, 'elders.xlsx' as source_file, 2 as source_row""")
    c.execute("""create table quarantine.rows (region_code VARCHAR, ledger VARCHAR, month DATE, elder_id VARCHAR,
        source_file VARCHAR, source_row BIGINT, value VARCHAR, rule VARCHAR, reason VARCHAR)""")
    yield c
    c.close()


def test_a_visit_after_the_exit_never_counts_and_an_open_punch_counts_by_policy(con):
    """Default: V1 (open, no time) + V2 count = 2 visits, 60 minutes, 1 unrecorded, 1 medical; V3 is uncounted."""
    rules = {R: load_defaults()["visits"]}
    row = visit_totals(con, JULY, rules).to_dicts()[0]
    assert (row["visits"], row["minutes"], row["unrecorded_visits"], row["medical_visits"],
            row["uncounted_visits"]) == (2, 60.0, 1, 1, 1)
    strict = {R: overlay_policy(load_defaults(), {"visits": {"open_punch_counts": False}})["visits"]}
    row = visit_totals(con, JULY, strict).to_dicts()[0]
    assert (row["visits"], row["uncounted_visits"]) == (1, 2)  # only V2; V1 and V3 uncounted


def test_the_visit_after_the_exit_is_a_finding(con):
    found = visit_findings(con, JULY, {R: load_defaults()["visits"]})
    rules = dict(zip(found["visit_id"], found["rule"]))
    assert rules["V3"] == "visit_after_exit" and rules["V1"] == "open_punch"
