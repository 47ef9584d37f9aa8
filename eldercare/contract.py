"""The vocabulary of the contract: columns, vocabularies, row rules and stored tables, and the DDL derived from them.

`eldercare.ledgers` writes every ledger once with these classes; the pandera models (`checks/schemas.py`), the
warehouse DDL, the header aliases and the column lists that SQL reads are all derived from that one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a raw cell of each kind is stored: its DuckDB type.
SQL_TYPES = {"text": "VARCHAR", "code": "VARCHAR", "enum": "VARCHAR", "label": "VARCHAR", "person_name": "VARCHAR",
             "id_number": "VARCHAR", "date": "DATE", "datetime": "TIMESTAMP", "money": "DOUBLE", "int": "BIGINT",
             "bool": "BOOLEAN", "duration": "DOUBLE"}
KINDS = frozenset(SQL_TYPES)


@dataclass(frozen=True)
class Vocabulary:
    """Accepted spellings of a coded column → the value stored; an open vocabulary keeps any other non-empty text."""

    spellings: dict[str, str]
    closed: bool = True

    @property
    def values(self) -> list[str]:
        """The stored values, sorted (the allowed values when the vocabulary is closed)."""
        return sorted(set(self.spellings.values()))

    def lookup(self, text: str | None) -> tuple[str | None, str | None]:
        """(stored value, None), or (None, reason) for a spelling a closed vocabulary does not know."""
        if text is None:
            return None, None
        if text in self.spellings:
            return self.spellings[text], None
        if not self.closed:
            return text, None
        return None, f"'{text}' is not one of: {' / '.join(dict.fromkeys(self.spellings))}"


@dataclass(frozen=True)
class Column:
    """One canonical column of a raw ledger: header aliases, cell kind, and what the stored value must satisfy."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    required: bool = False
    vocabulary: Vocabulary | None = None
    ge: float | None = None  # smallest allowed value (money, int, duration)
    default: object = None  # stored when the cell is blank (the column is then never null)
    not_after_as_of: bool = False  # a date that cannot lie after the run's as-of date (events, completions, visits)
    stored: bool = True  # False for helper columns read but not kept (the funds' unit column)
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: unknown kind {self.kind!r}")
        if (self.kind in ("enum", "label")) != (self.vocabulary is not None):
            raise ValueError(f"column {self.name}: enum/label columns and only they have a vocabulary")


@dataclass(frozen=True)
class Field:
    """A column of a stored table: DuckDB type, nullability and allowed values; every view is derived from it."""

    name: str
    sql: str
    nullable: bool = True
    description: str = ""
    isin: tuple[str, ...] | None = None
    ge: float | None = None
    matches: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class RowRule:
    """A rule over two columns of a row (nulls pass): `column op other`; `same_month` compares months."""

    name: str
    column: str
    op: str  # "<" | ">=" | "same_month"
    other: str
    reason: str


@dataclass(frozen=True)
class Table:
    """A stored table: schema-qualified name and fields, in order."""

    name: str
    fields: tuple[Field, ...]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def ddl(self) -> str:
        """CREATE TABLE IF NOT EXISTS with every field quoted, in order."""
        cols = ", ".join(f'"{f.name}" {f.sql}' for f in self.fields)
        return f"create table if not exists {self.name} ({cols})"

    def select(self, *columns: str, where: str | None = None) -> str:
        """`select <columns> from <table>`: the column list a reader (a metric) takes, checked against the table."""
        unknown = [c for c in columns if c not in self.columns]
        if unknown:
            raise KeyError(f"{self.name} has no column {', '.join(unknown)}")
        cols = ", ".join(columns) if columns else ", ".join(self.columns)
        return f"select {cols} from {self.name}" + (f" where {where}" if where else "")
