"""`make bench`'s what-if timing runs every policy variant over generated person-months (it broke once unnoticed)."""

from __future__ import annotations

from bench import whatif
from eldercare.compare import VARIANTS_DIR
from eldercare.compare.variants import load_variants


def test_whatif_times_every_variant_for_one_and_several_months(tmp_path):
    whatif.main(["--regions", "3", "--elders", "20", "--months", "2", "--repeat", "1", "--out", str(tmp_path)])
    lines = (tmp_path / "whatif.md").read_text(encoding="utf-8").splitlines()
    rows = [line.split("|")[1:3] for line in lines[2:]]
    variants = sorted(v.name for v in load_variants(VARIANTS_DIR))
    assert sorted((name.strip(), months.strip()) for name, months in rows) == sorted(
        (name, m) for name in variants for m in ("1", "2"))
    assert "| 2 | 120 |" in lines[-1]  # 3 regions × 20 elders × 2 months of person-months
