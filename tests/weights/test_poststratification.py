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
    # S1: boys 10/2 = 5, girls 10/5 = 2; S2: boys 8/2 = 4, girls 12/3 = 4.
    people = respondents(
        *[("A", "S1", "M")] * 2, *[("A", "S1", "F")] * 5, *[("A", "S2", "M")] * 2, *[("A", "S2", "F")] * 3
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [5.0] * 2 + [2.0] * 5 + [4.0] * 5
    assert set(weighted["weight_level"]) == {"school_stage_sex"}
    assert weighted["response_id"].to_list() == list(range(12))
    assert weighted["weight"].sum() == pytest.approx(40.0)
    assert (
        weighted["weight_cell"].to_list() == ["A:S1:M"] * 2 + ["A:S1:F"] * 5 + ["A:S2:M"] * 2 + ["A:S2:F"] * 3
    )
    assert weighted["cell_roll"].to_list() == [10] * 7 + [8] * 2 + [12] * 3


def test_single_respondent_sex_cell_collapses_sex_within_the_stage() -> None:
    # One S2 boy: S2 is weighted as one cell, roll 20 / 4 respondents = 5; S1 keeps its sex cells.
    people = respondents(
        *[("A", "S1", "M")] * 2, *[("A", "S1", "F")] * 5, ("A", "S2", "M"), *[("A", "S2", "F")] * 3
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [5.0] * 2 + [2.0] * 5 + [5.0] * 4
    assert weighted["weight_level"].to_list() == ["school_stage_sex"] * 7 + ["school_stage"] * 4
    assert weighted["weight_cell"].to_list()[7:] == ["A:S2"] * 4
    assert weighted["cell_roll"].to_list()[7:] == [20] * 4


def test_more_respondents_than_roll_collapses_sex() -> None:
    # Roll S1 boys 1, girls 9: two boys answered (more than their roll), so S1 is one cell, 10 / 4 = 2.5.
    people = respondents(("B", "S1", "M"), ("B", "S1", "M"), ("B", "S1", "F"), ("B", "S1", "F"))
    weighted = poststratification_weights(people, roll(("B", "S1", "M", 1), ("B", "S1", "F", 9)))
    assert weighted["weight"].to_list() == [2.5] * 4
    assert set(weighted["weight_level"]) == {"school_stage"}


def test_unknown_sex_collapses_sex_within_the_stage_only() -> None:
    # S2 has a blank-sex and an X respondent: S2 roll 20 / 4 respondents = 5; S1 keeps sex cells (10 / 2).
    people = respondents(
        *[("A", "S1", "M")] * 2,
        *[("A", "S1", "F")] * 2,
        ("A", "S2", "M"),
        ("A", "S2", None),
        ("A", "S2", "X"),
        ("A", "S2", "F"),
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [5.0] * 4 + [5.0] * 4
    assert weighted["weight_level"].to_list() == ["school_stage_sex"] * 4 + ["school_stage"] * 4


def test_roll_sex_without_respondents_collapses_sex() -> None:
    # No S1 girl answered: S1 roll 20 over 2 boys = 10 each; S2 boys 8 / 2, girls 12 / 2.
    people = respondents(("A", "S1", "M"), ("A", "S1", "M"), *[("A", "S2", "M")] * 2, *[("A", "S2", "F")] * 2)
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [10.0, 10.0, 4.0, 4.0, 6.0, 6.0]
    assert weighted["weight_level"].to_list() == ["school_stage"] * 2 + ["school_stage_sex"] * 4


def test_stage_without_respondents_collapses_stage_within_school() -> None:
    # Nobody in S2 answered: school roll 40 over 4 respondents = 10 each.
    people = respondents(("A", "S1", "M"), ("A", "S1", "M"), ("A", "S1", "F"), ("A", "S1", "F"))
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [10.0] * 4
    assert set(weighted["weight_level"]) == {"school"}


def test_single_respondent_stage_collapses_stage_within_school() -> None:
    # One S2 respondent: the school is one cell, roll 40 / 5 respondents = 8.
    people = respondents(*[("A", "S1", "M")] * 2, *[("A", "S1", "F")] * 2, ("A", "S2", "F"))
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [8.0] * 5
    assert set(weighted["weight_level"]) == {"school"}
    assert set(weighted["weight_cell"]) == {"A"} and set(weighted["cell_roll"]) == {40}


def test_respondent_stage_not_on_roll_collapses_to_school() -> None:
    # An S3 respondent where the roll (as given) has only S1 and S2: school level, 40 / 10 = 4.
    people = respondents(
        *[("A", s, x) for s in ("S1", "S2") for x in ("M", "F")] * 2, ("A", "S3", "F"), ("A", "S3", "F")
    )
    weighted = poststratification_weights(people, TWO_STAGES)
    assert weighted["weight"].to_list() == [4.0] * 10
    assert set(weighted["weight_level"]) == {"school"}


def test_zero_pupil_cell_counts_as_absent() -> None:
    # Roll S1 boys 0, girls 10; one boy and one girl answered: the boy has no roll cell -> 10 / 2 = 5.
    people = respondents(("B", "S1", "M"), ("B", "S1", "F"))
    weighted = poststratification_weights(people, roll(("B", "S1", "M", 0), ("B", "S1", "F", 10)))
    assert weighted["weight"].to_list() == [5.0, 5.0]
    assert weighted["weight_level"].to_list() == ["school_stage", "school_stage"]


def test_school_missing_from_roll_has_no_weight() -> None:
    people = respondents(("A", "S1", "M"), ("A", "S1", "M"), ("Z", "S1", "M"), (None, "S1", "F"))
    weighted = poststratification_weights(people, roll(("A", "S1", "M", 7)))
    assert weighted["weight"].to_list() == [3.5, 3.5, None, None]
    assert weighted["weight_level"].to_list() == ["school_stage_sex"] * 2 + [None, None]
    assert weighted["weight_cell"].to_list() == ["A:S1:M"] * 2 + [None, None]
    assert weighted["cell_roll"].to_list() == [7, 7, None, None]


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


def clustered(*people: tuple[str, str, str, str]) -> pl.DataFrame:
    """Respondents from (seed_code, asg_code, stage, sex) tuples."""
    frame = pl.DataFrame(people, schema=["seed_code", "asg_code", "stage", "sex"], orient="row")
    return frame.with_columns(pl.int_range(pl.len()).alias("response_id"))


SMALL = roll(
    ("A", "S1", "F", 7), ("B", "S1", "F", 5), ("C", "S1", "F", 30), ("D", "S1", "F", 9), ("E", "S1", "F", 4)
)


def test_single_respondent_schools_pool_within_their_cluster() -> None:
    # A and B (cluster K) have one respondent each: one cell, roll 7 + 5 = 12, 12 / 2 = 6. C keeps 30 / 3.
    people = clustered(("A", "K", "S1", "F"), ("B", "K", "S1", "F"), *[("C", "K", "S1", "F")] * 3)
    weighted = poststratification_weights(people, SMALL, label_prefix="secondary:")
    assert weighted["weight"].to_list() == [6.0, 6.0, 10.0, 10.0, 10.0]
    assert weighted["weight_level"].to_list() == ["cluster", "cluster"] + ["school_stage_sex"] * 3
    assert weighted["weight_cell"].to_list() == ["secondary:cluster K"] * 2 + ["secondary:C:S1:F"] * 3
    assert weighted["cell_roll"].to_list() == [12, 12, 30, 30, 30]


def test_lone_single_respondent_schools_pool_across_the_council() -> None:
    # A (cluster K) and D (cluster L) are each their cluster's only single-respondent school: one council
    # cell, roll 7 + 9 = 16, 16 / 2 = 8 each.
    people = clustered(("A", "K", "S1", "F"), ("D", "L", "S1", "F"), *[("C", "K", "S1", "F")] * 3)
    weighted = poststratification_weights(people, SMALL)
    assert weighted["weight"].to_list() == [8.0, 8.0, 10.0, 10.0, 10.0]
    assert weighted["weight_level"].to_list()[:2] == ["council", "council"]
    assert weighted["weight_cell"].to_list()[:2] == ["council", "council"]


def test_a_lone_pool_takes_in_the_school_with_fewest_respondents() -> None:
    # Only A has a single respondent: E (2 respondents, fewer than C's 3) joins it: roll 7 + 4 = 11 over 3.
    people = clustered(("A", "K", "S1", "F"), *[("C", "K", "S1", "F")] * 3, *[("E", "L", "S1", "F")] * 2)
    weighted = poststratification_weights(people, SMALL)
    assert weighted["weight"].to_list() == pytest.approx([11 / 3] + [10.0] * 3 + [11 / 3] * 2)
    assert weighted["weight_cell"].to_list() == ["council"] + ["C:S1:F"] * 3 + ["council"] * 2
    assert weighted["cell_roll"].to_list() == [11, 30, 30, 30, 11, 11]
    assert weighted["weight"].sum() == pytest.approx(41.0)


def test_every_cell_has_two_respondents_and_its_weights_sum_to_its_roll() -> None:
    # A mixed council: every final cell has >= 2 respondents, weight = cell_roll / respondents(cell).
    people = clustered(
        ("A", "K", "S1", "F"), ("B", "K", "S1", "F"), *[("C", "K", "S1", "F")] * 3, ("D", "L", "S1", "F"),
        *[("E", "L", "S1", "F")] * 2,
    )  # fmt: skip
    weighted = poststratification_weights(people, SMALL)
    cells = weighted.group_by("weight_cell").agg(
        pl.len(),
        pl.col("weight").sum(),
        pl.col("cell_roll").first(),
        pl.col("cell_roll").n_unique().alias("k"),
    )
    assert (cells["len"] >= 2).all() and (cells["k"] == 1).all()
    assert (cells["weight"] - cells["cell_roll"]).abs().max() < 1e-9
    assert weighted["weight"].sum() == pytest.approx(covered_roll(people, SMALL))
