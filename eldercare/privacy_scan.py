"""Scan everything a run writes for personal data in clear: ID numbers (18 characters, valid check digit) and the
names written in the raw ledgers. Plain code (no Dagster): `make scan` and the privacy test call it.

Where it looks: DuckDB files (every text column of every table), SQLite files (Dagster's run storage, event log and
schedules: every text and blob column), workbooks (every cell), and every other file as text (compute logs, CSV,
HTML, JSON, YAML, Markdown). Findings name the place and show the value masked, never in clear.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import duckdb

from eldercare.formats import id_number_problem, normalise_id_number
from eldercare.ledgers import ELDERS, alias_index, header_key
from eldercare.privacy import mask_id, mask_name
from eldercare.readers import HEADER_SCAN_ROWS, LedgerRefused, read_grids

# An 18-character ID number standing alone (not inside a longer run of digits or hex, such as a hash).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
ID_NUMBER_SQL = r"[0-9]{15}"  # DuckDB's first sieve (15- and 18-character numbers); Python decides
KNOWN_ID = re.compile(r"(?=([0-9]{17}[0-9X]|[0-9]{15}))")  # every 15/18-character window, overlapping
MIN_NAME_CHARS = 2  # a one-character "name" would match everywhere
SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at byte offset 8


@dataclass(frozen=True)
class Finding:
    """Personal data found in clear: where, what kind, and the value masked."""

    where: str
    kind: str  # id_number | name
    masked: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.masked}"


@dataclass(frozen=True)
class Known:
    """The names and ID numbers the raw ledgers hold: what must never reappear in clear."""

    names: frozenset[str]
    ids: frozenset[str]


def known_from_raw(raw_root: Path) -> Known:
    """Names and ID numbers of every elders ledger under a raw folder, read leniently: whatever the rest of the file
    looks like (refused files and regions hold personal data too), every cell under a 姓名 / 身份证号 header."""
    index = alias_index(ELDERS)
    names, ids = set(), set()
    for path in sorted(raw_root.glob("*/elders.*")):
        try:
            grids = read_grids(path, path.as_posix())
        except (LedgerRefused, OSError, zipfile.BadZipFile, ValueError):
            continue
        for grid in grids:
            for pos, (_, cells) in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
                wanted = {j: index.get(header_key(c)[0]) for j, c in enumerate(cells) if c is not None}
                wanted = {j: canon for j, canon in wanted.items() if canon in ("name", "id_number")}
                if not wanted:
                    continue
                for _, row in grid.rows[pos + 1:]:
                    for j, canon in wanted.items():
                        value = row[j] if j < len(row) else None
                        text = str(value).strip() if value is not None else ""
                        if canon == "name" and len(text) >= MIN_NAME_CHARS and not any(ch.isdigit() for ch in text):
                            names.add(text)  # a totals row's 共267人 is not a name
                        elif canon == "id_number" and (number := normalise_id_number(value)):
                            ids.add(number)
                break
    return Known(frozenset(names), frozenset(ids))


def valid_id_numbers(text: str) -> list[str]:
    """Every 18-character ID number with a valid check digit written in `text`."""
    return [m for m in ID_NUMBER.findall(text) if id_number_problem(m) is None]


class Scanner:
    """Finds known names and ID numbers (and any valid-looking ID number) in text, tables and files."""

    def __init__(self, known: Known):
        self.known = known
        names = sorted(known.names, key=len, reverse=True)
        self._names = re.compile("|".join(map(re.escape, names))) if names else None

    def text(self, text: str, where: str) -> list[Finding]:
        found = [Finding(where, "id_number", mask_id(n)) for n in dict.fromkeys(valid_id_numbers(text))]
        # the raw ledgers' own numbers, even with a wrong check digit or written with spaces
        compact = re.sub(r"\s", "", text).upper()
        shown = {f.masked for f in found}
        found += [Finding(where, "id_number", mask_id(n)) for n in dict.fromkeys(KNOWN_ID.findall(compact))
                  if n in self.known.ids and mask_id(n) not in shown]
        if self._names is not None:
            found += [Finding(where, "name", mask_name(n)) for n in dict.fromkeys(self._names.findall(text))]
        return found

    def values(self, values: Iterable[object], where: str) -> list[Finding]:
        out: dict[tuple, Finding] = {}
        for v in values:
            if v is None:
                continue
            text = bytes(v).decode("utf-8", errors="replace") if isinstance(v, (bytes, bytearray, memoryview)) else str(v)
            for f in self.text(text, where):
                out[(f.kind, f.masked)] = f
        return list(out.values())

    def duckdb_file(self, path: Path) -> list[Finding]:
        """Every text column of every table, set-based: DuckDB picks candidate values, Python checks them."""
        found = []
        con = duckdb.connect(str(path), read_only=True)
        try:
            names = sorted(self.known.names)
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where table_catalog = current_database() and (data_type in ('VARCHAR', 'JSON') "
                "or data_type like 'VARCHAR[]%') order by all").fetchall()
            for schema, table, column in columns:
                q = f"{_ident(schema)}.{_ident(table)}"
                c = f"{_ident(column)}::varchar"
                candidates = con.execute(
                    f"select distinct v from (select {c} as v from {q}) "
                    "where regexp_matches(regexp_replace(v, '\\s', '', 'g'), ?) "
                    "or exists (select 1 from unnest(?::varchar[]) as k(name) where contains(v, k.name))",
                    [ID_NUMBER_SQL, names]).fetchall()
                found += self.values((v for (v,) in candidates), f"{path}: {schema}.{table}.{column}")
        finally:
            con.close()
        return found

    def sqlite_file(self, path: Path) -> list[Finding]:
        """Every text or blob column of every table (Dagster's runs, event logs, schedules)."""
        found = []
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
            for table in tables:
                cols = con.execute(f"select * from {_ident(table)} limit 0").description or []
                for (col, *_rest) in cols:
                    rows = con.execute(f"select {_ident(col)} from {_ident(table)} "
                                       f"where typeof({_ident(col)}) in ('text', 'blob')")
                    found += self.values((v for (v,) in rows), f"{path}: {table}.{col}")
        finally:
            con.close()
        return found

    def workbook(self, path: Path) -> list[Finding]:
        import openpyxl

        found = []
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return self.text(path.read_bytes().decode("utf-8", errors="replace"), str(path))
        try:
            for ws in wb.worksheets:
                found += self.values((v for row in ws.iter_rows(values_only=True) for v in row),
                                     f"{path}: sheet {ws.title}")
        finally:
            wb.close()
        return found

    def file(self, path: Path) -> list[Finding]:
        head = path.open("rb").read(16)
        if head.startswith(SQLITE_MAGIC):
            return self.sqlite_file(path)
        if head[8:12] == DUCKDB_MAGIC:
            return self.duckdb_file(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return self.workbook(path)
        data = path.read_bytes()
        return self.text(data.decode("utf-8", errors="replace"), str(path))

    def paths(self, paths: Iterable[Path]) -> list[Finding]:
        """Every file under the given files and folders (missing ones are skipped)."""
        found = []
        for path in _files(paths):
            found += self.file(path)
        return found


def _ident(name: str) -> str:
    """A table or column name quoted for SQL (DuckDB and SQLite): names come from the files, never trusted."""
    return '"' + str(name).replace('"', '""') + '"'


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_file():
            yield p
        elif p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file() and not q.name.endswith((".wal", ".lock")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eldercare.privacy_scan",
                                     description="Find clear ID numbers and names in what a run wrote.")
    parser.add_argument("--raw", required=True, help="raw-data folder: the names and ID numbers to look for")
    parser.add_argument("paths", nargs="+", help="warehouse file, DAGSTER_HOME, exports folder, logs…")
    args = parser.parse_args(argv)
    known = known_from_raw(Path(args.raw))
    targets = [Path(p) for p in args.paths]
    findings = Scanner(known).paths(targets)
    scanned = sum(1 for _ in _files(targets))
    for f in findings:
        print(f)
    print(f"privacy scan: {scanned} files, {len(known.names)} names and {len(known.ids)} ID numbers looked for, "
          f"{len(findings)} found in clear")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
