"""pupil_scores of the tiny synthetic councils carry each respondent's final weighting cell and its roll."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.scoring.score_tables import score_pupils
from tests.conftest import TINY_COUNCILS, TINY_WAVE
from tests.scoring.linked_fixture import landing_table, linked_like


@pytest.fixture(scope="module", params=TINY_COUNCILS)
def scores(request: pytest.FixtureRequest, tiny_source: Path) -> pl.DataFrame:
    """pupil_scores of one tiny council, built by the library (no Dagster)."""
    delivery = tiny_source / "landing" / TINY_WAVE / request.param
    linked = linked_like(delivery, TINY_WAVE, request.param, ("secondary_survey", "primary_survey"))
    return score_pupils(linked, landing_table(delivery, "schools"), landing_table(delivery, "school_roll"))


def test_cells_are_persisted_with_their_types(scores: pl.DataFrame) -> None:
    assert scores.schema["weight_cell"] == pl.String and scores.schema["cell_roll"] == pl.Int64
    assert scores["weight_cell"].null_count() == scores["weight"].null_count() == 0


def test_every_cell_has_two_respondents_and_weight_is_roll_over_respondents(scores: pl.DataFrame) -> None:
    """R's svydesign(ids=~1, strata=~weight_cell, fpc=~cell_roll) implies exactly these weights."""
    cells = scores.group_by("weight_cell").agg(
        pl.len().alias("n"),
        pl.col("cell_roll").n_unique().alias("rolls"),
        pl.col("cell_roll").first(),
        pl.col("instrument").n_unique().alias("instruments"),
        pl.col("weight").max().alias("w_max"),
        pl.col("weight").min().alias("w_min"),
    )
    assert (cells["n"] >= 2).all()
    assert (cells["n"] <= cells["cell_roll"]).all()
    assert (cells["rolls"] == 1).all() and (cells["instruments"] == 1).all()
    assert ((cells["w_max"] - cells["cell_roll"] / cells["n"]).abs() < 1e-12).all()
    assert ((cells["w_min"] - cells["w_max"]).abs() < 1e-12).all()


def test_cell_names_say_their_survey(scores: pl.DataFrame) -> None:
    """The instrument prefix keeps the primary and secondary cells of a school or cluster apart."""
    prefix = scores["weight_cell"].str.split(":").list.first()
    assert (prefix == scores["instrument"]).all()
