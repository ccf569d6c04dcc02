"""Estimates on tiny frames whose answers are worked out by hand (docs/methods/estimates.md)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from rcs_pipeline.estimates import IndicatorColumnError, estimate_indicators, indicator_types, school_rolls

T_975 = {1: 12.706204736174698, 2: 4.302652729749464}


def _pupils(rows: list[tuple[str, str, str, float, float | None]], **extra: list) -> pl.DataFrame:
    """pupil_scores-like rows (la_code, asg_code, seed_code, weight, ind_x) with neutral breakdowns."""
    n = len(rows)
    frame = pl.DataFrame(
        {
            "la_code": [r[0] for r in rows],
            "asg_code": [r[1] for r in rows],
            "seed_code": [r[2] for r in rows],
            "weight": [r[3] for r in rows],
            "ind_x": [r[4] for r in rows],
            "sex": ["F"] * n,
            "stage": ["S1"] * n,
            "simd_quintile": [1] * n,
            "urban_rural_8fold": [1] * n,
            "urban_rural_2fold": ["urban"] * n,
            "fsm_p6plus": [False] * n,
            "any_asn": [False] * n,
            "looked_after_any": [False] * n,
            "child_protection_register": [False] * n,
        },
        schema_overrides={"simd_quintile": pl.Int8, "urban_rural_8fold": pl.Int8, "ind_x": pl.Float64},
    )
    return frame.with_columns(**{k: pl.Series(v) for k, v in extra.items()})


COUNCIL = [  # school A: (1, 1), (1, 0); B: (2, 1); C: (1, 0), (1, missing). Clusters X = {A, B}, Y = {C}.
    ("S12000005", "X", "A", 1.0, 1.0),
    ("S12000005", "X", "A", 1.0, 0.0),
    ("S12000005", "X", "B", 2.0, 1.0),
    ("S12000005", "Y", "C", 1.0, 0.0),
    ("S12000005", "Y", "C", 1.0, None),
]


def _row(est: pl.DataFrame, level: str, code: str, breakdown: str = "all", value: str = "all") -> dict:
    """The single estimate row of one domain."""
    rows = est.filter(
        (pl.col("geography_level") == level)
        & (pl.col("geography_code") == code)
        & (pl.col("breakdown") == breakdown)
        & (pl.col("breakdown_value") == value)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_council_proportion_by_hand() -> None:
    """p = 3/5; z per school −0.04, 0.16, −0.12; v = 3/2 · 0.0416; df = 3 − 1; logit interval."""
    row = _row(estimate_indicators(_pupils(COUNCIL), {"x": "proportion"}), "council", "S12000005")
    assert (row["n"], row["n_positive"]) == (4, 2)
    assert row["estimate"] == pytest.approx(0.6, abs=1e-12)
    se = math.sqrt(1.5 * 0.0416)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert row["df"] == 2
    half = T_975[2] * se / (0.6 * 0.4)
    assert row["ci_low"] == pytest.approx(_expit(math.log(1.5) - half), abs=1e-12)
    assert row["ci_high"] == pytest.approx(_expit(math.log(1.5) + half), abs=1e-12)
    assert row["ci_status"] is None


def test_cluster_is_a_domain_of_the_council_design() -> None:
    """Cluster X: p = 3/4, z = −0.125, 0.125 and 0 for school C (kept: 3 PSUs), v = 3/2 · 0.03125, df = 1."""
    est = estimate_indicators(_pupils(COUNCIL), {"x": "mean"})
    row = _row(est, "cluster", "X")
    assert row["estimate"] == pytest.approx(0.75, abs=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(1.5 * 0.03125), abs=1e-12)
    assert row["df"] == 1
    assert row["n_positive"] is None
    assert row["ci_low"] == pytest.approx(0.75 - T_975[1] * row["se"], abs=1e-9)
    # Cluster Y holds one school: the domain has zero degrees of freedom, so no interval.
    y = _row(est, "cluster", "Y")
    assert (y["estimate"], y["df"], y["ci_low"], y["ci_status"]) == (0.0, 0, None, "no_df")


def test_school_mean_with_finite_population_correction() -> None:
    """Weights 2, 3 (values 10, 20) and 5 (missing), roll 10: R = 16, Σz² = 11.52, v = 0.7 · 3/2 · 11.52."""
    pupils = _pupils(
        [
            ("S12000005", "X", "A", 2.0, 10.0),
            ("S12000005", "X", "A", 3.0, 20.0),
            ("S12000005", "X", "A", 5.0, None),
        ]
    )
    rolls = pl.DataFrame({"seed_code": ["A"], "roll": [10.0]})
    row = _row(estimate_indicators(pupils, {"x": "mean"}, rolls), "school", "A")
    assert row["estimate"] == pytest.approx(16.0, abs=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(0.7 * 1.5 * 11.52), abs=1e-12)
    assert row["df"] == 1
    assert row["ci_high"] == pytest.approx(16.0 + T_975[1] * row["se"], abs=1e-9)


def test_edge_cases_give_documented_statuses() -> None:
    """One school in a council: single_psu; roll below respondents: no_roll; p = 0: p_zero_or_one."""
    pupils = _pupils([("S12000040", "Z", "D", 1.0, 0.0), ("S12000040", "Z", "D", 2.0, 0.0)])
    rolls = pl.DataFrame({"seed_code": ["D"], "roll": [1.0]})
    est = estimate_indicators(pupils, {"x": "proportion"}, rolls)
    council = _row(est, "council", "S12000040")
    assert (council["estimate"], council["se"], council["ci_low"], council["ci_status"]) == (
        0.0,
        None,
        None,
        "single_psu",
    )
    assert _row(est, "school", "D")["ci_status"] == "no_roll"
    assert (
        _row(estimate_indicators(pupils, {"x": "proportion"}, rolls.clear()), "school", "D")["ci_status"]
        == "no_roll"
    )
    rolls = pl.DataFrame({"seed_code": ["D"], "roll": [30.0]})
    zero = _row(estimate_indicators(pupils, {"x": "proportion"}, rolls), "school", "D")
    assert (zero["estimate"], zero["n"], zero["se"], zero["ci_low"]) == (0.0, 2, 0.0, None)
    assert zero["ci_status"] == "p_zero_or_one"


def test_missing_breakdown_values_form_no_group_and_empty_domains_no_row() -> None:
    """A null sex counts in `all` only; a group whose indicator is all missing gets no row."""
    pupils = _pupils(COUNCIL, sex=["F", "M", None, "F", "X"])
    est = estimate_indicators(pupils, {"x": "proportion"})
    council_sex = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "sex"))
    assert sorted(council_sex["breakdown_value"]) == ["F", "M"]  # X's only answer is missing
    assert council_sex.filter(pl.col("breakdown_value") == "F")["n"].item() == 2
    assert _row(est, "council", "S12000005")["n"] == 4


def test_breakdown_values_are_text() -> None:
    """Booleans publish as 'true'/'false', numbers as digits."""
    pupils = _pupils(COUNCIL, looked_after_any=[True, False, None, True, True], simd_quintile=[1, 2, 2, 5, 5])
    est = estimate_indicators(pupils, {"x": "proportion"}).filter(pl.col("geography_level") == "council")
    values = est.group_by("breakdown").agg(pl.col("breakdown_value").sort()).to_dict(as_series=False)
    got = dict(zip(values["breakdown"], values["breakdown_value"], strict=True))
    assert got["looked_after_any"] == ["false", "true"]
    assert got["simd_quintile"] == ["1", "2", "5"]


def test_comparator_uses_councils_as_strata() -> None:
    """Two councils: the comparator pools them (strata), each council keeps its own design."""
    other = [
        ("S12000040", "W", "E", 1.0, 1.0),
        ("S12000040", "W", "F", 3.0, 1.0),
        ("S12000040", "W", "F", 1.0, 0.0),
    ]
    est = estimate_indicators(
        _pupils(COUNCIL + other), {"x": "proportion"}, levels=("council", "all_councils")
    )
    pooled = _row(est, "all_councils", "all")
    assert pooled["estimate"] == pytest.approx((3 + 4) / (5 + 5), abs=1e-12)
    assert pooled["df"] == 5 - 2
    # z per PSU over W = 10, R = 0.7: A −0.04, B 0.06, C −0.07 (Σ −0.05); E 0.03, F 0.02 (Σ 0.05).
    v = 1.5 * (0.04**2 + 0.06**2 + 0.07**2 - 0.05**2 / 3) + 2 * (0.03**2 + 0.02**2 - 0.05**2 / 2)
    assert pooled["se"] == pytest.approx(math.sqrt(v), abs=1e-12)
    assert _row(est, "council", "S12000005")["estimate"] == pytest.approx(0.6, abs=1e-12)


def test_missing_indicator_column_is_a_clear_error() -> None:
    with pytest.raises(IndicatorColumnError, match="ind_y"):
        estimate_indicators(_pupils(COUNCIL), {"y": "mean"})


def test_catalogue_types_and_school_rolls() -> None:
    """Types come from the catalogue; a school's roll sums its surveyed stages only."""
    cat = pl.DataFrame({"indicator_id": ["a", "b"], "type": ["proportion", "mean"]})
    assert indicator_types(cat) == {"a": "proportion", "b": "mean"}
    with pytest.raises(ValueError, match="type"):
        indicator_types(pl.DataFrame({"indicator_id": ["a"], "type": ["ratio"]}))
    roll = pl.DataFrame(
        {
            "seed_code": ["A", "A", "A", "B"],
            "stage": ["P4", "P5", "P7", "S2"],
            "sex": ["F", "F", "M", "M"],
            "pupils": [10, 12, 13, 40],
        }
    )
    assert school_rolls(roll).to_dict(as_series=False) == {"seed_code": ["A", "B"], "roll": [25.0, 40.0]}


