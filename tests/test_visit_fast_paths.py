"""The national-scale shortcuts of the visit path give exactly what the general code gives.

- month files whose punch times / durations are all in the export's own spelling skip the general parsers'
  other routes: same datetimes, minutes and flags;
- person-months of elders without status events are decided set-based: same scope, note, days and minimums as
  `scope_of` row by row;
- UTF-8 month files are validated without decoding them whole: same payload, head and encoding as `decode_text`.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from eldercare.visit_loader import parse_datetimes, parse_durations
from eldercare.compliance import VisitPolicy, person_months, scope_of
from eldercare.formats_polars import (
    datetime_expr, duration_is_garbage_expr, duration_is_unknown_expr, duration_minutes_expr,
)
from eldercare.readers import LedgerRefused, decode_text
from eldercare.visit_reader import HEAD_CHARS, decode_payload

D = dt.date

DURATIONS = [
    "1小时32分钟", "45分钟", "1小时", "0分钟", "00小时05分钟", "12小时", "123456分钟", "1小时60分钟", "1小时 5分钟",
    " 45分钟", "45 分钟", "1.5小时", "2h", "30min", "01:20", "90", "未记录时间", "", None, "abc", "1小时2分钟3秒",
    "１小时", "小时", "分钟", "1小时分钟", "99999小时99999分钟", "5分钟 ", "1小时32分钟x", "１２分钟", "10小时19分钟",
    "1个小时", "3分", "0小时0分钟", "1小时-5分钟", "-5分钟",
]


def _general_durations(values: list) -> list[tuple]:
    df = pl.DataFrame({"d": values}, schema={"d": pl.Utf8})
    return df.select(duration_minutes_expr("d").alias("minutes"), duration_is_unknown_expr("d").alias("unknown"),
                     duration_is_garbage_expr("d").alias("garbage")).rows()


@pytest.mark.parametrize("values", [
    DURATIONS,  # mixed: the general parser for every cell
    ["1小时32分钟", "45分钟", "1小时", "0分钟", "00小时05分钟", "12小时", "1小时60分钟", None, "99999小时99999分钟"],  # fast
    [None, None], [],
])
def test_duration_fast_route_matches_the_general_parser(values):
    got = parse_durations(pl.Series("d", values, dtype=pl.Utf8))
    assert got.columns == ["minutes", "unknown", "garbage"]
    assert got.rows() == _general_durations(values)


@pytest.mark.parametrize("values", [
    ["2022-06-01 08:30:00", None, "2022-02-30 08:00:00", "2022-06-01 23:59:59.5", "1999-12-31 00:00:00"],  # fast
    ["2022-06-01 08:30:00", "2022/6/1 8:30", "2022年6月1日 8:30", "44713.35", "not a time", None, " 2022-06-01 08:30:00"],
    [None], [],
])
def test_datetime_fast_route_matches_the_general_parser(values):
    series = pl.Series("t", values, dtype=pl.Utf8)
    assert parse_datetimes(series).to_list() == series.to_frame().select(datetime_expr("t")).to_series().to_list()


def _reference(month, elders, events, policies):
    """person_months' scope columns computed the slow way: scope_of for every candidate."""
    by_elder = {}
    for region, elder, event, date in events.iter_rows():
        by_elder.setdefault((region, elder), []).append((date, event))
    out = {}
    for rec in elders.iter_rows(named=True):
        policy = policies.get(rec["region_code"])
        if policy is None or rec["service_type"] not in ("home_visits", "both"):
            continue
        if month < policy.service_start.replace(day=1):
            continue
        scope, note, days, dim, share = scope_of(rec["service_type"], bool(rec["self_funded"]), rec["enrolled_on"],
                                                 by_elder.get((rec["region_code"], rec["elder_id"]), []), month, policy)
        mins = [None if m is None or scope != "in_scope" else m * share
                for m in (policy.min_visits, policy.min_minutes, policy.min_medical)]
        out[(rec["region_code"], rec["elder_id"])] = (scope, note, days, dim, *mins)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_set_based_person_months_match_scope_of_row_by_row(seed):
    rng = random.Random(seed)
    policies = {code: VisitPolicy(D(2022, rng.randint(1, 6), 1), D(2022, rng.randint(6, 12), 1),
                                  D(2022, rng.randint(1, 8), rng.choice([1, 1, 15])), rng.choice([15, None]),
                                  rng.choice([900.0, 600]), rng.choice([2, None]), rng.choice(["exclude", "prorate"]))
                for code in ("370306", "110102")}
    n = 400
    elders = pl.DataFrame({
        "region_code": [rng.choice(["370306", "110102", "000000"]) for _ in range(n)],
        "elder_id": [f"E{i}" for i in range(n)],
        "institution_id": [rng.choice(["J1", "J2"]) for _ in range(n)],
        "name_masked": [rng.choice(["张*", None]) for _ in range(n)],
        "service_type": [rng.choice(["both", "home_visits", "bed_only"]) for _ in range(n)],
        "self_funded": [rng.choice([False, False, True, None]) for _ in range(n)],
        "enrolled_on": [rng.choice([None, D(2021, 12, 1) + dt.timedelta(days=rng.randint(0, 400))]) for _ in range(n)],
    }, schema_overrides={"self_funded": pl.Boolean, "enrolled_on": pl.Date})
    events = pl.DataFrame([
        {"region_code": elders["region_code"][i], "elder_id": f"E{i}",
         "event": rng.choice(["died", "paused", "resumed", "moved_away", "institutionalised", "terminated"]),
         "event_date": D(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 360))} for i in rng.sample(range(n), 40)],
        schema={"region_code": pl.Utf8, "elder_id": pl.Utf8, "event": pl.Utf8, "event_date": pl.Date})
    totals = pl.DataFrame(schema={"region_code": pl.Utf8, "elder_id": pl.Utf8, "visits": pl.Int64, "minutes": pl.Float64,
                                  "unrecorded_visits": pl.Int64, "medical_visits": pl.Int64, "quarantined_rows": pl.Int64})
    for m in range(1, 13):
        month = D(2022, m, 1)
        got = person_months(month, elders, events, totals, policies)
        assert {(r["region_code"], r["elder_id"]): (r["scope"], r["scope_note"], r["days_in_service"], r["days_in_month"],
                                                    r["min_visits"], r["min_minutes"], r["min_medical_visits"])
                for r in got.iter_rows(named=True)} == _reference(month, elders, events, policies)


