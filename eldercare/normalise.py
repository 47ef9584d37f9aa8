"""Turn a small ledger's raw cells into typed rows, and every cell that cannot be read into a row issue.

Personal data is transformed here, at load: ID numbers become a keyed hash plus a 6+4 mask, names a mask.
Nothing downstream of this module ever sees them in clear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from eldercare import formats
from eldercare import formats_polars as fp
from eldercare.contract import Vocabulary
from eldercare.ledgers import Column, Ledger
from eldercare.privacy import keyed_hashes, mask_id, mask_name
from eldercare.readers import FormulaWithoutValue, RawTable, cell_text

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

    rows: pl.DataFrame
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


UNKNOWN_REFERENCE = "{header}: '{value}' is not in {target}: add it there or correct the code"


def unknown_reference(column: str, known) -> pl.Expr:
    """True where `column` is set but not among the keys `known` (a polars Series or a collection; None = none)."""
    if known is None:
        return pl.col(column).is_not_null()
    values = known if isinstance(known, pl.Series) else sorted(known)
    return pl.col(column).is_not_null() & ~pl.col(column).is_in(values)


def unknown_reference_reason(header: str, target: str, value: pl.Expr) -> pl.Expr:
    """`UNKNOWN_REFERENCE` as a polars expression of the cell `value`."""
    pre, post = UNKNOWN_REFERENCE.format(header=header, value="\0", target=target).split("\0")
    return pl.lit(pre) + value + pl.lit(post)


def after_as_of_reason(header: str, value: object, as_of: dt.date) -> str:
    """What a clerk reads about a date that lies after the run's as-of date."""
    return (f"{header}: {value} is after the run's as-of date {as_of.isoformat()}: "
            "a date that cannot be in the future; check it")


def _after_as_of(col: Column, value: object, as_of: dt.date | None) -> bool:
    if as_of is None or value is None or not col.not_after_as_of:
        return False
    day = value.date() if isinstance(value, dt.datetime) else value
    return day > as_of


def _raw_frame(raw: RawTable, names: list[str]) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """The records as one text column per canonical column (plus `source_row` and `_pos`), and per column the
    positions of formula cells without a value. A workbook's typed cells become text the way a CSV would hold them
    (the only per-cell Python step, and only for workbooks)."""
    data: dict[str, list] = {"source_row": raw.row_numbers()}
    formulas: dict[str, list[int]] = {}
    for name in names:
        values = raw.column(name)
        if not raw.all_text and not all(v is None or type(v) is str for v in values):
            formulas[name] = [p for p, v in enumerate(values) if isinstance(v, FormulaWithoutValue)]
            values = [None if isinstance(v, FormulaWithoutValue) else cell_text(v) for v in values]
        data[name] = values
    schema = {"source_row": pl.Int64, **{n: pl.Utf8 for n in names}}
    return pl.DataFrame(data, schema=schema).with_row_index("_pos"), formulas


def _value_expr(col: Column) -> pl.Expr:
    """The vectorised parser of a column's kind (money is parsed per distinct cell, see `_money`)."""
    name = col.name
    if col.kind in ("text", "person_name"):
        return fp.text_expr(name)
    if col.kind in ("enum", "label"):
        code = fp.code_expr(name)
        spellings = col.vocabulary.spellings
        if col.vocabulary.closed:
            return code.replace_strict(spellings, default=None, return_dtype=pl.Utf8).alias(name)
        return code.replace(spellings).alias(name)
    exprs = {"code": fp.code_expr, "date": fp.date_expr, "datetime": fp.datetime_expr, "int": fp.int_expr,
             "bool": fp.bool_expr, "duration": fp.duration_minutes_expr, "id_number": fp.valid_id_number_expr}
    return exprs[col.kind](name)


def _money(frame: pl.DataFrame, col: Column, raw: RawTable) -> pl.Series:
    """Money in 元, parsed once per distinct (cell, unit): amounts repeat, and exact decimal rounding is the scalar
    parser's; the unit is the row's unit column (funds), else the header's (金额（万元）), else 元."""
    header_unit = raw.units.get(col.name)
    unit = (fp.code_expr("unit") if col.name == "amount_yuan" and "unit" in frame.columns else pl.lit(None, pl.Utf8))
    pairs = frame.select(pl.col(col.name).alias("cell"),
                         pl.coalesce(unit, pl.lit(header_unit, pl.Utf8)).fill_null("元").alias("unit"))
    distinct = pairs.unique().filter(pl.col("cell").is_not_null())
    parsed = [formats.parse_money(cell, default_unit=u if u in ("元", "万元") else "元").value
              for cell, u in distinct.iter_rows()]
    table = distinct.with_columns(pl.Series("value", parsed, dtype=pl.Float64))
    return pairs.join(table, on=["cell", "unit"], how="left", maintain_order="left")["value"].alias(col.name)