def test_school_without_roll_is_with_replacement() -> None:
    """rolls=None (parents): v = n/(n − 1) · Σz² with no correction; same numbers as above without 0.7."""
    pupils = _pupils(
        [
            ("S12000005", "X", "A", 2.0, 10.0),
            ("S12000005", "X", "A", 3.0, 20.0),
            ("S12000005", "X", "A", 5.0, None),
        ]
    )
    row = _row(estimate_indicators(pupils, {"x": "mean"}, None), "school", "A")
    assert row["se"] == pytest.approx(math.sqrt(1.5 * 11.52), abs=1e-12)
    assert row["ci_status"] is None


def test_respondents_without_a_school_are_units_of_their_own() -> None:
    """Parents of children not at school: each its own PSU at council level, in no school or cluster.

    Council of school A (1, 1), (1, 0) and two school-less parents (1, 1), (1, 0): p = 1/2, W = 4;
    z per unit: A 0, the parents +1/8 and −1/8; 3 PSUs: v = 3/2 · 2/64; df = 3 − 1.
    """
    rows = [("S12000005", "X", "A", 1.0, 1.0), ("S12000005", "X", "A", 1.0, 0.0),
            ("S12000005", None, None, 1.0, 1.0), ("S12000005", None, None, 1.0, 0.0)]  # fmt: skip
    est = estimate_indicators(_pupils(rows), {"x": "proportion"}, None)
    council = _row(est, "council", "S12000005")
    assert council["estimate"] == pytest.approx(0.5, abs=1e-12)
    assert council["se"] == pytest.approx(math.sqrt(1.5 * 2 / 64), abs=1e-12)
    assert council["df"] == 2
    all_rows = est.filter(pl.col("breakdown") == "all")
    assert sorted(all_rows["geography_code"]) == ["A", "S12000005", "X"]
    assert _row(est, "cluster", "X")["n"] == 2


def test_same_input_gives_identical_output() -> None:
    """One DuckDB thread: sums add in the same order, so repeated runs give identical frames (DESIGN §10)."""
    from tests.estimates.sample import TYPES, clustered_sample

    pupils, rolls = clustered_sample()
    first = estimate_indicators(pupils, TYPES, rolls)
    assert first.equals(estimate_indicators(pupils.reverse().reverse(), TYPES, rolls))
