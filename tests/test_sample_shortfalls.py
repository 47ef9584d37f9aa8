"""The sample region's person-months below 15 visits, recomputed here from the raw files by hand.

Independent of the code under test: the files are read with csv/openpyxl, dates with a regex, and the
evaluation's written rules (window, recipients, month of death/pause/move excluded) are applied in plain Python.
"""

import csv
import datetime as dt
import re
from collections import Counter

import openpyxl
import pytest

from conftest import SAMPLE, query
from synth.sample import generate

REGION = SAMPLE / "370399"
NOT_VISITS = {"unknown_elder", "duplicate_exact", "duplicate_id_conflict", "checkout_before_checkin", "other_month",
              "impossible_date", "totals_row", "blank_row"}
ENDS = {"去世", "迁出", "入住机构", "终止"}


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    y, m, d = (int(x) for x in re.findall(r"\d+", str(value))[:3])
    return dt.date(y, m, d)


def _sheet_rows(path):
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and "服务对象编号" in r)
    return [dict(zip(rows[start], r)) for r in rows[start + 1:]]


def _visit_rows(month: str) -> list[tuple[int, str]]:
    """(row number, elder id) of every line of a month file, whatever its format."""
    folder = REGION / "visits"
    path = next(folder.glob(f"{month}.*"))
    if path.suffix == ".xlsx":
        rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
        start = next(i for i, r in enumerate(rows) if r and "服务对象编号" in r)
        col = rows[start].index("服务对象编号")
        first_data = start + 2 if rows[start + 1][col] is None else start + 1  # two-row merged header
        return [(i + 1, r[col]) for i, r in enumerate(rows) if i >= first_data]
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" else (
        raw.decode("utf-8") if not _is_gb(raw) else raw.decode("gb18030"))
    lines = list(csv.reader(text.splitlines()))
    col = lines[0].index("服务对象编号")
    return [(i + 1, r[col] if len(r) > col else None) for i, r in enumerate(lines) if i > 0]


def _is_gb(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _out_of_scope(events: list[tuple[dt.date, str]], first: dt.date, after: dt.date) -> bool:
    if any(first <= d < after and e != "恢复" for d, e in events):
        return True  # the month of a death, pause, move, entry into an institution or termination
    state = "active"
    for d, e in sorted(events):
        if d < first:
            state = "active" if e == "恢复" else "out"
    return state == "out"


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> Counter:
    manifest = generate(tmp_path_factory.mktemp("m"))
    skip = {(d["file"], d["row"]) for d in manifest["defects"] if d["kind"] in NOT_VISITS}
    elders = {}
    for r in _sheet_rows(REGION / "elders.xlsx"):
        if r.get("服务对象编号") and str(r["服务对象编号"]).startswith("E") and r["服务对象编号"] not in elders:
            elders[r["服务对象编号"]] = r
    events: dict[str, list] = {}
    for r in _sheet_rows(REGION / "status_events.xlsx"):
        if r.get("服务对象编号"):
            events.setdefault(r["服务对象编号"], []).append((_date(r["变更日期"]), r["变更类型"]))
    below = Counter()
    for m in range(6, 13):
        month = f"2022-{m:02d}"
        first, after = dt.date(2022, m, 1), dt.date(2022 + m // 12, m % 12 + 1, 1)
        counts = Counter(e for n, e in _visit_rows(month) if (f"visits/{month}.csv", n) not in skip
                         and (f"visits/{month}.xlsx", n) not in skip and e)
        for elder, r in elders.items():
            if r["服务类型"] not in ("两者", "居家上门服务") or r.get("社会化") == "是":
                continue
            if _date(r["纳入日期"]) > first or _out_of_scope(events.get(elder, []), first, after):
                continue
            if counts[elder] < 15:
                below[(month, r["服务机构"])] += 1
    return below


def test_sample_shortfalls_match_a_hand_count_of_the_raw_files(sample_run, expected):
    _, warehouse, _ = sample_run
    got = Counter({(m, i): n for m, i, n in query(
        warehouse, "select strftime(month, '%Y-%m'), institution_id, person_months_below from metrics.visit_shortfalls "
                   "where metric = 'visits' and person_months_below > 0")})
    assert got == expected
    assert sum(expected.values()) > 300


def test_a_reviewer_can_list_every_person_month_of_one_institution(sample_run):
    """The README's query: every person-month of JG001 in July, counted or excluded, with its reason."""
    _, warehouse, _ = sample_run
    rows = query(warehouse, """
        select elder_id, name_masked, scope, scope_note, visits, minutes, unrecorded_visits, medical_visits,
               quarantined_rows, below_visits, below_minutes, below_medical_visits
        from metrics.elder_months where institution_id = 'JG001' and month = '2022-07-01' order by elder_id""")
    scopes = Counter(r[2] for r in rows)
    assert scopes["in_scope"] > 50 and sum(scopes.values()) == len(rows)
    assert all(r[3] for r in rows if r[2] not in ("in_scope", "self_funded", "not_home_service_recipient"))
    assert all("*" in r[1] for r in rows)
