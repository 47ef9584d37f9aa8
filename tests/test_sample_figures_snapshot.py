"""The sample's figures are behaviour: any change to a figure, a shortfall count or a rubric total is deliberate.

Issue 9 asked that restructuring change no figure; this snapshot makes that checkable for every later change
(UPDATE_SNAPSHOTS=1 writes it; the test fails when it is missing). Values are rounded to 9 significant digits.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import query

SNAPSHOT = Path(__file__).parent / "snapshots" / "sample_figures.txt"
SQL = """
select 'figure', region_code, coalesce(institution_id, '-'), metric, coalesce(printf('%.9g', value), why_not)
from metrics.figures
union all
select 'shortfall', region_code, institution_id, strftime(month, '%Y-%m') || ' ' || metric, printf('%d', person_months_below)
from metrics.visit_shortfalls
union all
select 'score', region_code, subject, rubric || ' ' || level, coalesce(printf('%.9g', points), '-') || ' ' ||
       coalesce(grade, '-')
from scores.totals where depth = 0
order by all
"""


def test_the_samples_figures_match_the_snapshot(sample_run):
    _, warehouse, _ = sample_run
    current = "".join(" | ".join(map(str, row)) + "\n" for row in query(warehouse, SQL))
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: run UPDATE_SNAPSHOTS=1 pytest {__file__} and review it"
    assert current == SNAPSHOT.read_text(encoding="utf-8")
