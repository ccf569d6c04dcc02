"""Linker: content joined through the link map; no identifier, no token; duplicates out, unlinked kept."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.linkage.keys import link_id
from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, LinkerError, linked_dataset
from rcs_pipeline.linkage.matching import build_link_map
from rcs_pipeline.separation import separate
from tests.linkage.handmade import ADMIN, SURVEY

KEY = bytes(range(32))


def _separated() -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Link map and content tables of the hand-made council."""
    admin_ids, admin_content = separate(ADMIN, "admin_extract")
    survey_ids, survey_content = separate(SURVEY, "secondary_survey")
    mapping = build_link_map({"admin_extract": admin_ids, "secondary_survey": survey_ids}, KEY, 0.95)
    return mapping, {"admin_extract": admin_content, "secondary_survey": survey_content}


def test_linked_dataset_has_link_and_admin_columns_but_no_identifier_or_token() -> None:
    mapping, content = _separated()
    linked = linked_dataset(mapping, content, PUPIL_SURVEYS, "2015-16", "S12000005")
    assert linked.columns[:8] == [
        "wave",
        "la_code",
        "instrument",
        "response_id",
        "link_id",
        "link_method",
        "match_probability",
        "unlinked_reason",
    ]
    assert not set(linked.columns) & {*IDENTIFIER_COLUMNS, "record_token", "source_row"}
    assert {"admin_seed_code", "admin_stage", "admin_sex", "looked_after_home", "simd_decile"} <= set(
        linked.columns
    )


def _by_answer(linked: pl.DataFrame, life_satisfaction: int) -> dict:
    """The linked row of the hand-made respondent with this life_satisfaction code (unique per respondent)."""
    return linked.filter(pl.col("life_satisfaction") == life_satisfaction).row(0, named=True)


def test_duplicates_are_left_out_and_unlinked_rows_stay_with_their_reason() -> None:
    mapping, content = _separated()
    linked = linked_dataset(mapping, content, PUPIL_SURVEYS, "2015-16", "S12000005")
    assert sorted(linked.get_column("life_satisfaction").to_list()) == [
        3,
        5,
        6,
        8,
        11,
    ]  # r5 (9) is a duplicate
    r6 = _by_answer(linked, 3)
    assert r6["unlinked_reason"] == "reference_not_in_extract" and r6["admin_stage"] is None
    r2 = _by_answer(linked, 6)
    assert r2["link_id"] == link_id("AAAAAAAAA3", KEY) and r2["admin_seed_code"] == "5500001"
    r1 = _by_answer(linked, 8)
    assert r1["looked_after_home"] is True and r1["simd_decile"] == 1


def test_delivered_response_ids_are_replaced_by_project_row_numbers_in_link_id_order() -> None:
    """No contractor id (r1..r6) reaches the linked dataset: rows are numbered 0000001.. in link-id order,
    the respondent without a link id last."""
    mapping, content = _separated()
    linked = linked_dataset(mapping, content, PUPIL_SURVEYS, "2015-16", "S12000005")
    assert linked.get_column("response_id").to_list() == [f"{n:07d}" for n in range(1, 6)]
    assert not set(linked.get_column("response_id")) & set(SURVEY.get_column("response_id"))
    ids = linked.get_column("link_id").to_list()
    assert ids[:-1] == sorted(ids[:-1]) and ids[-1] is None


def test_a_pupil_reference_typed_into_response_id_does_not_reach_the_linked_dataset() -> None:
    """Whatever a contractor put in response_id, the linked dataset holds none of it."""
    planted = SURVEY.with_columns(pl.col("pupil_ref").fill_null("AAAAAAAAA3").alias("response_id"))
    admin_ids, admin_content = separate(ADMIN, "admin_extract")
    survey_ids, survey_content = separate(planted, "secondary_survey")
    mapping = build_link_map({"admin_extract": admin_ids, "secondary_survey": survey_ids}, KEY, 0.95)
    linked = linked_dataset(
        mapping,
        {"admin_extract": admin_content, "secondary_survey": survey_content},
        PUPIL_SURVEYS,
        "2015-16",
        "S12000005",
    )
    text = " ".join(str(v) for column in linked.columns for v in linked.get_column(column).to_list())
    assert not [r for r in planted.get_column("response_id").to_list() if r.strip().upper() in text.upper()]


def test_same_inputs_give_the_same_rows_whatever_the_tokens() -> None:
    first = linked_dataset(*_separated(), PUPIL_SURVEYS, "2015-16", "S12000005")
    second = linked_dataset(*_separated(), PUPIL_SURVEYS, "2015-16", "S12000005")
    assert first.equals(second)


def test_a_stale_link_map_is_refused() -> None:
    mapping, content = _separated()
    _, fresh = separate(SURVEY, "secondary_survey")
    with pytest.raises(LinkerError, match="not in the link map"):
        linked_dataset(mapping, {**content, "secondary_survey": fresh}, PUPIL_SURVEYS, "2015-16", "S12000005")
