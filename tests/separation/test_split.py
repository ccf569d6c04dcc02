"""Separation: identifiers and content split by random tokens, nothing crossing the split."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.separation import separate


def _survey() -> pl.DataFrame:
    """Three secondary respondents: one answered both items, one answered one, one answered none."""
    return pl.DataFrame(
        {
            "source_row": pl.Series([2, 3, 4], dtype=pl.Int32),
            "response_id": ["a", "b", "c"],
            "pupil_ref": ["AAAAAAAAA1", None, "AAAAAAAAA3"],
            "birth_month": ["2003-01", "2003-02", "2003-03"],
            "seed_code": ["5500001"] * 3,
            "stage": ["S1", "S2", "S3"],
            "sex": ["M", "F", "X"],
            "completed_on": [dt.date(2016, 1, 4)] * 3,
            "sdq_01": pl.Series([1, 2, None], dtype=pl.Int16),
            "sdq_impact_home": pl.Series([2, -7, -7], dtype=pl.Int16),
        }
    )


def test_identifier_table_holds_identifiers_quasi_identifiers_and_paradata_only() -> None:
    identifiers, _ = separate(_survey(), "secondary_survey")
    assert identifiers.columns == [
        "record_token",
        "pupil_ref",
        "birth_month",
        "seed_code",
        "stage",
        "sex",
        "answered_items",
        "completed_on",
        "source_row",
    ]


def test_content_table_has_no_identifier_column() -> None:
    _, content = separate(_survey(), "secondary_survey")
    assert not set(content.columns) & set(IDENTIFIER_COLUMNS)
    assert "response_id" in content.columns and "sdq_01" in content.columns


def test_answered_items_counts_answers_not_blanks_or_not_asked() -> None:
    identifiers, content = separate(_survey(), "secondary_survey")
    joined = identifiers.join(content.select("record_token", "response_id"), on="record_token")
    counts = dict(joined.select("response_id", "answered_items").rows())
    assert counts == {"a": 2, "b": 1, "c": 0}


def test_tokens_are_random_per_delivery_and_both_tables_sorted_by_token() -> None:
    first_ids, first_content = separate(_survey(), "secondary_survey")
    second_ids, _ = separate(_survey(), "secondary_survey")
    assert first_ids.get_column("record_token").to_list() == sorted(
        first_ids.get_column("record_token").to_list()
    )
    assert (
        first_content.get_column("record_token").to_list() == first_ids.get_column("record_token").to_list()
    )
    assert set(first_ids.get_column("record_token")).isdisjoint(set(second_ids.get_column("record_token")))
    assert first_ids.get_column("record_token").str.contains(r"^[0-9a-f]{32}$").all()


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="no separation rule"):
        separate(_survey(), "schools")
