"""Deterministic generator of a national-scale raw folder: many regions, ~3M visit punch records a month.

Writes, for each of `regions` project regions, the ledgers the visit path needs in the contract's formats
(shared/ledgers.md): `region.yaml`, `institutions.xlsx`, `elders.csv` (CSV is allowed by the contract and is the
only sane choice at 5,000 elders a region), `status_events.csv`, and one visit file per month,
`visits/YYYY-MM.csv` or `.parquet` (platform exports). No beds, funds or survey: the national case is the visits.

At the defaults (42 regions × 5,000 elders, 95% of them visited ~15 times a month) one month of all regions is
about 3,000,000 rows. A small fraction of every month file is defective so that quarantine is exercised:
visits for elder ids not in the ledger, exact duplicate punches, check-out before check-in; open punches (no
check-out) are accepted rows, a finding. Same arguments and seed → byte-identical files. Everything is drawn
with numpy and assembled with polars: no Python loop per elder or per visit.

    python -m synth.national --out /tmp/national --months 2022-01 2022-12 --format parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from synth.sample import (
    FEMALE_CHARS, ID_CHECK, ID_WEIGHTS, MALE_CHARS, SURNAMES, TOWNSHIPS, Row, Table, save_xlsx,
)

DEFAULT_MONTHS = tuple(f"2022-{m:02d}" for m in range(1, 13))
# 31 provincial-level codes: region i gets a distinct 6-digit code built from them (never the sample's 370399).
PROVINCES = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
             54, 61, 62, 63, 64, 65)
ELDERS_PER_INSTITUTION = 400
ELDERS_PER_CAREGIVER = 5
GENERATOR_VERSION = 2  # in the manifest: raw folders of an older generator are regenerated, never reused
SERVICE_TYPES = (("两者", 0.70), ("居家上门服务", 0.25), ("家庭养老床位", 0.05))
HARDSHIP = (("低保", 0.55), ("低保边缘", 0.20), ("特困", 0.15), ("低收入", 0.10))
ABILITY = (("轻度失能", 0.25), ("中度失能", 0.36), ("重度失能", 0.26), ("完全失能", 0.13))
ITEMS = (("生活照料", 0.30), ("基础照护", 0.20), ("医疗护理", 0.10), ("健康管理", 0.15), ("康复辅助", 0.10),
         ("心理支持", 0.06), ("委托代办", 0.05), ("其他", 0.04))
# Planned visits per elder and month: mean 15.3, so after deaths, pauses and late enrolments ~15 remain and a
# realistic share of person-months falls below the minimum of 15.
PLANNED_VISITS = ((11, 0.03), (12, 0.04), (13, 0.06), (14, 0.09), (15, 0.33), (16, 0.25), (17, 0.12), (18, 0.08))
# One slot per elder of a caregiver: visits last at most 101 minutes and start within 15 minutes of their slot, so a
# caregiver is never at two homes at once (overlaps are a defect of real ledgers, not of the generator).
START_HOURS = np.array([8, 10, 13, 15, 17])
# Per month file, as shares of its rows.
DEFECT_RATES = {"unknown_elder": 0.0002, "duplicate_punch": 0.0005, "checkout_before_checkin": 0.0002,
                "open_punch": 0.001}
# Per elder over the whole period.
EVENT_RATES = {"去世": 0.010, "暂停": 0.008, "迁出": 0.002, "入住机构": 0.001}
SELF_FUNDED_RATE = 0.005
LATE_ENROLMENT_RATE = 0.02
ELDER_HEADERS = ("服务对象编号", "身份证号", "姓名", "性别", "出生日期", "所属镇街", "经济困难类型", "能力等级", "服务机构",
                 "服务类型", "纳入日期", "社会化")
EVENT_HEADERS = ("服务对象编号", "变更类型", "变更日期", "说明")
VISIT_HEADERS = ("服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长")
EVENT_NOTES = {"去世": "病故", "暂停": "住院治疗，暂停服务", "恢复": "出院，恢复服务", "迁出": "随子女迁往外地",
               "入住机构": "入住敬老院"}
EPOCH = dt.date(1970, 1, 1)


# ------------------------------------------------------------------------------------------------- helpers

def region_code(i: int) -> str:
    """The 6-digit 行政区划代码 of the i-th generated region (distinct for i < 3069)."""
    return f"{PROVINCES[i % len(PROVINCES)]}{i // len(PROVINCES) + 1:02d}{(i * 7) % 90 + 2:02d}"


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *parts])))


def _pick(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    values = np.array([p[0] for p in pairs])
    weights = np.array([p[1] for p in pairs], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _month_first(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def id_numbers(area: str, birth_days: np.ndarray, male: np.ndarray) -> list[str]:
    """18-character ID numbers with a valid GB 11643 check digit, unique within the area (vectorised)."""
    frame = pl.DataFrame({"b": _dates(birth_days), "male": male})
    # the k-th person (from 0) born on a given day gets sequence 2k+1 (men, odd) or 2k+2 (women, even)
    bodies = frame.select(
        pl.lit(area) + pl.col("b").dt.strftime("%Y%m%d")
        + (2 * pl.int_range(pl.len()).over("b", "male") + pl.when(pl.col("male")).then(1).otherwise(2))
        .cast(pl.Utf8).str.zfill(3))[:, 0]
    if bodies.str.len_chars().max() not in (None, 17):
        raise ValueError("too many people born on one day for unique ID numbers")
    digits = np.frombuffer("".join(bodies.to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - ord("0")
    checks = np.array(list(ID_CHECK))[(digits.astype(np.int64) @ np.array(ID_WEIGHTS)) % 11]
    return (bodies + pl.Series(checks)).to_list()


def _names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    n = len(male)
    surname = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    m, f = np.array(list(MALE_CHARS)), np.array(list(FEMALE_CHARS))
    first = np.where(male, m[rng.integers(0, len(m), n)], f[rng.integers(0, len(f), n)])
    second = np.where(male, m[rng.integers(0, len(m), n)], f[rng.integers(0, len(f), n)])
    second = np.where(rng.random(n) < 0.33, "", second)
    return pl.Series(np.char.add(np.char.add(surname, first), second))


# ------------------------------------------------------------------------------------------------- a region

def _region_yaml(code: str, i: int, months: list[str], elders: int, visited: int) -> str:
    return f"""region_code: "{code}"
