"""Key holder on the hand-made council: exact, probabilistic, duplicate and unlinked rows as worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.linkage.keys import link_id
from rcs_pipeline.linkage.matching import KeyHolderError, build_link_map, link_map_summary
from rcs_pipeline.separation import separate
from tests.linkage.handmade import ADMIN, SURVEY

KEY = bytes(range(32))


def _linked(threshold: float = 0.95) -> pl.DataFrame:
    """Link map of the hand-made council with each survey row's response id (joined back for the test only)."""
    admin_ids, _ = separate(ADMIN, "admin_extract")
    survey_ids, survey_content = separate(SURVEY, "secondary_survey")
    mapping = build_link_map({"admin_extract": admin_ids, "secondary_survey": survey_ids}, KEY, threshold)
    return mapping.join(survey_content.select("record_token", "response_id"), on="record_token", how="left")


def test_each_survey_row_gets_the_hand_worked_outcome() -> None:
    rows = {r["response_id"]: r for r in _linked().filter(pl.col("dataset") == "secondary_survey").to_dicts()}
    assert rows["r1"]["link_id"] == link_id("AAAAAAAAA1", KEY) and rows["r1"]["link_method"] == "exact"
    assert rows["r3"]["link_id"] == link_id("AAAAAAAAA2", KEY) and rows["r3"]["match_probability"] == 1.0
    assert (
        rows["r2"]["link_id"] == link_id("AAAAAAAAA3", KEY) and rows["r2"]["link_method"] == "probabilistic"
    )
    assert (
        rows["r4"]["link_id"] == link_id("AAAAAAAAA4", KEY) and rows["r4"]["link_method"] == "probabilistic"
    )
    assert 0.95 <= rows["r2"]["match_probability"] < 1.0
    assert rows["r5"]["unlinked_reason"] == "duplicate" and rows["r5"]["link_id"] is None
    assert rows["r6"]["unlinked_reason"] == "reference_not_in_extract" and rows["r6"]["link_id"] is None


def test_a_threshold_above_every_probability_leaves_probabilistic_rows_unlinked() -> None:
    rows = {
        r["response_id"]: r
        for r in _linked(threshold=1.0).filter(pl.col("dataset") == "secondary_survey").to_dicts()
    }
    assert rows["r2"]["link_id"] is None and rows["r2"]["unlinked_reason"] == "below_threshold"
    assert rows["r4"]["unlinked_reason"] == "below_threshold"
    assert rows["r1"]["link_method"] == "exact"


def test_every_admin_row_has_its_link_id_and_no_admin_record_is_linked_twice() -> None:
    mapping = _linked()
    admin = mapping.filter(pl.col("dataset") == "admin_extract")
    assert sorted(admin.get_column("link_id")) == sorted(
        link_id(r, KEY) for r in ADMIN.get_column("pupil_ref")
    )
    surveys = mapping.filter(pl.col("dataset") != "admin_extract", pl.col("link_id").is_not_null())
    assert surveys.get_column("link_id").is_unique().all()


def test_the_more_complete_response_is_kept_whichever_comes_first() -> None:
    swapped = SURVEY.with_columns(
        pl.when(pl.col("response_id") == "r1")
        .then(None)
        .when(pl.col("response_id") == "r5")
        .then(2)
        .otherwise(pl.col("sdq_01"))
        .cast(pl.Int16)
        .alias("sdq_01")
    )
    admin_ids, _ = separate(ADMIN, "admin_extract")
    survey_ids, content = separate(swapped, "secondary_survey")
    mapping = build_link_map({"admin_extract": admin_ids, "secondary_survey": survey_ids}, KEY, 0.95)
    reasons = dict(mapping.join(content, on="record_token").select("response_id", "unlinked_reason").rows())
    assert reasons["r1"] == "duplicate" and reasons["r5"] is None


def test_link_map_carries_no_identifier_column() -> None:
    assert _linked().drop("response_id").columns == [
        "dataset",
        "record_token",
        "link_id",
        "link_method",
        "match_probability",
        "unlinked_reason",
    ]


def test_admin_extract_is_required_and_threshold_must_be_a_probability() -> None:
    survey_ids, _ = separate(SURVEY, "secondary_survey")
    with pytest.raises(KeyHolderError, match="admin_extract"):
        build_link_map({"secondary_survey": survey_ids}, KEY, 0.95)
    admin_ids, _ = separate(ADMIN, "admin_extract")
    with pytest.raises(KeyHolderError, match="match_threshold"):
        build_link_map({"admin_extract": admin_ids}, KEY, 1.5)


def test_summary_counts_methods_and_reasons_without_identifiers() -> None:
    summary = link_map_summary(_linked().drop("response_id"))
    assert summary == {
        "admin_extract/records": 5,
        "secondary_survey/duplicate": 1,
        "secondary_survey/exact": 2,
        "secondary_survey/probabilistic": 2,
        "secondary_survey/reference_not_in_extract": 1,
    }
