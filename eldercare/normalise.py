"""Turn the raw cells of a small ledger's files into typed rows, and every cell that cannot be read into a row issue.

Personal data is transformed here, at load: ID numbers become a keyed hash plus a 6+4 mask, names a mask.
Nothing downstream of this module ever sees them in clear.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
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


ISSUE_SCHEMA = {"_file": pl.Int64, "source_row": pl.Int64, "column": pl.Utf8, "header": pl.Utf8, "value": pl.Utf8,
                "rule": pl.Utf8, "reason": pl.Utf8}


ELDER_ID_SCHEMA = {"_file": pl.Int64, "source_row": pl.Int64, "elder_id": pl.Utf8}


@dataclass
class Normalised:
    """Typed rows that parsed (`_file`: the file's index among the tables given), a frame of the issues of rows that
    did not (`ISSUE_SCHEMA`, in file, row and column order), per file the blank rows skipped and records read, and
    the elder each record names (`_file`, `source_row`, `elder_id`; empty for a ledger without one), so that a row
    set aside in quarantine still says whose it is."""

    rows: pl.DataFrame
    issues: pl.DataFrame
    blank_rows: list[int]
    rows_read: list[int]
    elder_ids: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ELDER_ID_SCHEMA))


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


def filled(template: str, **parts: pl.Expr | str) -> pl.Expr:
    """A reason template as a polars expression: each `{name}` given becomes its expression (or literal text) per
    row; everything else, other braces included, stays literal."""
    def piece(text: str) -> pl.Expr:
        if not (text.startswith("{") and text[1:-1] in parts):
            return pl.lit(text)
        value = parts[text[1:-1]]
        return pl.lit(value, pl.Utf8) if isinstance(value, str) else value.cast(pl.Utf8)

    names = "|".join(re.escape("{" + name + "}") for name in parts)
    return pl.concat_str([piece(text) for text in re.split(f"({names})", template) if text])


def unknown_reference_reason(header: str | pl.Expr, target: str, value: pl.Expr) -> pl.Expr:
    """`UNKNOWN_REFERENCE` as a polars expression of the cell `value` (and of the header, when it varies by file)."""
    return filled(UNKNOWN_REFERENCE, header=header, value=value, target=target)


QUARANTINED_REFERENCE = ("{header}: '{value}' is in {target} only on a row set aside in quarantine "
                         "({file} row {row}): correct that row first")


def unresolved_reference(header: str | pl.Expr, target: str, value: pl.Expr) -> list[pl.Expr]:
    """`rule` and `reason` of rows whose reference resolves to no valid row, after `with_quarantined_row`:
    `reference_in_quarantine` naming the target's quarantined row, else `unknown_reference`."""
    set_aside = pl.col("_q_file").is_not_null()
    return [pl.when(set_aside).then(pl.lit("reference_in_quarantine")).otherwise(pl.lit("unknown_reference"))
            .alias("rule"),
            pl.when(set_aside).then(filled(QUARANTINED_REFERENCE, header=header, value=value, target=target,
                                           file=pl.col("_q_file"), row=pl.col("_q_row")))
            .otherwise(unknown_reference_reason(header, target, value)).alias("reason")]


def with_quarantined_row(rows: pl.DataFrame, quarantined: pl.DataFrame | None, column: str) -> pl.DataFrame:
    """`rows` with `_q_file` / `_q_row`: the first quarantined row of the target that has the row's key (null when
    the target never had it), joined for every region at once."""
    if quarantined is None or not quarantined.height:
        return rows.with_columns(pl.lit(None, pl.Utf8).alias("_q_file"), pl.lit(None, pl.Int64).alias("_q_row"))
    first = (quarantined.select(pl.col("region_code").cast(pl.Utf8), pl.col(quarantined.columns[1]).cast(pl.Utf8)
                                .alias(column), pl.col("source_file").alias("_q_file"),
                                pl.col("source_row").cast(pl.Int64).alias("_q_row"))
             .sort("region_code", column, "_q_file", "_q_row").unique(["region_code", column], keep="first"))
    return rows.join(first, on=["region_code", column], how="left", maintain_order="left")


def flag_unknown(rows: pl.DataFrame, keys: pl.DataFrame, column: str, flag: str) -> pl.DataFrame:
    """`rows` with `flag`: True where `column` is set but not a key of the row's region in `keys` (a frame of
    region_code and key) — one join for every region at once, rows kept in their order."""
    known = (keys.select(pl.col("region_code").cast(pl.Utf8), pl.col(keys.columns[-1]).cast(pl.Utf8).alias(column))
             .unique().with_columns(pl.lit(True).alias("_known")))
    return (rows.join(known, on=["region_code", column], how="left", maintain_order="left")
            .with_columns((pl.col(column).is_not_null() & pl.col("_known").is_null()).alias(flag)).drop("_known"))


def after_as_of_reason(header: str, value: object, as_of: dt.date) -> str:
    """What a clerk reads about a date that lies after the run's as-of date."""
    return (f"{header}: {value} is after the run's as-of date {as_of.isoformat()}: "
            "a date that cannot be in the future; check it")


def by_file(values: list, dtype=pl.Utf8) -> pl.Expr:
    """One value per file (its index in `_file`), as an expression over rows: headers, units, region codes."""
    if len(set(values)) <= 1:
        return pl.lit(values[0] if values else None, dtype)
    return pl.col("_file").replace_strict(dict(enumerate(values)), default=None, return_dtype=dtype)


def _raw_frame(tables: list[RawTable], names: list[str]) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """The records of every file as one text column per canonical column (null where a file lacks it), with
    `_file`, `source_row`, `_local` (position in its file) and `_pos`, and per column the positions of formula cells
    without a value. CSV frames read by polars are joined as they are (one concat for a run of them, not a step per
    file); a workbook's typed cells become text the way a CSV would hold them (the only per-cell Python step)."""
    schema = {"_file": pl.Int64, "source_row": pl.Int64, "_local": pl.Int64, **{n: pl.Utf8 for n in names}}
    parts: list[pl.DataFrame] = []
    formulas: dict[str, list[int]] = {n: [] for n in names}
    offset, run = 0, []  # run: consecutive files read by polars, joined at once

    def close_run() -> None:
        if run:
            frames = [tables[i].frame for i in run]
            heights = [f.height for f in frames]
            joined = pl.concat(frames, how="diagonal_relaxed")  # columns: source_row and some of `names`
            starts = np.repeat(np.cumsum([0] + heights[:-1]), heights)
            parts.append(joined.with_columns(
                pl.Series("_file", np.repeat(run, heights), dtype=pl.Int64),
                pl.Series("_local", np.arange(sum(heights)) - starts, dtype=pl.Int64),
                *[pl.lit(None, pl.Utf8).alias(n) for n in names if n not in joined.columns]).select(list(schema)))
            run.clear()

    for i, raw in enumerate(tables):
        n = raw.height
        if raw.frame is not None:
            run.append(i)
            offset += n
            continue
        close_run()
        data: dict[str, list] = {"_file": [i] * n, "source_row": raw.row_numbers(), "_local": range(n)}
        for name in names:
            if name not in raw.positions:
                data[name] = [None] * n
                continue
            values = raw.column(name)
            if not raw.all_text and not all(v is None or type(v) is str for v in values):
                formulas[name] += [offset + p for p, v in enumerate(values) if isinstance(v, FormulaWithoutValue)]
                values = [None if isinstance(v, FormulaWithoutValue) else cell_text(v) for v in values]
            data[name] = values
        parts.append(pl.DataFrame(data, schema=schema))
        offset += n
    close_run()
    frame = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=schema)
    return frame.with_row_index("_pos").with_columns(pl.col("_pos").cast(pl.Int64)), formulas