name: 全国样本{i + 1:02d}区
project_year: {months[0][:4]}
service_start: "{months[0]}-01"
evaluation_window: ["{months[0]}", "{months[-1]}"]
minimums: {{visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}}
bed_subsidy_cap_yuan: 2500
targets: {{beds: {elders - visited}, service_person_times: {int(visited * 0.8)}, budget_wan: {elders * 0.36:.1f}, satisfaction_pct: 85}}
baseline: {{elders_60plus: {elders * 20}, low_income_elders: {elders}, disabled_low_income_elders: {elders // 8}, facilities: 40}}
"""


def build_region(code: str, i: int, elders_per_region: int, months: list[str], seed: int) -> dict:
    """The elders, institutions and status events of one region (numpy arrays and polars frames)."""
    rng = _rng(seed, i, 0)
    n = elders_per_region
    first, after = _month_first(months[0]), _next_month(_month_first(months[-1]))
    n_inst = max(1, round(n / ELDERS_PER_INSTITUTION))
    inst_ids = np.array([f"JG{k + 1:03d}" for k in range(n_inst)])
    male = rng.random(n) < 0.4
    birth = rng.integers(_day(dt.date(1930, 1, 1)), _day(dt.date(1960, 12, 31)), n)
    stype = _pick(rng, SERVICE_TYPES, n)
    visited = stype != "家庭养老床位"
    inst = rng.integers(0, n_inst, n)
    # enrolled before the service start; a few enrol during the period (out of scope until a whole month served)
    enrolled = rng.integers(_day(first) - 300, _day(first) - 1, n)
    late = rng.random(n) < LATE_ENROLMENT_RATE
    enrolled = np.where(late, rng.integers(_day(first) + 1, _day(after) - 1, n), enrolled)
    self_funded = np.where(visited & (rng.random(n) < SELF_FUNDED_RATE), "是",
                           np.where(rng.random(n) < 0.6, "否", ""))
    caregiver = np.char.add(np.char.add(np.char.add("C", inst_ids[inst]), "-"),
                            np.char.zfill((np.arange(n) // ELDERS_PER_CAREGIVER + 1).astype(str), 3))

    # status events: at most one per elder (plus its resumption), dated inside the period, after enrolment
    roll = rng.random(n)
    event = np.full(n, "", dtype=object)
    edge = 0.0
    for name, rate in EVENT_RATES.items():
        event[visited & (roll >= edge) & (roll < edge + rate)] = name
        edge += rate
    lo = np.maximum(enrolled, _day(first)) + 1
    event_day = lo + (rng.random(n) * np.maximum(_day(after) - 1 - lo, 1)).astype(np.int64)
    has_event = (event != "") & (event_day < _day(after))
    event[~has_event] = ""
    resumed = (event == "暂停") & (rng.random(n) < 0.5)
    resume_day = event_day + rng.integers(15, 61, n)
    resumed &= resume_day < _day(after)
    # active until gap_start, inactive in [gap_start, gap_end); no gap = int max
    never = np.iinfo(np.int64).max
    gap_start = np.where(has_event, event_day, never)
    gap_end = np.where(resumed, resume_day, never)
    ids = np.array([f"E{k + 1:05d}" for k in range(n)])
    events = pl.DataFrame({
        "服务对象编号": np.concatenate([ids[has_event], ids[resumed]]),
        "变更类型": np.concatenate([event[has_event], np.full(int(resumed.sum()), "恢复", dtype=object)]).astype(str),
        "_day": np.concatenate([event_day[has_event], resume_day[resumed]]),
    }).sort("_day", "服务对象编号")
    events = events.select("服务对象编号", "变更类型", pl.col("_day").cast(pl.Int32).cast(pl.Date).alias("变更日期"),
                           pl.col("变更类型").replace_strict(EVENT_NOTES).alias("说明"))
    elders = pl.DataFrame({
        "服务对象编号": ids,
        "身份证号": id_numbers(code, birth, male),
        "姓名": _names(rng, male),
        "性别": np.where(male, "男", "女"),
        "出生日期": _dates(birth),
        "所属镇街": np.array(TOWNSHIPS)[rng.integers(0, len(TOWNSHIPS), n)],
        "经济困难类型": _pick(rng, HARDSHIP, n),
        "能力等级": _pick(rng, ABILITY, n),
        "服务机构": inst_ids[inst],
        "服务类型": stype,
        "纳入日期": _dates(enrolled),
        "社会化": self_funded,
    }).with_columns(pl.col("社会化").replace("", None))
    return {"code": code, "index": i, "elders": elders, "events": events, "inst_ids": inst_ids,
            "visited": visited, "inst": inst, "enrolled": enrolled, "caregiver": caregiver, "ids": ids,
            "gap_start": gap_start, "gap_end": gap_end, "n_visited": int(visited.sum())}


def _duration_text(minutes: pl.Expr) -> pl.Expr:
    """Minutes as a platform writes them: 1小时20分钟, 45分钟, 1小时."""
    h, m = minutes // 60, minutes % 60
    return (pl.when(h > 0).then(h.cast(pl.Utf8) + pl.lit("小时")).otherwise(pl.lit(""))
            + pl.when((m > 0) | (h == 0)).then(m.cast(pl.Utf8) + pl.lit("分钟")).otherwise(pl.lit("")))


def month_visits(region: dict, month_index: int, month: str, seed: int) -> tuple[pl.DataFrame, dict[str, int]]:
    """One region's month file as a frame with the contract's Chinese headers, plus its defect counts."""
    rng = _rng(seed, region["index"], 1 + month_index)
    first = _month_first(month)
    days = (_next_month(first) - first).days
    served = np.flatnonzero(region["visited"])
    k = _pick(rng, PLANNED_VISITS, len(served)).astype(np.int64)
    elder = np.repeat(served, k)
    day = _day(first) + rng.integers(0, days, len(elder))
    # no visits before enrolment or during a gap (death, pause until resumption, move, institution)
    keep = (day >= region["enrolled"][elder]) & ~((day >= region["gap_start"][elder]) & (day < region["gap_end"][elder]))
    elder, day = elder[keep], day[keep]
    n = len(elder)
    start_s = (day * 86400 + START_HOURS[elder % ELDERS_PER_CAREGIVER] * 3600 + rng.integers(0, 900, n))
    minutes = rng.integers(30, 101, n)
    end_s = start_s + minutes * 60 + rng.integers(0, 60, n)
    frame = pl.DataFrame({
        "_elder": elder, "_in": start_s * 1_000_000, "_out": end_s * 1_000_000, "_min": minutes,
        "服务项目": _pick(rng, ITEMS, n),
    })
    counts = {}
    # defects, each on its own rows (never on top of another, so every defect is one quarantined row)
    order = rng.permutation(n)
    cuts = np.cumsum([0] + [max(int(round(n * DEFECT_RATES[d])), 1 if n >= 100 else 0) for d in DEFECT_RATES])
    picked = {d: order[cuts[j]:cuts[j + 1]] for j, d in enumerate(DEFECT_RATES)}
    flag = np.zeros(n, dtype=np.int8)
    for j, d in enumerate(DEFECT_RATES, start=1):
        flag[picked[d]] = j
        counts[d] = len(picked[d])
    frame = frame.with_columns(pl.Series("_flag", flag), pl.Series("_r", rng.random(n)))
    codes = {d: j for j, d in enumerate(DEFECT_RATES, start=1)}
    ids, inst_ids = region["ids"], region["inst_ids"]
    frame = frame.with_columns(
        pl.Series("服务对象编号", ids[elder]),
        pl.Series("服务机构", inst_ids[region["inst"][elder]]),
        pl.Series("护理员编号", region["caregiver"][elder]),
    ).with_columns(
        # an elder id that is not in elders.csv (E9xxxxx: the ledger numbers E00001…)
        pl.when(pl.col("_flag") == codes["unknown_elder"])
        .then(pl.lit("E9") + (pl.col("_r") * 100000).cast(pl.Int64).cast(pl.Utf8).str.zfill(5))
        .otherwise(pl.col("服务对象编号")).alias("服务对象编号"),
        # check-in and check-out swapped
        pl.when(pl.col("_flag") == codes["checkout_before_checkin"]).then(pl.col("_out")).otherwise(pl.col("_in"))
        .cast(pl.Datetime("us")).alias("签到时间"),
        pl.when(pl.col("_flag") == codes["open_punch"]).then(None)
        .when(pl.col("_flag") == codes["checkout_before_checkin"]).then(pl.col("_in")).otherwise(pl.col("_out"))
        .cast(pl.Datetime("us")).alias("签退时间"),
        pl.when(pl.col("_flag") == codes["open_punch"]).then(None).otherwise(_duration_text(pl.col("_min")))
        .alias("服务时长"),
    )
    # the platform exports in check-in order; ids are numbered in that order, exact copies follow their original
    frame = frame.sort("签到时间", "护理员编号", "_elder").with_row_index("_n", offset=1).with_columns(
        (pl.lit(f"V{month.replace('-', '')}") + pl.col("_n").cast(pl.Utf8).str.zfill(7)).alias("服务记录编号"))
    copies = frame.filter(pl.col("_flag") == codes["duplicate_punch"]).with_columns(
        (pl.col("_n") + (pl.col("_r") * 40).cast(pl.UInt32) + 1).alias("_n"))
    frame = pl.concat([frame, copies]).sort("_n", maintain_order=True)
    return frame.select(VISIT_HEADERS), counts


def _write_visits(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    else:
        frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S", include_bom=False)


def _write_institutions(folder: Path, region: dict) -> None:
    counts = np.bincount(region["inst"][~region["visited"]], minlength=len(region["inst_ids"]))
    rows = [Row([iid, f"全国样本{region['index'] + 1:02d}区第{k + 1}居家养老服务中心", "2021/12/20",
                 f"{(k % 5 + 3) * 10}万元", int(counts[k])]) for k, iid in enumerate(region["inst_ids"])]
    save_xlsx(folder / "institutions.xlsx",
               [Table("institutions.xlsx", "服务机构", [["机构编号", "机构名称", "合同签订日期", "合同金额", "计划床位数"]], rows)])


def generate(out_dir: Path | str, regions: int = 42, elders_per_region: int = 5000,
             months: list[str] | tuple[str, ...] = DEFAULT_MONTHS, visits_format: str = "csv", seed: int = 2022,
             progress=None, visit_months: list[str] | None = None) -> dict:
    """Write `regions` region folders under `out_dir` and return a manifest (codes, row and defect counts).

    `months` is the project period (service start, evaluation window, status events); visit files are written for
    `visit_months` (default: all of them), each the same rows whatever else is written. Visit files already present
    in the other format are removed, so a folder holds one format per month.
    """
    if visits_format not in ("csv", "parquet"):
        raise ValueError("visits_format must be csv or parquet")
    months = list(months)
    written = list(months) if visit_months is None else [m for m in months if m in set(visit_months)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"generator": GENERATOR_VERSION, "seed": seed, "regions": regions, "elders_per_region": elders_per_region, "months": months,
                "visit_months": written, "visits_format": visits_format, "region_codes": [], "elders": 0,
                "visited_elders": 0, "visit_rows": {m: 0 for m in written},
                "defects": {m: {d: 0 for d in DEFECT_RATES} for m in written},
                "status_events": 0}
    for i in range(regions):
        code = region_code(i)
        folder = out / code
        (folder / "visits").mkdir(parents=True, exist_ok=True)
        region = build_region(code, i, elders_per_region, months, seed)
        (folder / "region.yaml").write_bytes(
            _region_yaml(code, i, months, elders_per_region, region["n_visited"]).encode("utf-8"))
        _write_institutions(folder, region)
        region["elders"].write_csv(folder / "elders.csv", date_format="%Y-%m-%d")
        region["events"].write_csv(folder / "status_events.csv", date_format="%Y-%m-%d")
        manifest["region_codes"].append(code)
        manifest["elders"] += elders_per_region
        manifest["visited_elders"] += region["n_visited"]
        manifest["status_events"] += region["events"].height
        for j, month in enumerate(months):
            if month not in manifest["visit_rows"]:
                continue
            frame, counts = month_visits(region, j, month, seed)
            other = "csv" if visits_format == "parquet" else "parquet"
            (folder / "visits" / f"{month}.{other}").unlink(missing_ok=True)
            _write_visits(frame, folder / "visits" / f"{month}.{visits_format}", visits_format)
            manifest["visit_rows"][month] += frame.height
            for d, c in counts.items():
                manifest["defects"][month][d] += c
        if progress:
            progress(i + 1, regions)
    (out / "national_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), inclusive."""
    current, end, out = _month_first(first), _month_first(last), []
    while current <= end:
        out.append(current.strftime("%Y-%m"))
        current = _next_month(current)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="raw folder to write the region folders into")
    parser.add_argument("--regions", type=int, default=42)
    parser.add_argument("--elders-per-region", type=int, default=5000)
    parser.add_argument("--months", nargs=2, metavar=("FIRST", "LAST"), default=[DEFAULT_MONTHS[0], DEFAULT_MONTHS[-1]],
                        help="first and last month, YYYY-MM")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv", help="visit file format")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} regions  {time.perf_counter() - started:6.1f} s", end="", file=sys.stderr, flush=True)

    manifest = generate(args.out, args.regions, args.elders_per_region, month_range(*args.months), args.format,
                        args.seed, progress)
    print(file=sys.stderr)
    rows = sum(manifest["visit_rows"].values())
    print(f"{args.out}: {args.regions} regions, {manifest['elders']} elders, {rows} visit rows "
          f"({rows // len(manifest['months'])} a month, {args.format}) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
