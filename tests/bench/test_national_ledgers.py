"""The national raw folder holds every ledger of the contract: beds, bed items, funds and survey beside the visits."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.generators import generate
from bench.national_ledgers import add_ledgers
from eldercare.ledgers import LEDGERS, alias_index, header_key

MONTHS = ["2022-01", "2022-02", "2022-03"]
# Optional survey columns of the raw-ledger contract (elder_id, aware) that the ledger definition may not list yet.
OPTIONAL_SURVEY_HEADERS = {"服务对象编号", "政策知晓"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    """Two regions × 100 elders (one institution each), one month of visits, plus the added ledgers."""
    folder = tmp_path_factory.mktemp("national")
    generate(folder, regions=2, elders_per_region=100, months=MONTHS, visit_months=MONTHS[:1], seed=7)
    add_ledgers(folder, seed=7)
    return folder


def test_every_region_gets_every_ledger_with_headers_the_contract_recognises(raw):
    for region in sorted(p for p in raw.iterdir() if p.is_dir()):
        for ledger in ("beds", "bed_items", "funds", "survey"):
            path = region / f"{ledger}.csv"
            assert path.exists(), path
            headers = next(csv.reader(path.open(encoding="utf-8")))
            known = alias_index(LEDGERS[ledger])
            canonical = {known[header_key(h)[0]] for h in headers if header_key(h)[0] in known}
            unknown = {h for h in headers if header_key(h)[0] not in known}
            assert unknown <= (OPTIONAL_SURVEY_HEADERS if ledger == "survey" else set()), (path, unknown)
            required = {c.name for c in LEDGERS[ledger].columns if c.required}
            assert required <= canonical, (path, required - canonical)


def test_row_counts_follow_the_elders_of_each_region(raw):
    for region in sorted(p for p in raw.iterdir() if p.is_dir()):
        elders = _rows(region / "elders.csv")
        with_bed = {e["服务对象编号"] for e in elders if e["服务类型"] in ("家庭养老床位", "两者")}
        beds = _rows(region / "beds.csv")
        known = [b for b in beds if b["服务对象编号"] in with_bed]
        # one bed per elder registered for a bed; the rest are the seeded beds of unknown elders (E9xxxxx)
        assert sorted(b["服务对象编号"] for b in known) == sorted(with_bed)
        assert all(b["服务对象编号"].startswith("E9") for b in beds if b["服务对象编号"] not in with_bed)
        items = _rows(region / "bed_items.csv")
        # 2 to 5 items per bed of a known elder, none for the unknown elders' beds
        assert 2 * len(with_bed) <= len(items) <= 5 * len(with_bed)
        assert {i["服务对象编号"] for i in items} == with_bed
        # one institution per region at 100 elders: 3 下达 + 3 到位 rows, 3 拨付 + 2 支出 rows for the institution
        funds = _rows(region / "funds.csv")
        assert len(funds) == 3 + 3 + 3 + 2
        assert sorted(f["类型"] for f in funds) == sorted(["下达"] * 3 + ["到位"] * 3 + ["拨付"] * 3 + ["支出"] * 2)
        # 5% of the institution's 100 elders = 5 questionnaires (minimum 3), distinct numbers
        survey = _rows(region / "survey.csv")
        assert len(survey) == 5
        assert len({s["问卷编号"] for s in survey}) == 5


def test_each_ledger_carries_at_least_one_seeded_defect(raw):
    text = {name: "".join((r / f"{name}.csv").read_text(encoding="utf-8") for r in raw.iterdir() if r.is_dir())
            for name in ("beds", "bed_items", "funds", "survey")}
    assert "\nE9" in text["beds"]            # a bed of an elder not in elders.csv
    assert ",其他改造," in text["bed_items"]  # a category outside the vocabulary
    assert ",待定," in text["funds"]          # an amount that is not money
    assert ",F," in text["survey"]           # an answer that is not A–E


def test_same_folder_and_seed_give_the_same_files(raw, tmp_path):
    before = {p: p.read_bytes() for p in raw.glob("*/*.csv")}
    add_ledgers(raw, seed=7)
    assert {p: p.read_bytes() for p in raw.glob("*/*.csv")} == before
