"""Turn a small ledger's raw cells into typed rows, and every cell that cannot be read into a row issue.

Personal data is transformed here, at load: ID numbers become a keyed hash plus a 6+4 mask, names a mask.
Nothing downstream of this module ever sees them in clear.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from eldercare import formats
from eldercare.contract import Vocabulary
from eldercare.ledgers import Column, Ledger
from eldercare.privacy import keyed_hash, mask_id, mask_name
from eldercare.readers import FormulaWithoutValue, RawTable

TOTALS = re.compile(formats.TOTALS_RE)
PII_KINDS = ("id_number", "person_name")


@dataclass(frozen=True)
class RowIssue:
    """Why one raw row cannot enter a validated table: where it is, which column, what value, what to do."""

    source_row: int
    column: str | None
    header: str | None
    value: str | None
    rule: str
    reason: str


@dataclass
class Normalised:
    """Typed rows that parsed, the issues of rows that did not, and the blank rows skipped."""

    rows: pd.DataFrame
    issues: list[RowIssue]
    blank_rows: int
    rows_read: int


def display_value(value: object, kind: str) -> str | None:
    """A cell as shown in quarantine: personal data masked, everything else whole."""
    if value is None:
        return None
    text = repr(value) if isinstance(value, FormulaWithoutValue) else str(value)
    if kind == "id_number":
        return mask_id(formats.normalise_id_number(text) or text)
    if kind == "person_name":
        return mask_name(text.strip())
    return text


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and pd.isna(cell))


def parse_cell(kind: str, cell: object, unit: str | None = None,
               vocabulary: Vocabulary | None = None) -> tuple[object, str | None]:
    """One cell of a kind, the scalar way: (value, None), (None, reason), or (None, None) when blank."""
    if kind in ("text", "person_name"):
        return formats.clean_text(cell), None
    if kind == "code":
        return formats.clean_code(cell), None
    if kind in ("enum", "label"):
        return vocabulary.lookup(formats.clean_code(cell))
    if kind == "date":
        return formats.parse_date(cell)
    if kind == "datetime":
        return formats.parse_datetime(cell)
    if kind == "money":
        return formats.parse_money(cell, default_unit=unit or "元")
    if kind == "int":
        return formats.parse_int(cell)
    if kind == "bool":
        return formats.parse_bool(cell)
    if kind == "duration":
        d = formats.parse_duration_minutes(cell)
        return d.minutes, d.error
    if kind == "id_number":
        number = formats.normalise_id_number(cell)
        if number is None:
            return None, None
        problem = formats.id_number_problem(number)
        return (None, problem) if problem else (number, None)
    raise ValueError(f"unknown column kind {kind}")


def after_as_of_reason(header: str, value: object, as_of: dt.date) -> str:
    """What a clerk reads about a date that lies after the run's as-of date."""
    return (f"{header}: {value} is after the run's as-of date {as_of.isoformat()}: "
            "a date that cannot be in the future; check it")


def _after_as_of(col: Column, value: object, as_of: dt.date | None) -> bool:
    if as_of is None or value is None or not col.not_after_as_of:
        return False
    day = value.date() if isinstance(value, dt.datetime) else value
    return day > as_of


def normalise(raw: RawTable, ledger: Ledger, id_hash_key: str, as_of: dt.date | None = None) -> Normalised:
    """Parse every record of a raw ledger; rows with any unreadable cell become issues, the rest typed rows.
    With `as_of`, a date the contract says cannot lie in the future is an issue when it is after that day."""
    out: list[dict] = []
    issues: list[RowIssue] = []
    blank = 0
    columns = [c for c in ledger.columns if c.name in raw.headers]
    for number, cells in raw.records:
        if all(_is_blank(v) for v in cells.values()):
            blank += 1
            continue
        first_text = next((str(v) for v in cells.values() if not _is_blank(v)), "")
        if TOTALS.match(formats.to_halfwidth(first_text)):
            issues.append(RowIssue(number, None, None, first_text, "totals_row",
                                   f"totals row ('{first_text.strip()}'), not a record: delete it from the ledger"))
            continue
        row: dict = {"source_row": number}
        row_issues: list[RowIssue] = []
        unit_cell = formats.clean_code(cells.get("unit")) if "unit" in cells else None
        for col in columns:
            cell = cells.get(col.name)
            header = raw.headers.get(col.name)
            shown = display_value(cell, col.kind)
            if isinstance(cell, FormulaWithoutValue):
                row_issues.append(RowIssue(number, col.name, header, shown, "formula_without_value",
                                           f"{header}: {cell!r}; open and save the file in Excel, or type the value"))
                continue
            unit = (unit_cell if col.name == "amount_yuan" and unit_cell else None) or raw.units.get(col.name)
            value, error = parse_cell(col.kind, cell, unit, col.vocabulary)
            if error:
                row_issues.append(RowIssue(number, col.name, header, shown, f"bad_{col.kind}", f"{header}: {error}"))
                continue
            if value is None and col.required:
                row_issues.append(RowIssue(number, col.name, header, shown, "missing_required",
                                           f"{header}: required value is empty"))
                continue
            if _after_as_of(col, value, as_of):
                row_issues.append(RowIssue(number, col.name, header, str(value), "after_as_of",
                                           after_as_of_reason(header, value, as_of)))
                continue
            if col.kind == "person_name":
                row["name_masked"] = mask_name(value)
            else:
                row[col.name] = value
        if row_issues:
            issues.extend(row_issues)
            continue
        out.append(_protect(row, id_hash_key))
    frame = pd.DataFrame(out)
    return Normalised(frame, issues, blank, rows_read=len(raw.records) - blank)


def _protect(row: dict, key: str) -> dict:
    """Replace the ID number and name by their keyed hash and masks; fill birth date and sex from the ID."""
    number = row.pop("id_number", None)
    if number is not None:
        row["id_hash"] = keyed_hash(number, key)
        row["id_masked"] = mask_id(number)
        if row.get("birth_date") is None:
            row["birth_date"] = formats.birth_date_from_id(number)
        if row.get("sex") is None:
            row["sex"] = formats.sex_from_id(number)
    return row
