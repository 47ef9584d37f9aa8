"""Scan exported files for personal data in clear: valid 18-character ID numbers, and names not masked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
NAME_HEADERS = ("姓名",)
MASKED_NAME = re.compile(r"^.\*+.?$")


def valid_id_number(text: str) -> bool:
    """GB 11643 check digit (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(text[:17], WEIGHTS))
    return CHECK[total % 11] == text[17].upper()


@dataclass(frozen=True)
class Leak:
    file: str
    where: str  # sheet!cell, or the character offset in a text file
    kind: str  # id_number | unmasked_name | clear_name
    excerpt: str  # masked: never the leaked value itself


def _texts(path: Path):
    """(where, text) of every cell of a workbook, or of the text file as a whole."""
    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            name_cols: set[int] = set()
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None or not hasattr(c, "column"):
                        continue
                    text = str(c.value)
                    if text in NAME_HEADERS:
                        name_cols.add(c.column)
                    yield f"{ws.title}!{c.coordinate}", text, c.column in name_cols and text not in NAME_HEADERS
        wb.close()
    else:
        yield "text", path.read_text(encoding="utf-8", errors="replace"), False


def scan_file(path: Path | str, clear_names: set[str] | frozenset = frozenset()) -> list[Leak]:
    """Leaks in one export: an ID number with a valid check digit anywhere; under a 姓名 header a value that is not
    masked (张*华); anywhere, one of `clear_names` (names known from the raw ledgers, in tests)."""
    path = Path(path)
    leaks = []
    for where, text, is_name in _texts(path):
        for m in ID_NUMBER.finditer(text):
            if valid_id_number(m.group()):
                leaks.append(Leak(str(path), where, "id_number", m.group()[:6] + "********" + m.group()[-4:]))
        if is_name and not MASKED_NAME.match(text.strip()):
            leaks.append(Leak(str(path), where, "unmasked_name", text[:1] + "*"))
        for name in clear_names:
            if len(name) >= 2 and name in text:
                leaks.append(Leak(str(path), where, "clear_name", name[:1] + "*"))
    return leaks


def scan_exports(root: Path | str, clear_names: set[str] | frozenset = frozenset()) -> list[Leak]:
    """Every .xlsx, .html, .json and .csv under the exports folder (the data docs included)."""
    out = []
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and path.suffix in (".xlsx", ".html", ".json", ".csv", ".txt", ".md"):
            out += scan_file(path, clear_names)
    return out
