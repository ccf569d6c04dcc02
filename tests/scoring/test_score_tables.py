"""pupil_scores and parent_scores built from a linked-like table of the tiny synthetic delivery."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.scoring.score_tables import score_parents, score_pupils
from rcs_pipeline.waves import fsm_universal_expr
from rcs_pipeline.weights import covered_roll
from tests.conftest import TINY_WAVE
from tests.scoring.linked_fixture import landing_table, linked_like

LA = "S12000005"


@pytest.fixture(scope="module")
def tiny_tables(tiny_source: Path) -> dict[str, pl.DataFrame]:
    """Linked-like pupils and parents, schools and roll of one tiny council."""
    delivery = tiny_source / "landing" / TINY_WAVE / LA
    return {
        "pupils": linked_like(delivery, TINY_WAVE, LA, ("secondary_survey", "primary_survey")),
        "parents": linked_like(delivery, TINY_WAVE, LA, ("parent_survey",)),
        "schools": landing_table(delivery, "schools"),
        "roll": landing_table(delivery, "school_roll"),
    }


@pytest.fixture(scope="module")
def pupil_scores(tiny_tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """pupil_scores of the tiny council."""
    return score_pupils(tiny_tables["pupils"], tiny_tables["schools"], tiny_tables["roll"])


def test_one_row_per_respondent_and_no_identifiers(pupil_scores: pl.DataFrame, tiny_tables: dict) -> None:
    assert pupil_scores.height == tiny_tables["pupils"].height
    assert (
        pupil_scores["response_id"].is_unique().all()
        or pupil_scores.select("instrument", "response_id").is_unique().all()
    )
    assert not set(pupil_scores.columns) & set(IDENTIFIER_COLUMNS)
    assert pupil_scores.columns[:10] == [
        "wave",
        "la_code",
        "instrument",
        "response_id",
        "link_id",
        "seed_code",
        "asg_code",
        "stage",
        "sex",
        "weight",
    ]


def test_contract_columns_and_types(pupil_scores: pl.DataFrame) -> None:
    schema = pupil_scores.schema
    assert schema["simd_quintile"] == pl.Int8 and schema["urban_rural_8fold"] == pl.Int8
    assert schema["urban_rural_2fold"] == pl.String
    for column in (
        "fsm_p6plus",
        "any_asn",
        "looked_after_any",
        "child_protection_register",
        "need_any",
        "service_any",
    ):
        assert schema[column] == pl.Boolean, column
    for indicator in load_catalogue().filter(pl.col("instrument") != "parent")["indicator_id"]:
        assert schema[f"ind_{indicator}"] == pl.Float64
    for column in (
        "sdq_emotional",
        "sdq_total",
        "sdq_impact",
        "sdq_total_band4",
        "sdq_total_band3",
        "sdq_peer_band4",
        "wemwbs",
    ):
        assert column in schema


def test_weights_sum_to_the_covered_roll_per_instrument(
    pupil_scores: pl.DataFrame, tiny_tables: dict
) -> None:
    stages = {"secondary": ["S1", "S2", "S3", "S4"], "primary": ["P5", "P6", "P7"]}
    for instrument, instrument_stages in stages.items():
        ours = pupil_scores.filter(pl.col("instrument") == instrument)
        roll = tiny_tables["roll"].filter(pl.col("stage").is_in(instrument_stages))
        assert ours["weight"].null_count() == 0
        assert ours["weight"].sum() == pytest.approx(covered_roll(ours, roll))


def test_breakdowns_follow_the_admin_record(pupil_scores: pl.DataFrame) -> None:
    unlinked = pupil_scores.filter(pl.col("link_id").is_null())
    for column in ("simd_quintile", "any_asn", "looked_after_any", "fsm_p6plus", "service_any"):
        assert unlinked[column].null_count() == unlinked.height, column
    # FSM is a breakdown only where meals are means-tested in the wave (rcs_pipeline/waves/rules.yaml): P5 is
    # means-tested in 2015-16 (universal from January 2022), so linked P5 pupils carry it there
    p5 = pupil_scores.filter((pl.col("stage") == "P5") & pl.col("link_id").is_not_null())
    assert set(p5["wave"]) == {"2015-16"} and p5["fsm_p6plus"].null_count() == 0
    universal = pl.select(fsm_universal_expr(pl.lit("2021-22"), pl.lit("P5"))).item()
    assert universal and not pl.select(fsm_universal_expr(pl.lit("2015-16"), pl.lit("P5"))).item()
    linked = pupil_scores.filter(pl.col("link_id").is_not_null())
    assert linked["simd_quintile"].drop_nulls().is_between(1, 5).all()
    assert set(linked["urban_rural_2fold"].drop_nulls()) <= {"urban", "rural"}


def test_scores_in_range_and_primary_has_no_wemwbs(pupil_scores: pl.DataFrame) -> None:
    assert pupil_scores["sdq_total"].drop_nulls().is_between(0, 40).all()
    assert pupil_scores["wemwbs"].drop_nulls().is_between(14, 70).all()
    assert (
        pupil_scores.filter(pl.col("instrument") == "primary")["wemwbs"].null_count()
        == pupil_scores.filter(pl.col("instrument") == "primary").height
    )
    secondary = pupil_scores.filter(pl.col("instrument") == "secondary")
    # complete cases only: with ~2-3% missing per item, about 70% of the tiny sample has all 14 items
    assert secondary["wemwbs"].drop_nulls().len() > 0.5 * secondary.height


def test_planted_simd_gradient_in_sdq_total(pupil_scores: pl.DataFrame) -> None:
    # The generator plants more difficulties with deprivation: quintile 1 above quintile 5 (weighted means).
    by_quintile = (
        pupil_scores.filter(pl.col("sdq_total").is_not_null() & pl.col("simd_quintile").is_in([1, 5]))
        .group_by("simd_quintile")
        .agg(((pl.col("sdq_total") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("mean"))
    )
    means = dict(by_quintile.iter_rows())
    assert means[1] > means[5]


def test_parent_scores(tiny_tables: dict) -> None:
    parents = score_parents(tiny_tables["parents"], tiny_tables["schools"])
    assert parents.height == tiny_tables["parents"].height
    assert not set(parents.columns) & set(IDENTIFIER_COLUMNS)
    metric = parents.filter(pl.col("swemwbs_raw").is_not_null())
    assert metric["swemwbs_metric"].is_between(7.0, 35.0).all()
    young = parents.filter(pl.col("child_age") < 4)
    assert young["sdq_p_total_band4"].null_count() == young.height
    assert (
        parents.filter(pl.col("child_age") < 2)["sdq_p_total"].null_count()
        == parents.filter(pl.col("child_age") < 2).height
    )
    for indicator in load_catalogue().filter(pl.col("instrument") == "parent")["indicator_id"]:
        assert f"ind_{indicator}" in parents.columns
    assert parents["ind_par_area_good_place"].drop_nulls().len() > 0


def test_empty_linked_table_gives_an_empty_table_with_every_column(
    tiny_tables: dict, pupil_scores: pl.DataFrame
) -> None:
    empty = score_pupils(tiny_tables["pupils"].head(0), tiny_tables["schools"], tiny_tables["roll"])
    assert empty.height == 0
    assert empty.schema == pupil_scores.schema


def test_empty_parent_table_scores_to_an_empty_table(tiny_tables: dict) -> None:
    # The parent survey is optional: an empty linked_parents gives an empty parent_scores with its columns.
    full = score_parents(tiny_tables["parents"], tiny_tables["schools"])
    empty = score_parents(tiny_tables["parents"].head(0), tiny_tables["schools"])
    assert empty.height == 0
    assert empty.schema == full.schema