@pytest.mark.parametrize("data", [
    "服务记录编号,签到时间\nV1,2022-06-01 08:00:00\n".encode("utf-8"),
    b"\xef\xbb\xbf" + "服务记录编号\nV1\n".encode("utf-8"),
    "服务记录编号,服务对象编号\nV1,张三\n".encode("gb18030"),
    b"\xef\xbb\xbf",
    ("长" * (HEAD_CHARS + 7) + "\nV1\n").encode("utf-8"),
    ("a" * (HEAD_CHARS - 1) + "服务\n").encode("utf-8"),
])
def test_utf8_files_are_validated_not_decoded_whole(data):
    text, encoding = decode_text(data, "f.csv")
    assert decode_payload(data, "f.csv") == (text.encode("utf-8"), text[:HEAD_CHARS], encoding)


@pytest.mark.parametrize("data", [
    "服务记录编号,签到时间\r\nV1,2022-06-01 08:00:00\r\n".encode("utf-8"),
    "".join(f"第{k}行,x\n" for k in range(40)).encode("utf-8"),
    ("长" * (HEAD_CHARS + 7) + "\nV1\n").encode("utf-8"),
    "a\x0bb\rc\u2028d\ne\nf".encode("utf-8"),
    b"\xef\xbb\xbf" + "".join(f"{k}\n" for k in range(20)).encode("utf-8"),
])
@pytest.mark.parametrize("lines", [1, 3, 12])
def test_a_head_of_its_first_lines_holds_those_lines(data, lines):
    payload, head, encoding = decode_payload(data, "f.csv", head_lines=lines)
    assert (payload, encoding) == decode_payload(data, "f.csv")[::2]
    whole = decode_payload(data, "f.csv")[1]
    assert whole.startswith(head) and head.splitlines()[:lines] == whole.splitlines()[:lines]


@pytest.mark.parametrize("data", [b"", b"  \n", bytes([0x81, 0x20, 0xff, 0xfe])])
def test_unreadable_text_is_refused_the_same_way(data):
    with pytest.raises(LedgerRefused) as expected:
        decode_text(data, "f.csv")
    with pytest.raises(LedgerRefused) as got:
        decode_payload(data, "f.csv")
    assert got.value.reason == expected.value.reason


