"""The hostile-input corpus through the real validated layer: every case ends as the contract says, nothing is lost.

The cases (tests/corpus/cases.py) run in one materialisation of the validated assets (2022-07), as of 2023-06-30 (a
run recorded after the ledgers' dates: only a date after that, such as a death in 2099, is in the future).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from conftest import ALL_ASSETS, materialize_range, query
from corpus.cases import CASES, MONTH, Case, build

AS_OF = "2023-06-30"
BATCHES = {"corpus": list(CASES)}
BATCH_OF = {c.id: name for name, cases in BATCHES.items() for c in cases}


class Batch:
    """One materialisation of a batch of cases: its raw folder, warehouse, result and the rows written."""

    def __init__(self, base: Path, cases: list[Case]):
        self.raw, self.warehouse = base / "raw", base / "warehouse.duckdb"
        self.corpus = build(self.raw, cases)
        self.result = materialize_range(self.raw, self.warehouse, MONTH, selection=ALL_ASSETS, as_of=AS_OF)

    def tracebacks(self) -> list[str]:
        """Steps that failed with an exception (a refusal or quarantine is never one)."""
        return [e.step_key for e in self.result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> dict[str, Batch]:
    return {name: Batch(tmp_path_factory.mktemp(f"corpus_{name}"), cases) for name, cases in BATCHES.items()}


def _source(case: Case) -> str:
    return f"{case.folder or case.code}/{case.file}" if case.file else (case.folder or case.code)


def _params():
    def marks(c: Case) -> list:
        return [pytest.mark.xfail(strict=False, reason=c.known)] if c.known else []
    return [pytest.param(c, id=c.id, marks=marks(c)) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_case_ends_as_the_contract_says(batches, case: Case):
    batch = batches[BATCH_OF[case.id]]
    wh, source = batch.warehouse, _source(case)
    assert not batch.tracebacks(), f"steps failed: {batch.tracebacks()}"
    ledger = "region" if case.ledger == "regions" else case.ledger
    # a region refused for its region.yaml names that file; one refused for its folder names the folder
    refused = query(wh, "select source_file, reason from quarantine.refused_files "
                        "where source_file in (?, ? || '/region.yaml') and ledger = ?", [source, source, ledger])
    if case.expect == "refused":
        assert refused, f"{source} not refused; refusals: {query(wh, 'select * from quarantine.refused_files')}"
        [(_, reason)] = refused
        assert reason and (case.reason or "") in reason, reason
        if case.ledger != "regions":
            assert query(wh, f"select count(*) from validated.{case.ledger} where source_file = ?", [source]) == [(0,)]
        return
    assert refused == [], refused
    if case.expect == "loaded":
        if case.ledger != "regions":
            assert query(wh, "select rule, reason from quarantine.rows where source_file = ? and ledger = ?",
                         [source, ledger]) == []
        where = "region_code = ?" + (" and source_file = ?" if case.ledger == "visits" else "")
        params = [case.code] + ([source] if case.ledger == "visits" else [])
        [(ok,)] = query(wh, f"select {case.fact} from validated.{case.ledger} where {where}", params)
        assert ok, f"{case.fact} does not hold for {source}"
        return
    assert case.expect == "quarantined"
    for row, header, rule in case.rows:
        found = query(wh, "select column_header, rule, reason from quarantine.rows where source_file = ? "
                          "and source_row = ?", [source, row])
        assert any(h == header and (not rule or r == rule) and reason for h, r, reason in found), (row, found)
        assert query(wh, f"select count(*) from validated.{case.ledger} where source_file = ? and source_row = ?",
                     [source, row]) == [(0,)]


LEDGER_BY_STEM = {"institutions": "institutions", "elders": "elders", "status_events": "status_events",
                  "beds": "beds", "bed_items": "bed_items", "funds": "funds", "survey": "survey"}


def _ledger(rel: str) -> str:
    if rel.endswith("#items"):
        return "bed_items"
    parts = rel.split("/")
    return "visits" if parts[1] == "visits" else LEDGER_BY_STEM[parts[1].rsplit(".", 1)[0]]


def accounting(batch: Batch) -> dict[str, int]:
    """Rows written (counted by the corpus writer) against rows found valid or quarantined, file by file."""
    wh = batch.warehouse
    refused_files = {f for (f,) in query(wh, "select source_file from quarantine.refused_files")}
    refused_files |= {f.split("/")[0] for (f,) in query(
        wh, "select source_file from quarantine.refused_files where ledger = 'region'")}
    refused_ledgers = {(f.split("/")[0], l) for f, l in query(
        wh, "select source_file, ledger from quarantine.refused_files where ledger not in ('region', 'visits')")}
    totals = {"files": 0, "rows in": 0, "valid": 0, "quarantined": 0, "lost": 0, "refused files": 0,
              "rows in refused files": 0}
    for rel, written in sorted(batch.corpus.rows.items()):
        source, ledger = rel.split("#")[0], _ledger(rel)
        region = rel.split("/")[0]
        if source in refused_files or region in refused_files or (region, ledger) in refused_ledgers:
            totals["refused files"] += 1
            totals["rows in refused files"] += written
            continue
        valid = query(wh, f"select count(*) from validated.{ledger} where source_file = ?", [source])[0][0]
        bad = query(wh, "select count(distinct source_row) from quarantine.rows where source_file = ? and ledger = ?",
                    [source, ledger])[0][0]
        totals["files"] += 1
        totals["rows in"] += written
        totals["valid"] += valid
        totals["quarantined"] += bad
        totals["lost"] += abs(written - valid - bad)
    totals["tracebacks"] = len(batch.tracebacks())
    return totals


def _line(name: str, t: dict[str, int]) -> str:
    return (f"corpus {name}: {t['files']} files, rows in {t['rows in']} / valid {t['valid']} / quarantined "
            f"{t['quarantined']} / lost = {t['lost']}; {t['refused files']} files refused whole "
            f"({t['rows in refused files']} rows, each file named with its reason); tracebacks {t['tracebacks']}")


def test_corpus_summary_nothing_lost_no_traceback(batches, capsys):
    """The whole corpus: rows in = valid + quarantined for every file, 0 lost, 0 tracebacks."""
    t = accounting(batches["corpus"])
    with capsys.disabled():
        print("\n" + _line(f"({len(BATCHES['corpus'])} cases)", t))
    assert t["lost"] == 0 and t["tracebacks"] == 0
    assert t["rows in"] > 100 and t["refused files"] >= 10
