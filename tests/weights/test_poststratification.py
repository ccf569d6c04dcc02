"""Post-stratification weights on hand-made rolls, with every collapsing rule worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.weights import covered_roll, poststratification_weights


def roll(*cells: tuple[str, str, str, int]) -> pl.DataFrame:
    """A roll from (seed_code, stage, sex, pupils) tuples."""
    return pl.DataFrame(
        cells,
        schema={"seed_code": pl.String, "stage": pl.String, "sex": pl.String, "pupils": pl.Int32},
        orient="row",
    )


def respondents(*people: tuple[str | None, str | None, str | None]) -> pl.DataFrame:
    """Respondents from (seed_code, stage, sex) tuples, with an id to check the row order is kept."""
    frame = pl.DataFrame(
        people, schema={"seed_code": pl.String, "stage": pl.String, "sex": pl.String}, orient="row"
    )
    return frame.with_columns(pl.int_range(pl.len()).alias("response_id"))


TWO_STAGES = roll(("A", "S1", "M", 10), ("A", "S1", "F", 10), ("A", "S2", "M", 8), ("A", "S2", "F", 12))


def test_full_cells_weight_by_school_stage_and_sex() -> None:
    # S1: boys 10/2 = 5, girls 10/5 = 2; S2: boys 8/1 = 8, girls 12/3 = 4.
    people = respondents(
        *[("A", "S1", "M")] * 2, *[("A", "S1", "F")] * 5, ("A", "S2", "M"), *[("A", "S2", "F")] * 3
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [5.0] * 2 + [2.0] * 5 + [8.0] + [4.0] * 3
    assert set(weighted["weight_level"]) == {"school_stage_sex"}
    assert weighted["response_id"].to_list() == list(range(11))
    assert weighted["weight"].sum() == pytest.approx(40.0)


def test_unknown_sex_collapses_sex_within_the_stage_only() -> None:
    # S2 has a blank-sex and an X respondent: S2 roll 20 / 4 respondents = 5; S1 keeps sex cells.
    people = respondents(
        ("A", "S1", "M"),
        ("A", "S1", "F"),
        ("A", "S2", "M"),
        ("A", "S2", None),
        ("A", "S2", "X"),
        ("A", "S2", "F"),
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [10.0, 10.0, 5.0, 5.0, 5.0, 5.0]
    assert weighted["weight_level"].to_list() == ["school_stage_sex"] * 2 + ["school_stage"] * 4


def test_roll_sex_without_respondents_collapses_sex() -> None:
    # No S1 girl answered: S1 roll 20 over 2 boys = 10 each.
    people = respondents(("A", "S1", "M"), ("A", "S1", "M"), ("A", "S2", "M"), ("A", "S2", "F"))
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [10.0, 10.0, 8.0, 12.0]
    assert weighted["weight_level"].to_list() == [
        "school_stage",
        "school_stage",
        "school_stage_sex",
        "school_stage_sex",
    ]


def test_stage_without_respondents_collapses_stage_within_school() -> None:
    # Nobody in S2 answered: school roll 40 over 4 respondents = 10 each.
    people = respondents(("A", "S1", "M"), ("A", "S1", "M"), ("A", "S1", "F"), ("A", "S1", "F"))
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [10.0] * 4
    assert set(weighted["weight_level"]) == {"school"}


def test_respondent_stage_not_on_roll_collapses_to_school() -> None:
    # An S3 respondent where the roll (as given) has only S1 and S2: school level, 40 / 5 = 8.
    people = respondents(
        ("A", "S1", "M"), ("A", "S1", "F"), ("A", "S2", "M"), ("A", "S2", "F"), ("A", "S3", "F")
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [8.0] * 5


def test_zero_pupil_cell_counts_as_absent() -> None:
    # Roll S1 boys 0, girls 10; one boy and one girl answered: the boy has no roll cell -> 10 / 2 = 5.
    people = respondents(("B", "S1", "M"), ("B", "S1", "F"))
    weighted = poststratification_weights(people, roll(("B", "S1", "M", 0), ("B", "S1", "F", 10)))
    assert weighted["weight"].to_list() == [5.0, 5.0]
    assert weighted["weight_level"].to_list() == ["school_stage", "school_stage"]


def test_school_missing_from_roll_has_no_weight() -> None:
    people = respondents(("A", "S1", "M"), ("Z", "S1", "M"), (None, "S1", "F"))
    weighted = poststratification_weights(people, roll(("A", "S1", "M", 7)))
    assert weighted["weight"].to_list() == [7.0, None, None]
    assert weighted["weight_level"].to_list() == ["school_stage_sex", None, None]


def test_weights_sum_to_the_roll_of_covered_schools() -> None:
    # School A fully answered (40), school B collapsed (30), school C has no respondents (not covered).
    full = TWO_STAGES.vstack(roll(("B", "S1", "M", 15), ("B", "S1", "F", 15), ("C", "S1", "M", 99)))
    people = respondents(
        ("A", "S1", "M"),
        ("A", "S1", "F"),
        ("A", "S2", "M"),
        ("A", "S2", "F"),
        ("A", "S2", "F"),
        ("B", "S1", "X"),
        ("B", "S1", "F"),
        ("B", "S1", "F"),
    )
    weighted = poststratification_weights(people, full)
    assert covered_roll(people, full) == 70
    assert weighted["weight"].sum() == pytest.approx(70.0)
    assert weighted.filter(pl.col("seed_code") == "B")["weight"].to_list() == [10.0, 10.0, 10.0]
