"""The sample-region generator: byte-identical output per seed, and a manifest that matches what the files hold."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from synth.sample import generate

CODE = "370399"
HEADER_WORDS = {"服务对象编号", "服务记录编号", "机构编号", "问卷编号", "日期", "签到时间"}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _blank(cells) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _csv_rows(path: Path) -> list[list]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    return list(csv.reader(io.StringIO(text)))


def _sheet_rows(path: Path, sheet: str | None) -> list[list]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _grid(folder: Path, file: str, sheet: str | None) -> list[list]:
    path = folder / file
    return _csv_rows(path) if path.suffix == ".csv" else _sheet_rows(path, sheet)


def _header_rows(grid: list[list]) -> list[int]:
    """0-based indexes of the header row(s): rows among the first five that carry a known header word."""
    return [i for i, r in enumerate(grid[:5]) if any(str(c) in HEADER_WORDS for c in r if c is not None)]


def _data_rows(grid: list[list]) -> tuple[int, int, int]:
    """(data rows, blank rows, totals rows) below the last header row."""
    body = grid[_header_rows(grid)[-1] + 1:]
    blank = sum(_blank(r) for r in body)
    totals = sum(not _blank(r) and str(r[0]).strip() == "合计" for r in body)
    return len(body) - blank - totals, blank, totals


def _column(grid: list[list], name: str) -> int:
    for i in _header_rows(grid):
        if name in grid[i]:
            return grid[i].index(name)
    raise KeyError(name)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict, Path, dict]:
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    return a / CODE, generate(a, seed=2022), b / CODE, generate(b, seed=2022)


def test_same_seed_gives_byte_identical_files(generated):
    folder_a, manifest_a, folder_b, manifest_b = generated
    files_a, files_b = _files(folder_a), _files(folder_b)
    assert sorted(files_a) == sorted(files_b)
    assert "region.yaml" in files_a and "visits/2022-08.xlsx" in files_a
    for name, data in files_a.items():
        assert data == files_b[name], name
    assert manifest_a == manifest_b


def test_row_counts_in_the_manifest_match_the_files(generated):
    folder, manifest, *_ = generated
    counts = manifest["counts"]
    for key, expected in counts["rows"].items():
        file, _, sheet = key.partition("#")
        data, blank, totals = _data_rows(_grid(folder, file, sheet or None))
        assert data == expected, key
        assert blank == counts["blank_rows"].get(key, 0), key
        assert totals == counts["totals_rows"].get(key, 0), key
    for month, expected in counts["visits_per_month"].items():
        path = next((folder / "visits").glob(f"{month}.*"))
        assert _data_rows(_grid(folder, f"visits/{path.name}", None))[0] == expected
    assert counts["visits_total"] == sum(counts["visits_per_month"].values())


def test_elders_by_service_type_match_the_ledger(generated):
    folder, manifest, *_ = generated
    grid = _grid(folder, "elders.xlsx", None)
    col = _column(grid, "服务类型")
    found: dict[str, int] = {}
    for row in grid[_header_rows(grid)[-1] + 1:]:
        if not _blank(row) and row[0] != "合计":
            found[row[col]] = found.get(row[col], 0) + 1
    assert found == manifest["counts"]["elders_by_service_type"]


def test_every_defect_points_at_the_cell_it_names(generated):
    folder, manifest, *_ = generated
    grids: dict[tuple, list[list]] = {}
    for d in manifest["defects"]:
        key = (d["file"], d["sheet"])
        grid = grids.setdefault(key, _grid(folder, d["file"], d["sheet"]))
        row = grid[d["row"] - 1]
        if d["kind"] == "blank_row":
            assert _blank(row), d
        elif d["column"] is not None:
            j = _column(grid, d["column"])
            cell = row[j] if j < len(row) else None
            shown = None if cell is None or str(cell) == "" else str(cell)
            if isinstance(cell, (int, float)) and d["value"] is not None:
                assert float(cell) == float(d["value"]), d
            else:
                assert shown == d["value"], d


def test_seeded_defects_are_all_present(generated):
    _, manifest, *_ = generated
    kinds: dict[str, int] = {}
    for d in manifest["defects"]:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    assert kinds["bad_check_digit"] == 2 and kinds["legacy_15_digit_id"] == 1 and kinds["duplicate_id"] == 1
    assert kinds["unknown_elder"] == 7  # six visits and one bed
    assert kinds["duplicate_exact"] == 5 and kinds["duplicate_id_conflict"] == 1
    assert kinds["checkout_before_checkin"] == 4 and kinds["open_punch"] == 10
    assert kinds["other_month"] == 1 and kinds["impossible_date"] == 1
    assert kinds["visit_after_death"] == 3 and kinds["visit_during_pause"] == 2
    assert kinds["too_short"] == 1 and kinds["too_long"] == 1 and kinds["caregiver_overlap"] == 1
    assert kinds["blank_row"] == 3 and kinds["totals_row"] == 3