def _first_cell(tables: list[RawTable]) -> pl.Expr:
    """The first cell written in a record, its file's columns taken in their order in that file."""
    orders: dict[tuple[str, ...], list[int]] = {}
    for i, raw in enumerate(tables):
        orders.setdefault(tuple(raw.headers), []).append(i)
    firsts = [(pl.coalesce([pl.when(fp.text_expr(n).is_not_null()).then(pl.col(n)) for n in order]), files)
              for order, files in orders.items()]
    if len(firsts) == 1:
        return firsts[0][0]
    return pl.coalesce([pl.when(pl.col("_file").is_in(files)).then(first) for first, files in firsts])


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


def _money(frame: pl.DataFrame, col: Column, header_unit: pl.Expr) -> pl.Series:
    """Money in 元, parsed once per distinct (cell, unit): amounts repeat, and exact decimal rounding is the scalar
    parser's; the unit is the row's unit column (funds), else its file's header's (金额（万元）), else 元."""
    unit = (fp.code_expr("unit") if col.name == "amount_yuan" and "unit" in frame.columns else pl.lit(None, pl.Utf8))
    pairs = frame.select(pl.col(col.name).alias("cell"), pl.coalesce(unit, header_unit).fill_null("元").alias("unit"))
    distinct = pairs.unique().filter(pl.col("cell").is_not_null())
    parsed = [formats.parse_money(cell, default_unit=u if u in ("元", "万元") else "元").value
              for cell, u in distinct.iter_rows()]
    table = distinct.with_columns(pl.Series("value", parsed, dtype=pl.Float64))
    return pairs.join(table, on=["cell", "unit"], how="left", maintain_order="left")["value"].alias(col.name)


