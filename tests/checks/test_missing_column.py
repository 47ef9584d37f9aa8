"""A derived table that lacks a column breaks its contract with a listed case (never polars' own exception)."""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest

from checks.alert_checks import validate
from checks.compliance_schemas import VisitShortfallRow
from checks.polars_models import validated


def test_a_missing_column_of_an_alert_table_fails_its_contract_listing_the_column():
    frame = pl.DataFrame({"region_code": ["370399"]})  # every other column of visit_pace missing
    with pytest.raises(dg.Failure) as failure:
        validate("visit_pace", frame)
    assert "breaks its contract" in failure.value.description
    assert "column_in_dataframe" in failure.value.metadata["failure_cases"].value


def test_a_missing_column_of_a_compliance_table_is_a_schema_error_naming_it():
    import pandera.errors

    with pytest.raises(pandera.errors.SchemaErrors) as err:
        validated(VisitShortfallRow, pl.DataFrame({"region_code": ["370399"]}))
    cases = err.value.failure_cases
    assert "column_in_dataframe" in cases["check"].to_list()
    assert "institution_id" in cases["failure_case"].cast(pl.Utf8).to_list()
