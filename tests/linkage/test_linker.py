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
    assert linked.columns[:8] == ["wave", "la_code", "instrument", "response_id", "link_id", "link_method",
                                  "match_probability", "unlinked_reason"]
    assert not set(linked.columns) & {*IDENTIFIER_COLUMNS, "record_token", "source_row"}
    assert {"admin_seed_code", "admin_stage", "admin_sex", "looked_after_home", "simd_decile"} <= set(linked.columns)


def test_duplicates_are_left_out_and_unlinked_rows_stay_with_their_reason_sorted_by_response() -> None:
    mapping, content = _separated()
    linked = linked_dataset(mapping, content, PUPIL_SURVEYS, "2015-16", "S12000005")
    assert linked.get_column("response_id").to_list() == ["r1", "r2", "r3", "r4", "r6"]
    r6 = linked.filter(pl.col("response_id") == "r6").row(0, named=True)
    assert r6["unlinked_reason"] == "reference_not_in_extract" and r6["admin_stage"] is None
    r2 = linked.filter(pl.col("response_id") == "r2").row(0, named=True)
    assert r2["link_id"] == link_id("AAAAAAAAA3", KEY) and r2["admin_seed_code"] == "5500001"
    r1 = linked.filter(pl.col("response_id") == "r1").row(0, named=True)
    assert r1["looked_after_home"] is True and r1["simd_decile"] == 1


def test_same_inputs_give_the_same_rows_whatever_the_tokens() -> None:
    first = linked_dataset(*_separated(), PUPIL_SURVEYS, "2015-16", "S12000005")
    second = linked_dataset(*_separated(), PUPIL_SURVEYS, "2015-16", "S12000005")
    assert first.equals(second)


def test_a_stale_link_map_is_refused() -> None:
    mapping, content = _separated()
    _, fresh = separate(SURVEY, "secondary_survey")
    with pytest.raises(LinkerError, match="not in the link map"):
        linked_dataset(mapping, {**content, "secondary_survey": fresh}, PUPIL_SURVEYS, "2015-16", "S12000005")