def normalise(tables: list[RawTable], ledger: Ledger, id_hash_key: str, as_of: dt.date | None = None) -> Normalised:
    """Parse every record of a ledger's files at once, column by column (polars); rows with any unreadable cell
    become issues, the rest typed rows. With `as_of`, a date the contract says cannot lie in the future is an issue
    when it is after that day. The scalar parsers run only on the cells that fail, to say why."""
    columns = [c for c in ledger.columns if any(c.name in raw.headers for raw in tables)]
    names = [c.name for c in columns]
    order = {name: k for k, name in enumerate(names)}
    frame, formulas = _raw_frame(tables, names)
    blank_mask = pl.all_horizontal([fp.text_expr(n).is_null() for n in names]) if names else pl.lit(True)
    blank_of = dict(frame.filter(blank_mask).group_by("_file").len().iter_rows())
    blank = [blank_of.get(i, 0) for i in range(len(tables))]
    frame = frame.filter(~blank_mask).with_columns(_first_cell(tables).alias("_first"))
    is_total = pl.col("_first").str.replace_many(formats.FULLWIDTH_CHARS, formats.HALFWIDTH_CHARS).str.contains(
        formats.TOTALS_RE).fill_null(False)
    frame = frame.with_columns(is_total.alias("_total"))
    issues = [frame.filter(pl.col("_total")).select(
        "_file", "source_row", pl.lit(None, pl.Utf8).alias("column"), pl.lit(None, pl.Utf8).alias("header"),
        pl.col("_first").alias("value"), pl.lit("totals_row").alias("rule"),
        pl.concat_str([pl.lit("totals row ('"), pl.col("_first").str.strip_chars(formats.WHITE_SPACE),
                       pl.lit("'), not a record: delete it from the ledger")]).alias("reason"))]
    frame = frame.filter(~pl.col("_total"))
    units = {c.name: by_file([raw.units.get(c.name) for raw in tables]) for c in columns if c.kind == "money"}
    values = frame.select("_pos", "_file", "_local", "source_row", *[
        _money(frame, c, units[c.name]) if c.kind == "money" else _value_expr(c) for c in columns],
        *[(fp.text_expr(c.name) if c.kind in ("text", "person_name") else fp.code_expr(c.name))
          .is_not_null().alias(f"_given_{c.name}") for c in columns])

    def cell_at(file: int, pos: int, name: str) -> object:
        return tables[file].cell(pos, name)

    scalar: list[tuple] = []  # issues whose reason the scalar parser gives, cell by cell (failures only)
    for col in columns:
        name, given = col.name, pl.col(f"_given_{col.name}")
        header = by_file([raw.headers.get(name) for raw in tables])
        formula = pl.col("_pos").is_in(formulas[name])
        failed = values.filter(given & pl.col(name).is_null() | formula)
        for file, pos, number, is_formula in failed.select("_file", "_local", "source_row",
                                                           formula.alias("f")).iter_rows():
            raw = tables[file]
            cell, written = cell_at(file, pos, name), raw.headers.get(name)
            shown = display_value(cell, col.kind)
            if is_formula:
                scalar.append((file, number, name, written, shown, "formula_without_value",
                               f"{written}: {cell!r}; open and save the file in Excel, or type the value"))
                continue
            unit = raw.units.get(name)
            if name == "amount_yuan" and "unit" in raw.positions:
                unit = formats.clean_code(cell_at(file, pos, "unit")) or unit
            _, error = parse_cell(col.kind, cell, unit, col.vocabulary)
            scalar.append((file, number, name, written, shown, f"bad_{col.kind}",
                           f"{written}: {error or 'cannot be read'}"))
        if col.required:
            having = [i for i, raw in enumerate(tables) if name in raw.headers]
            missing = ~given & ~formula & (pl.col("_file").is_in(having) if len(having) < len(tables) else True)
            issues.append(values.filter(missing).select(
                "_file", "source_row", pl.lit(name).alias("column"), header.alias("header"),
                pl.lit(None, pl.Utf8).alias("value"), pl.lit("missing_required").alias("rule"),
                (header + pl.lit(": required value is empty")).alias("reason")))
        if col.not_after_as_of and as_of is not None:
            day = pl.col(name).dt.date() if col.kind == "datetime" else pl.col(name)
            shown = (pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S") if col.kind == "datetime"
                     else pl.col(name).cast(pl.Utf8))
            pre, mid, post = re.split("[\x01\x02]", after_as_of_reason("\x01", "\x02", as_of))
            issues.append(values.filter(day > as_of).select(
                "_file", "source_row", pl.lit(name).alias("column"), header.alias("header"), shown.alias("value"),
                pl.lit("after_as_of").alias("rule"),
                pl.concat_str([pl.lit(pre), header, pl.lit(mid), shown, pl.lit(post)]).alias("reason")))
    issues.append(pl.DataFrame(scalar, schema=ISSUE_SCHEMA, orient="row"))
    issues = (pl.concat([i.cast(ISSUE_SCHEMA) for i in issues])
              .with_columns(pl.col("column").replace_strict(order, default=-1, return_dtype=pl.Int64).alias("_order"))
              .sort("_file", "source_row", "_order", maintain_order=True).drop("_order"))
    row_key = pl.col("_file") * (1 << 32) + pl.col("source_row")
    bad = issues.select(row_key.unique().alias("_key"))["_key"]
    rows = values.filter(~row_key.is_in(bad)).drop("_pos", "_local", *[f"_given_{c.name}" for c in columns])
    rows = _protect(rows, columns, id_hash_key)
    rows_read = [raw.height - b for raw, b in zip(tables, blank)]
    elder_ids = (values.filter(pl.col("elder_id").is_not_null()).select("_file", "source_row", "elder_id")
                 if "elder_id" in names else pl.DataFrame(schema=ELDER_ID_SCHEMA))
    return Normalised(rows, issues, blank, rows_read, elder_ids.cast(ELDER_ID_SCHEMA))


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
