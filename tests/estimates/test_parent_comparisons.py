"""Parent comparisons (issue 18): the parent survey's design in the comparisons machinery, worked by hand.

One stratum per council and weight 1 (the design as delivered today): a council's ratio is its mean, and the
design variance of a mean is s²/n (s² with n − 1), so the council against the rest of the wave has
SE = √(s₁²/n₁ + s₂²/n₂) and df = n₁ + n₂ − 2 (respondents minus strata), and a wave against an earlier wave
the same with the two waves' samples.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from rcs_pipeline.estimates.comparisons import finish
from rcs_pipeline.estimates.parent_design import comparison_rows, estimate_parents, parent_comparisons


def parents(la_code: str, answers: list[float], clusters: list[str | None] | None = None) -> pl.DataFrame:
    """A parent_scores frame of one council: one interview per answer of indicator x."""
    n = len(answers)
    return pl.DataFrame(
        {
            "la_code": [la_code] * n,
            "asg_code": clusters or [None] * n,
            "seed_code": [None] * n,
            "child_age": [5] * n,
            "sex": ["F"] * n,
            "simd_quintile": [1] * n,
            "urban_rural_2fold": ["urban"] * n,
            "need_sdq_high": [False] * n,
            "weight": [1.0] * n,
            "ind_x": answers,
        },
        schema_overrides={"asg_code": pl.String, "seed_code": pl.String},
    )


def spread(values: list[float]) -> float:
    """s² / n of a sample: the variance of its mean."""
    n, mean = len(values), sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (n - 1) / n


A = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
B = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
THEN = [0.0, 1.0, 0.0, 0.0, 0.0]


def compared(own: pl.DataFrame, others: list[pl.DataFrame], earlier: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The parent comparisons tested as the asset tests them (design SE, not floored, for the hand check)."""
    return finish(parent_comparisons(own, others, earlier, ["x"]), null_floor=False)


def test_comparison_rows_carry_the_design_columns() -> None:
    """weight_cell is the sample stratum (la_code | council), cell_roll its interviews."""
    rows = comparison_rows(parents("S1", A))
    assert set(rows["weight_cell"]) == {"S1|council"} and set(rows["cell_roll"]) == {len(A)}


def test_council_against_the_rest_of_the_wave_by_hand() -> None:
    """Council S1 against S2 (the rest of a two-council wave): means, SE and df worked by hand."""
    out = compared(parents("S1", A), [parents("S2", B)], {})
    row = out.filter(pl.col("comparison") == "council_vs_rest_of_wave").row(0, named=True)
    assert row["family"] == "council:S1:vs_rest_of_wave" and row["reference"] == "rest_of_wave"
    assert row["estimate"] == pytest.approx(4 / 6) and row["reference_estimate"] == pytest.approx(2 / 8)
    assert row["se"] == pytest.approx(math.sqrt(spread(A) + spread(B)), rel=1e-9)
    assert row["df"] == len(A) + len(B) - 2
    assert row["difference"] == pytest.approx(4 / 6 - 2 / 8)


def test_council_against_an_earlier_wave_by_hand() -> None:
    """The same council two waves apart: independent samples, SE = √(V_now + V_then), df the smaller."""
    out = compared(parents("S1", A), [], {"2013-14": parents("S1", THEN)})
    row = out.filter((pl.col("comparison") == "wave_vs_wave") & (pl.col("geography_level") == "council")).row(
        0, named=True
    )
    assert row["family"] == "council:S1:trend" and row["reference"] == "2013-14"
    assert row["reference_estimate"] == pytest.approx(1 / 5)
    assert row["se"] == pytest.approx(math.sqrt(spread(A) + spread(THEN)), rel=1e-9)
    assert row["df"] == len(THEN) - 1


def test_cluster_against_the_rest_of_its_council_and_no_school_rows() -> None:
    """A cluster against the council's other interviews (children not at school included); no school level."""
    clusters = ["C1", "C1", "C1", "C2", None, None]
    out = compared(parents("S1", A, clusters), [], {})
    rows = out.filter(pl.col("comparison") == "area_vs_rest_of_council")
    assert set(rows["geography_level"]) == {"cluster"}
    c1 = rows.filter(pl.col("geography_code") == "C1").row(0, named=True)
    assert c1["estimate"] == pytest.approx(2 / 3) and c1["reference_estimate"] == pytest.approx(2 / 3)
    assert c1["difference"] == pytest.approx(0.0)


def test_a_one_council_wave_has_no_rest_of_wave_row() -> None:
    """Without other councils there is nothing to compare the council with."""
    out = compared(parents("S1", A), [], {})
    assert out.filter(pl.col("comparison") == "council_vs_rest_of_wave").is_empty()


def test_first_sides_are_the_parent_estimates() -> None:
    """Each comparison's first side (n, estimate) is estimate_parents' figure for that council or cluster."""
    own = parents("S1", A, ["C1", "C1", "C1", "C2", None, None])
    out = compared(own, [parents("S2", B)], {"2013-14": parents("S1", THEN, ["C1"] * 5)})
    est = estimate_parents(own, {"x": "proportion"}).filter(pl.col("breakdown") == "all")
    keys = ["indicator_id", "geography_level", "geography_code"]
    joined = out.join(est.select(*keys, pl.col("n").alias("n_est"), pl.col("estimate").alias("e")), on=keys)
    assert joined.height == out.height >= 4
    assert (joined["n"] == joined["n_est"]).all() and (joined["estimate"] - joined["e"]).abs().max() < 1e-12