def normalise(raw: RawTable, ledger: Ledger, id_hash_key: str, as_of: dt.date | None = None) -> Normalised:
    """Parse every record of a raw ledger, column by column (polars); rows with any unreadable cell become issues,
    the rest typed rows. With `as_of`, a date the contract says cannot lie in the future is an issue when it is
    after that day. The scalar parsers run only on the cells that fail, to say why."""
    columns = [c for c in ledger.columns if c.name in raw.headers]
    names = list(raw.headers)
    frame, formula_positions = _raw_frame(raw, names)
    blank_mask = pl.all_horizontal([fp.text_expr(n).is_null() for n in names]) if names else pl.lit(True)
    blank = frame.filter(blank_mask).height
    frame = frame.filter(~blank_mask)
    formulas = {c.name: formula_positions.get(c.name, []) for c in columns}
    first = pl.coalesce([pl.when(fp.text_expr(n).is_not_null()).then(pl.col(n)) for n in names])
    frame = frame.with_columns(first.alias("_first"))
    totals = frame.filter(pl.col("_first").str.replace_many(formats.FULLWIDTH_CHARS, formats.HALFWIDTH_CHARS)
                          .str.contains(formats.TOTALS_RE))
    frame = frame.filter(~pl.col("_pos").is_in(totals["_pos"]))
    issues = [RowIssue(row, None, None, text, "totals_row",
                       f"totals row ('{text.strip(formats.WHITE_SPACE)}'), not a record: delete it from the ledger")
              for row, text in totals.select("source_row", "_first").iter_rows()]
    values = frame.select("_pos", "source_row", *[
        _money(frame, c, raw) if c.kind == "money" else _value_expr(c) for c in columns])
    given = frame.select([(fp.text_expr(c.name) if c.kind in ("text", "person_name") else fp.code_expr(c.name))
                          .is_not_null().alias(c.name) for c in columns])

    def cell_at(pos: int, name: str) -> object:
        cells, j = raw.rows[pos][1], raw.positions.get(name)
        return cells[j] if j is not None and j < len(cells) else None

    for col in columns:
        header = raw.headers.get(col.name)
        failed = values.filter((given[col.name] & values[col.name].is_null())
                               | pl.col("_pos").is_in(sorted(formulas[col.name])))
        formula_rows = set(formulas[col.name])
        for pos, number in failed.select("_pos", "source_row").iter_rows():
            cell = cell_at(pos, col.name)
            shown = display_value(cell, col.kind)
            if pos in formula_rows:
                issues.append(RowIssue(number, col.name, header, shown, "formula_without_value",
                                       f"{header}: {cell!r}; open and save the file in Excel, or type the value"))
                continue
            unit = raw.units.get(col.name)
            if col.name == "amount_yuan" and "unit" in raw.positions:
                unit = formats.clean_code(cell_at(pos, "unit")) or unit
            _, error = parse_cell(col.kind, cell, unit, col.vocabulary)
            issues.append(RowIssue(number, col.name, header, shown, f"bad_{col.kind}",
                                   f"{header}: {error or 'cannot be read'}"))
        if col.required:
            missing = values.filter(~given[col.name] & ~pl.col("_pos").is_in(list(formula_rows)))
            for number, in missing.select("source_row").iter_rows():
                issues.append(RowIssue(number, col.name, header, None, "missing_required",
                                       f"{header}: required value is empty"))
        if col.not_after_as_of and as_of is not None:
            day = values[col.name].dt.date() if col.kind == "datetime" else values[col.name]
            future = values.filter(day > as_of)
            for number, value in future.select("source_row", col.name).iter_rows():
                issues.append(RowIssue(number, col.name, header, str(value), "after_as_of",
                                       after_as_of_reason(header, value, as_of)))
    bad_rows = {i.source_row for i in issues}
    rows = values.filter(~pl.col("source_row").is_in(list(bad_rows))).drop("_pos")
    rows = _protect(rows, columns, id_hash_key)
    issues.sort(key=lambda i: (i.source_row, [c.name for c in columns].index(i.column) if i.column else -1))
    return Normalised(rows, issues, blank, rows_read=len(raw.rows) - blank)


def _protect(rows: pl.DataFrame, columns: list[Column], key: str) -> pl.DataFrame:
    """Replace the ID number and name by their keyed hash and masks; fill birth date and sex from the ID."""
    for col in columns:
        if col.kind == "person_name":
            name = pl.col(col.name)
            n = name.str.len_chars()
            middle = name.str.slice(1, n - 2).str.replace_all("(?s).", "*")
            rows = rows.with_columns(
                pl.when(n == 1).then(pl.lit("*")).when(n == 2).then(name.str.slice(0, 1) + pl.lit("*"))
                .otherwise(pl.concat_str([name.str.slice(0, 1), middle, name.str.slice(-1, 1)]))
                .alias("name_masked")).drop(col.name)
        if col.kind == "id_number":
            number = pl.col(col.name)  # valid 18-character numbers only: every other one is an issue
            hashes = keyed_hashes(rows[col.name].to_list(), key)  # HMAC: no polars expression for it
            born = number.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
            sex = pl.when(number.str.slice(16, 1).cast(pl.Int64) % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))
            fill = [(pl.col("birth_date").is_null() | (pl.col("birth_date") == born)).fill_null(True)
                    if "birth_date" in rows.columns else pl.lit(True)]
            fill[0] = fill[0].alias("birth_date_matches_id")
            if "birth_date" in rows.columns:
                fill.append(pl.coalesce(pl.col("birth_date"), born).alias("birth_date"))
            else:
                fill.append(born.alias("birth_date"))
            fill.append((pl.coalesce(pl.col("sex"), sex) if "sex" in rows.columns else sex).alias("sex"))
            rows = rows.with_columns(
                pl.Series("id_hash", hashes, dtype=pl.Utf8),
                pl.concat_str([number.str.slice(0, 6), pl.lit("*" * 8), number.str.slice(14, 4)]).alias("id_masked"),
                *fill).drop(col.name)
    return rows
