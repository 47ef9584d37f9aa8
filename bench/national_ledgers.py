"""Add the other ledgers of the contract (beds, bed items, funds, survey) to a raw folder the national generator wrote.

The national generator writes region.yaml, institutions, elders, status events and visits only. This reads the
generated elders of every region at once and draws, seeded and vectorised (numpy + polars, no Python loop per row,
institution or region; one loop over regions only to write their files):

  beds.csv        one bed per elder registered for 家庭养老床位 or 两者 (most completed and accepted, a few late,
                  not completed, failed or paid above the accepted amount), plus a few beds for unknown elders;
  bed_items.csv   2–5 renovation items, devices or aids per bed (the bed's accepted amount is their sum);
  funds.csv       per region 下达 / 到位 by source, per institution 拨付 and 支出 for beds and home visits;
  survey.csv      questionnaires of ~5% of the elders of each institution (at least 3), letters or words.

A few rows of each ledger break one row rule so that quarantine is exercised (DEFECTS: counted in the manifest).
Same folder and seed → byte-identical files.

    python -m bench.national_ledgers --raw /tmp/national [--seed 2022]
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

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generators import BED_ITEMS

BED_HEADERS = ("服务对象编号", "服务机构", "计划完成日期", "实际开工日期", "实际完成日期", "验收日期", "验收结果", "验收金额",
               "实际支付金额", "已享受适老化改造")
BED_ITEM_HEADERS = ("服务对象编号", "类别", "项目名称", "数量", "金额（元）", "是否个性化", "已录入信息系统")
FUND_HEADERS = ("日期", "类型", "资金来源", "拨付对象", "金额", "单位", "文号", "用途")
SURVEY_HEADERS = ("问卷编号", "服务机构", "调查日期", *(f"第{i}题" for i in range(1, 7)), "有效", "服务对象编号", "政策知晓")
LEDGER_FILES = {"beds": "beds.csv", "bed_items": "bed_items.csv", "funds": "funds.csv", "survey": "survey.csv"}
HEADERS = {"beds": BED_HEADERS, "bed_items": BED_ITEM_HEADERS, "funds": FUND_HEADERS, "survey": SURVEY_HEADERS}

BED_SERVICE_TYPES = ("家庭养老床位", "两者")
HOME_SERVICE_TYPES = ("居家上门服务", "两者")
# Beds: shares of beds (each bed at most one of the first three).
NOT_COMPLETED_RATE, FAILED_RATE, OVERPAID_RATE, RENOVATED_RATE = 0.03, 0.02, 0.02, 0.01
ITEMS_PER_BED = (2, 5)
HOME_VISIT_BUDGET_YUAN = 3600.0  # per home-service elder and year, what an institution is paid for the visits
ALLOCATION_SHARES = {"中央": 0.6, "省级": 0.3, "县级": 0.1}  # 下达 by source; 到位 = RECEIVED_SHARE of each
RECEIVED_SHARE = 0.98
SURVEY_RATE, SURVEY_MIN_PER_INSTITUTION = 0.05, 3
SURVEY_WORDS = ("非常满意", "满意", "一般", "不满意", "非常不满意")
SURVEY_ANSWER_WEIGHTS = (0.60, 0.32, 0.06, 0.02, 0.0)
INVALID_QUESTIONNAIRE_RATE, AWARE_RATE = 0.03, 0.88
# Rows breaking one row rule, as shares of the ledger's rows (at least one of each in the whole folder).
DEFECTS = {
    "beds": ("unknown_elder", 0.001),          # a bed for an elder id not in elders.csv (extra rows, no items)
    "bed_items": ("unknown_category", 0.0005),  # 类别 outside the vocabulary
    "funds": ("not_an_amount", 0.005),         # 金额 '待定'
    "survey": ("unknown_answer", 0.002),       # 第3题 'F'
}
EPOCH = dt.date(1970, 1, 1)


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 9000 + part])))


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _date_text(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d")


def _money_text(values: pl.Expr) -> pl.Expr:
    """An amount as a ledger writes it: two decimals (cents), no unit (the header or 单位 says 元)."""
    return values.round(2).map_batches(lambda s: pl.Series(np.char.mod("%.2f", s.to_numpy())), return_dtype=pl.Utf8)


def _defect_rows(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Indices of the rows given a defect: round(n × rate), at least one when there are rows."""
    k = min(n, max(1, round(n * rate))) if n else 0
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.array([], dtype=np.int64)


