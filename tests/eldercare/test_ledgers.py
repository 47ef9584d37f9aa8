"""The ledger contract is written once and every view agrees with it: vocabularies, schemas, DDL."""

from __future__ import annotations

import datetime as dt

import polars as pl

from checks.schemas import SMALL_LEDGER_SCHEMAS, VISIT_SCHEMA
from eldercare.ledgers import BEDS, ELDERS, LEDGERS, QUARANTINE_ROWS, REGIONS, validated_table


def test_every_accepted_spelling_is_an_allowed_stored_value():
    """A spelling the vocabulary accepts can never be quarantined by the schema as 'not an accepted value'."""
    for ledger in LEDGERS.values():
        table = validated_table(ledger.name)
        for col in ledger.columns:
            if col.vocabulary is None or not col.vocabulary.closed:
                continue
            field = next(f for f in table.fields if f.name == col.name)
            assert set(col.vocabulary.spellings.values()) <= set(field.isin), (ledger.name, col.name)


def test_acceptance_tongguo_is_hege():
    vocab = BEDS.column("acceptance").vocabulary
    assert vocab.lookup("通过") == ("合格", None)
    assert vocab.lookup("未通过") == ("不合格", None)
    assert vocab.lookup("待定")[0] is None


def test_hardship_and_ability_are_open_vocabularies():
    assert ELDERS.column("hardship").vocabulary.lookup("低保户") == ("低保", None)  # a known spelling, mapped
    assert ELDERS.column("hardship").vocabulary.lookup("本地低收入家庭") == ("本地低收入家庭", None)  # local, kept
    schema = SMALL_LEDGER_SCHEMAS["elders"]
    assert not schema.columns["hardship"].checks and not schema.columns["ability_level"].checks


def test_schemas_and_ddl_have_the_table_columns_in_order():
    for name, schema in SMALL_LEDGER_SCHEMAS.items():
        assert list(schema.columns) == validated_table(name).columns
    assert list(VISIT_SCHEMA.columns) == validated_table("visits").columns
    assert validated_table("elders").columns[:5] == ["region_code", "elder_id", "id_hash", "id_masked", "name_masked"]
    assert REGIONS.ddl().startswith('create table if not exists validated.regions ("region_code" VARCHAR, "name"')
    assert QUARANTINE_ROWS.columns == ["region_code", "ledger", "month", "source_file", "sheet", "source_row",
                                       "column_name", "column_header", "value", "rule", "reason", "elder_id"]


def test_generated_schema_keeps_the_row_rules():
    frame = pl.DataFrame({"region_code": ["370399"], "source_file": ["b.xlsx"], "source_row": [2],
                          "elder_id": ["E001"], "institution_id": ["JG001"],
                          "planned_completion": [dt.date(2022, 6, 30)], "started_on": [dt.date(2022, 6, 10)],
                          "completed_on": [dt.date(2022, 6, 1)], "accepted_on": [None], "acceptance": [None],
                          "accepted_amount_yuan": [None], "paid_amount_yuan": [None], "previously_renovated": [False]})
    try:
        SMALL_LEDGER_SCHEMAS["beds"].validate(frame, lazy=True)
        raised = None
    except Exception as exc:  # pandera SchemaErrors
        raised = exc
    assert raised is not None and "completed_after_start" in str(raised)  # completed 06-01 before started 06-10