@pytest.mark.parametrize("unit, zone, early", [("us", None, False), ("ns", None, False), ("ms", "Asia/Shanghai", False),
                                               ("us", None, True)])
def test_parquet_timestamps_kept_typed_give_what_their_text_gives(tmp_path, unit, zone, early):
    from eldercare.visit_loader import parse_month_frame
    from eldercare.visit_reader import read_visit_file

    checkin = [dt.datetime(2022, 6, 1, 8, 30, 15, 999999), None, dt.datetime(1969, 12, 31, 23, 59, 59, 500000),
               dt.datetime(2022, 6, 30, 23, 59, 59), dt.datetime(1850 if early else 1900, 1, 1, 0, 0, 0)]
    checkout = [dt.datetime(2022, 6, 1, 9, 0), dt.datetime(2022, 6, 2, 9, 0), None, dt.datetime(2022, 7, 1, 0, 0, 1),
                dt.datetime(2022, 6, 3, 9, 0)]
    stamps = {"签到时间": checkin, "签退时间": checkout}
    raw = pl.DataFrame({"服务记录编号": ["V1", "V2", None, "合计", "V5"], "服务对象编号": ["E1", "E2", None, None, "E5"],
                        "服务机构": ["J1"] * 5, "护理员编号": ["C1"] * 5, "服务项目": ["生活照料"] * 5,
                        **{k: pl.Series(v, dtype=pl.Datetime(unit, zone)) for k, v in stamps.items()},
                        "服务时长": ["30分钟", None, "1小时", "未记录时间", "45"]})
    raw.write_parquet(tmp_path / "2022-06.parquet")
    vf = read_visit_file(tmp_path / "2022-06.parquet", "2022-06.parquet")
    assert (vf.frame.schema["checkin_at"] == pl.Utf8) == early  # out of the spelling's years: text, as before
    as_text = vf.frame.with_columns(  # what the reader used to hand over: every timestamp written out
        raw["签到时间"].dt.strftime("%Y-%m-%d %H:%M:%S").alias("checkin_at"),
        raw["签退时间"].dt.strftime("%Y-%m-%d %H:%M:%S").alias("checkout_at"))
    got, expected = parse_month_frame(vf.frame, vf.headers), parse_month_frame(as_text, vf.headers)
    assert got[0].equals(expected[0]) and got[1].equals(expected[1]) and got[2] == expected[2]


@pytest.mark.parametrize("tags, months", [
    ({"dagster/asset_partition_range_start": "2022-11-01", "dagster/asset_partition_range_end": "2023-02-01"},
     [D(2022, 11, 1), D(2022, 12, 1), D(2023, 1, 1), D(2023, 2, 1)]),
    ({"dagster/partition": "2022-06-01"}, [D(2022, 6, 1)]),
    ({}, None),  # a run without partitions (a check launched on its own): every stored month
])
def test_visit_row_checks_cover_the_months_the_run_wrote(tags, months):
    from eldercare.as_of import run_months
    assert run_months(tags) == months


@pytest.mark.parametrize("data", [
    ("服务记录编号,签到时间\r\n" + "V1,2022-06-01 08:00:00\r\n" * 20000).encode("utf-8"),
    b"\xef\xbb\xbf" + ("2022年6月\n服务记录编号\n" + "长" * (2 * HEAD_CHARS) + "\n" * 30).encode("utf-8"),
    ("".join(f"第{k}行\n" for k in range(5)) + "长" * 100_000).encode("utf-8"),
])
@pytest.mark.parametrize("lines", [1, 12])
def test_a_long_files_head_from_its_first_bytes_is_the_head_of_the_whole(tmp_path, data, lines):
    from eldercare.readers import read_head
    path = tmp_path / "2022-06.csv"
    path.write_bytes(data)
    assert read_head(path, lines) == decode_payload(data, "f.csv", head_lines=lines)[1:]


def test_a_long_file_not_in_utf8_is_left_to_be_read_whole(tmp_path):
    from eldercare.readers import read_head
    path = tmp_path / "2022-06.csv"
    path.write_bytes(("服务记录编号,服务对象编号\n" + "V1,张三\n" * 40000).encode("gb18030"))
    assert read_head(path, 12) is None