def read_elders(raw: Path) -> pl.DataFrame:
    """Every region's generated elders (region_code, elder_id, institution_id, service_type, self_funded), sorted."""
    frame = pl.scan_csv(str(raw / "*" / "elders.csv"), infer_schema=False, include_file_paths="_path")
    return frame.select(
        pl.col("_path").str.extract(r"([0-9]{6})[/\\]elders\.csv$", 1).alias("region_code"),
        pl.col("服务对象编号").alias("elder_id"), pl.col("服务机构").alias("institution_id"),
        pl.col("服务类型").alias("service_type"), (pl.col("社会化") == "是").fill_null(False).alias("self_funded"),
    ).sort("region_code", "elder_id").collect()


def make_beds(elders: pl.DataFrame, first: dt.date, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
    """beds and bed_items frames (contract headers, plus region_code) and their defect counts."""
    rng = _rng(seed, 1)
    owners = elders.filter(pl.col("service_type").is_in(BED_SERVICE_TYPES))
    n = owners.height
    planned = _day(first) + rng.integers(30, 150, n)
    started = planned - rng.integers(10, 60, n)
    completed = started + rng.integers(5, 60, n)  # after 计划完成日期 for about half of the beds
    roll = rng.random(n)
    not_completed = roll < NOT_COMPLETED_RATE
    failed = (roll >= NOT_COMPLETED_RATE) & (roll < NOT_COMPLETED_RATE + FAILED_RATE)
    overpaid = (roll >= NOT_COMPLETED_RATE + FAILED_RATE) & (roll < NOT_COMPLETED_RATE + FAILED_RATE + OVERPAID_RATE)
    renovated = rng.random(n) < RENOVATED_RATE
    accepted_on = completed + rng.integers(3, 20, n)

    # items: 2–5 per bed, amount = unit price × quantity; the bed's accepted amount is their sum
    k = rng.integers(ITEMS_PER_BED[0], ITEMS_PER_BED[1] + 1, n)
    bed_of = np.repeat(np.arange(n), k)
    m = len(bed_of)
    catalogue = np.arange(len(BED_ITEMS))
    pick = rng.choice(catalogue, size=m)
    price = np.array([p for _, _, p, _ in BED_ITEMS])[pick]
    top = np.array([t for _, _, _, t in BED_ITEMS])[pick]
    qty = 1 + (rng.random(m) * top).astype(np.int64)
    amount = np.round(price * qty, 2)
    total = np.round(np.bincount(bed_of, weights=amount, minlength=n), 2)
    paid = np.where(overpaid, total + 100.0 * rng.integers(3, 9, n), total)

    beds = owners.select("region_code", "elder_id", "institution_id").with_columns(
        pl.Series("planned", planned), pl.Series("started", started), pl.Series("completed", completed),
        pl.Series("accepted_on", accepted_on), pl.Series("nc", not_completed), pl.Series("failed", failed),
        pl.Series("total", total), pl.Series("paid", paid), pl.Series("renovated", renovated))
    beds = beds.select(
        "region_code",
        pl.col("elder_id").alias("服务对象编号"), pl.col("institution_id").alias("服务机构"),
        _date_text(pl.col("planned")).alias("计划完成日期"),
        # a bed not completed has started (60%) or not
        pl.when(pl.col("nc") & (pl.col("started") % 5 < 2)).then(None).otherwise(_date_text(pl.col("started")))
        .alias("实际开工日期"),
        pl.when(pl.col("nc")).then(None).otherwise(_date_text(pl.col("completed"))).alias("实际完成日期"),
        pl.when(pl.col("nc")).then(None).otherwise(_date_text(pl.col("accepted_on"))).alias("验收日期"),
        pl.when(pl.col("nc")).then(None).when(pl.col("failed")).then(pl.lit("不合格")).otherwise(pl.lit("合格"))
        .alias("验收结果"),
        pl.when(pl.col("nc")).then(None).otherwise(_money_text(pl.col("total"))).alias("验收金额"),
        pl.when(pl.col("nc") | pl.col("failed")).then(None).otherwise(_money_text(pl.col("paid")))
        .alias("实际支付金额"),
        pl.when(pl.col("renovated")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("已享受适老化改造"),
    )
    # defect: beds for elders who are not in elders.csv (ids E9xxxxx; the ledger numbers E00001…), copied from others
    unknown = _defect_rows(rng, n, DEFECTS["beds"][1])
    extra = beds[unknown].with_columns(
        (pl.lit("E9") + pl.Series(rng.integers(0, 100000, len(unknown))).cast(pl.Utf8).str.zfill(5))
        .alias("服务对象编号"))
    beds = pl.concat([beds, extra]).sort("region_code", "服务对象编号", maintain_order=True)

    bed_elder = owners["elder_id"].to_numpy()[bed_of]
    bed_region = owners["region_code"].to_numpy()[bed_of]
    category = np.array([c for c, _, _, _ in BED_ITEMS], dtype=object)[pick]
    bad = _defect_rows(rng, m, DEFECTS["bed_items"][1])
    category[bad] = "其他改造"
    items = pl.DataFrame({
        "region_code": bed_region, "服务对象编号": bed_elder, "类别": category.astype(str),
        "项目名称": np.array([i for _, i, _, _ in BED_ITEMS])[pick], "数量": qty,
        "金额（元）": np.char.mod("%.2f", amount),
        "是否个性化": np.where(rng.random(m) < 0.25, "是", "否"),
        "已录入信息系统": np.where(rng.random(m) < 0.9, "是", "否"),
    })
    return beds, items, len(unknown), len(bad)


def make_funds(elders: pl.DataFrame, beds: pl.DataFrame, first: dt.date, last_day: dt.date,
               seed: int) -> tuple[pl.DataFrame, int]:
    """funds frame (contract headers, plus region_code): 下达/到位 per region and source, 拨付/支出 per institution."""
    rng = _rng(seed, 2)
    paid_beds = (beds.filter(~pl.col("服务对象编号").str.starts_with("E9"))
                 .group_by("region_code", pl.col("服务机构").alias("institution_id"))
                 .agg(pl.col("实际支付金额").cast(pl.Float64).sum().alias("beds_yuan")))
    home = (elders.group_by("region_code", "institution_id")
            .agg((pl.col("service_type").is_in(HOME_SERVICE_TYPES) & ~pl.col("self_funded")).sum().alias("home")))
    inst = (home.join(paid_beds, on=["region_code", "institution_id"], how="left")
            .with_columns(pl.col("beds_yuan").fill_null(0.0),
                          (pl.col("home") * HOME_VISIT_BUDGET_YUAN).alias("visits_yuan"))
            .sort("region_code", "institution_id"))
    n = inst.height
    spent_share = rng.uniform(0.85, 0.97, n)
    year = first.year
    span = _day(last_day) - _day(first)

    def day(offset_share: float) -> pl.Expr:
        return _date_text(pl.lit(_day(first) + int(span * offset_share)))

    seq = pl.int_range(pl.len()).over("region_code") + 1
    per_inst = [
        ("拨付", "中央", pl.col("beds_yuan"), "家庭养老床位", 0.35, pl.lit("民拨〔") + str(year) + "〕" + seq.cast(pl.Utf8) + "号"),
        ("拨付", "中央", (pl.col("visits_yuan") * 0.6).round(2), "上门服务", 0.25,
         pl.lit("民拨〔") + str(year) + "〕" + (seq + 1000).cast(pl.Utf8) + "号"),
        ("拨付", "省级", pl.col("visits_yuan") - (pl.col("visits_yuan") * 0.6).round(2), "上门服务", 0.65,
         pl.lit("民拨〔") + str(year) + "〕" + (seq + 2000).cast(pl.Utf8) + "号"),
        ("支出", "中央", pl.col("beds_yuan"), "家庭养老床位", 0.40, pl.lit("记账凭证") + seq.cast(pl.Utf8) + "-1"),
        ("支出", "省级", (pl.col("visits_yuan") * pl.Series(spent_share)).round(2), "上门服务", 0.95,
         pl.lit("记账凭证") + seq.cast(pl.Utf8) + "-2"),
    ]
    frames = [inst.select(
        "region_code", day(when).alias("日期"), pl.lit(kind).alias("类型"), pl.lit(source).alias("资金来源"),
        pl.col("institution_id").alias("拨付对象"), amount.alias("_yuan"), pl.lit("元").alias("单位"),
        doc.alias("文号"), pl.lit(purpose).alias("用途"))
        for kind, source, amount, purpose, when, doc in per_inst]
    totals = inst.group_by("region_code").agg((pl.col("beds_yuan") + pl.col("visits_yuan")).sum().alias("need"))
    for j, (source, share) in enumerate(ALLOCATION_SHARES.items()):
        allocated = (pl.col("need") * 1.05 * share).round(2)
        frames.append(totals.select(
            "region_code", day(0.0).alias("日期"), pl.lit("下达").alias("类型"), pl.lit(source).alias("资金来源"),
            pl.lit(None, pl.Utf8).alias("拨付对象"), allocated.alias("_yuan"),
            pl.lit("万元" if j == 0 else "元").alias("单位"),  # the central allocation written in 万元
            pl.lit(f"财社〔{year}〕{58 + j}号").alias("文号"), pl.lit(None, pl.Utf8).alias("用途")))
        frames.append(totals.select(
            "region_code", day(0.1 + 0.1 * j).alias("日期"), pl.lit("到位").alias("类型"),
            pl.lit(source).alias("资金来源"), pl.lit(None, pl.Utf8).alias("拨付对象"),
            (allocated * RECEIVED_SHARE).round(2).alias("_yuan"), pl.lit("元").alias("单位"),
            pl.lit(f"财社〔{year}〕{58 + j}号").alias("文号"), pl.lit(None, pl.Utf8).alias("用途")))
    funds = pl.concat(frames).sort("region_code", "日期", "类型", "拨付对象", maintain_order=True)
    funds = funds.with_columns(
        pl.when(pl.col("单位") == "万元").then((pl.col("_yuan") / 10000).map_batches(
            lambda s: pl.Series(np.char.mod("%.6f", s.to_numpy())), return_dtype=pl.Utf8))
        .otherwise(_money_text(pl.col("_yuan"))).alias("金额"))
    bad = _defect_rows(rng, funds.height, DEFECTS["funds"][1])
    flag = np.zeros(funds.height, dtype=bool)
    flag[bad] = True
    funds = funds.with_columns(pl.when(pl.Series(flag)).then(pl.lit("待定")).otherwise(pl.col("金额")).alias("金额"))
    return funds.select("region_code", *FUND_HEADERS), len(bad)


def make_survey(elders: pl.DataFrame, last_month: dt.date, seed: int) -> tuple[pl.DataFrame, int]:
    """survey frame (contract headers, plus region_code): ~5% of each institution's elders, at least 3."""
    rng = _rng(seed, 3)
    n = elders.height
    picked = (elders.with_columns(pl.Series("_key", rng.random(n)))
              .with_columns(pl.col("_key").rank("ordinal").over("region_code", "institution_id").alias("_rank"),
                            pl.len().over("region_code", "institution_id").alias("_size"))
              .filter(pl.col("_rank") <= pl.max_horizontal((pl.col("_size") * SURVEY_RATE).ceil().cast(pl.UInt32),
                                                           pl.lit(SURVEY_MIN_PER_INSTITUTION, pl.UInt32)))
              .sort("region_code", "institution_id", "elder_id"))
    m = picked.height
    answers = rng.choice(5, size=(m, 6), p=np.array(SURVEY_ANSWER_WEIGHTS) / sum(SURVEY_ANSWER_WEIGHTS))
    words = rng.random(m) < 0.5
    spelled = np.where(words[:, None], np.array(SURVEY_WORDS)[answers], np.array(list("ABCDE"))[answers])
    bad = _defect_rows(rng, m, DEFECTS["survey"][1])
    spelled[bad, 2] = "F"
    days = (last_month.replace(day=28) - last_month).days
    survey = picked.select(
        "region_code",
        (pl.lit("WJ") + (pl.int_range(pl.len()).over("region_code") + 1).cast(pl.Utf8).str.zfill(6)).alias("问卷编号"),
        pl.col("institution_id").alias("服务机构"),
        _date_text(pl.lit(_day(last_month)) + pl.Series(rng.integers(0, days + 1, m))).alias("调查日期"),
        *(pl.Series(f"第{q + 1}题", spelled[:, q]) for q in range(6)),
        pl.Series("有效", np.where(rng.random(m) < INVALID_QUESTIONNAIRE_RATE, "否", "是")),
        pl.col("elder_id").alias("服务对象编号"),
        pl.Series("政策知晓", np.where(rng.random(m) < AWARE_RATE, "是", "否")),
    )
    return survey, len(bad)


def _months(raw: Path, months: list[str] | None) -> list[str]:
    if months:
        return list(months)
    return json.loads((raw / "national_manifest.json").read_text(encoding="utf-8"))["months"]


def add_ledgers(raw: Path | str, seed: int = 2022, months: list[str] | None = None) -> dict:
    """Write beds.csv, bed_items.csv, funds.csv and survey.csv into every region folder of `raw`; return their counts.

    `months` is the project period (default: the generator's manifest); the counts are also added to the manifest.
    """
    raw = Path(raw)
    months = _months(raw, months)
    first = dt.date.fromisoformat(f"{months[0]}-01")
    last_month = dt.date.fromisoformat(f"{months[-1]}-01")
    last_day = (last_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elders = read_elders(raw)
    beds, items, bad_beds, bad_items = make_beds(elders, first, seed)
    funds, bad_funds = make_funds(elders, beds, first, last_day, seed)
    survey, bad_survey = make_survey(elders, last_month, seed)
    frames = {"beds": beds, "bed_items": items, "funds": funds, "survey": survey}
    for name, frame in frames.items():
        for (code,), part in frame.partition_by("region_code", as_dict=True, maintain_order=True).items():
            part.select(HEADERS[name]).write_csv(raw / code / LEDGER_FILES[name])
    counts = {
        "rows": {name: frame.height for name, frame in frames.items()},
        "defects": {"beds": {DEFECTS["beds"][0]: bad_beds}, "bed_items": {DEFECTS["bed_items"][0]: bad_items},
                    "funds": {DEFECTS["funds"][0]: bad_funds}, "survey": {DEFECTS["survey"][0]: bad_survey}},
        "seed": seed,
    }
    manifest_path = raw / "national_manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["ledgers"] = counts
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, type=Path, help="a raw folder the national generator wrote")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = add_ledgers(args.raw, args.seed)
    print(f"{args.raw}: " + ", ".join(f"{k} {v:,}" for k, v in counts["rows"].items())
          + f" rows in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
