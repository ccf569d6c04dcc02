"""Estimates on tiny frames whose answers are worked out by hand (docs/methods/estimates.md).

The census design: strata = weighting cells (weight_cell), fpc = the cell's roll (cell_roll), a respondent
weighs cell_roll / respondents(cell); z_i = w_i (y_i − R) / W_D on the domain D, 0 elsewhere;
v = Σ_h (1 − n_h/N_h) n_h/(n_h − 1) (Σ_h z² − (Σ_h z)²/n_h) with n_h the stratum's full count.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.estimates import IndicatorColumnError, estimate_indicators, indicator_types
from rcs_pipeline.estimates.intervals import (
    clopper_pearson,
    contain,
    mean_reliability,
    proportion_reliability,
    with_intervals,
)

T_975 = {1: 12.706204736174698, 2: 4.302652729749464, 3: 3.182446305284263, 4: 2.7764451051977987}

Row = tuple[str, str, str, str, int, float | None]  # la_code, asg_code, seed_code, weight_cell, cell_roll, y


def _pupils(rows: list[Row], **extra: list) -> pl.DataFrame:
    """pupil_scores-like rows with weight = cell_roll / respondents(cell) and neutral breakdowns."""
    n = len(rows)
    frame = pl.DataFrame(
        {
            "la_code": [r[0] for r in rows],
            "asg_code": [r[1] for r in rows],
            "seed_code": [r[2] for r in rows],
            "weight_cell": [r[3] for r in rows],
            "cell_roll": [r[4] for r in rows],
            "ind_x": [r[5] for r in rows],
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
    weight = pl.col("cell_roll") / pl.len().over("la_code", "weight_cell")
    return frame.with_columns(
        weight.cast(pl.Float64).alias("weight"), **{k: pl.Series(v) for k, v in extra.items()}
    )


# Council L1, cluster X: school A is cell a (roll 10, 3 respondents: w = 10/3), school B cell b (roll 4,
# 2 respondents: w = 2). Sex F, M, F in a and F, M in b.
COUNCIL: list[Row] = [
    ("L1", "X", "A", "a", 10, 1.0),
    ("L1", "X", "A", "a", 10, 0.0),
    ("L1", "X", "A", "a", 10, 1.0),
    ("L1", "X", "B", "b", 4, 0.0),
    ("L1", "X", "B", "b", 4, 1.0),
]
SEX = ["F", "M", "F", "F", "M"]


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
    """W = 14, R = (20/3 + 2)/14 = 13/21. Stratum a: w/W = 5/21, z = 40, −65, 40 (/441): Σz = 15/441,
    Σz² = 7425/441², fpc·n/(n−1) = 0.7 · 3/2; stratum b: w/W = 1/7, z = −39, 24 (/441), factor 0.5 · 2.
    v = [1.05 (7425 − 15²/3) + 1 (2097 − 15²/2)] / 441²; df = 5 − 2 strata = 3; logit interval on t₃."""
    row = _row(estimate_indicators(_pupils(COUNCIL, sex=SEX), {"x": "proportion"}), "council", "L1")
    assert (row["n"], row["n_positive"], row["df"]) == (5, 3, 3)
    p = 13 / 21
    assert row["estimate"] == pytest.approx(p, abs=1e-12)
    se = math.sqrt((1.05 * (7425 - 225 / 3) + (2097 - 225 / 2)) / 441**2)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    half = T_975[3] * se / (p * (1 - p))
    assert row["ci_low"] == pytest.approx(_expit(math.log(p / (1 - p)) - half), abs=1e-12)
    assert row["ci_high"] == pytest.approx(_expit(math.log(p / (1 - p)) + half), abs=1e-12)
    assert (row["ci_status"], row["ci_method"]) == (None, "logit")


def test_breakdown_domain_keeps_each_stratum_full_count() -> None:
    """Girls: rows a1, a3 (y 1) and b1 (y 0): W = 26/3, R = 10/13. z in a: 15/169 twice (a2 outside, 0),
    Σz = 30/169; in b: −30/169 (b2 outside). n_h stays 3 and 2, not the domain's 2 and 1:
    v = [1.05 (450 − 30²/3) + 1 (900 − 30²/2)] / 169²; df = 3 respondents − 2 strata = 1."""
    est = estimate_indicators(_pupils(COUNCIL, sex=SEX), {"x": "mean"})
    row = _row(est, "council", "L1", "sex", "F")
    assert row["estimate"] == pytest.approx(10 / 13, abs=1e-12)
    se = math.sqrt((1.05 * (450 - 900 / 3) + (900 - 900 / 2)) / 169**2)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert row["df"] == 1 and row["n_positive"] is None
    assert row["ci_low"] == pytest.approx(10 / 13 - T_975[1] * se, abs=1e-9)
    assert row["ci_method"] == "t"


def test_school_and_cluster_are_domains_of_the_council_design() -> None:
    """School A is stratum a alone: R = 2/3, z = (y − 2/3)/3 = 1/9, −2/9, 1/9, v = 1.05 · 6/81, df = 2.
    Cluster X holds both schools, so it equals the council."""
    est = estimate_indicators(_pupils(COUNCIL), {"x": "mean"})
    school = _row(est, "school", "A")
    assert school["estimate"] == pytest.approx(2 / 3, abs=1e-12)
    assert school["se"] == pytest.approx(math.sqrt(1.05 * 6 / 81), abs=1e-12)
    assert school["df"] == 2
    assert school["ci_high"] == pytest.approx(2 / 3 + T_975[2] * school["se"], abs=1e-9)
    cluster, council = _row(est, "cluster", "X"), _row(est, "council", "L1")
    assert (cluster["estimate"], cluster["se"], cluster["df"]) == (
        council["estimate"],
        council["se"],
        council["df"],
    )


def test_whole_roll_answering_has_no_sampling_error() -> None:
    """A cell whose every pupil answered (n = N) has fpc 0: its variance term vanishes."""
    rows = [("L1", "X", "A", "a", 2, 1.0), ("L1", "X", "A", "a", 2, 0.0)]
    row = _row(estimate_indicators(_pupils(rows), {"x": "proportion"}), "council", "L1")
    assert (row["estimate"], row["se"], row["df"]) == (0.5, 0.0, 1)
    assert row["ci_low"] == row["estimate"] == row["ci_high"]


def test_lonely_stratum_has_no_variance_but_a_proportion_keeps_an_interval() -> None:
    """Stratum c has one respondent of 5 pupils: domains touching it have no SE (R stops: one PSU);
    the proportion falls back to Clopper–Pearson, the mean has no interval; school A is untouched."""
    rows = [*COUNCIL, ("L1", "Y", "C", "c", 5, 1.0)]
    for kind in ("proportion", "mean"):
        est = estimate_indicators(_pupils(rows), {"x": kind})
        council = _row(est, "council", "L1")
        assert council["se"] is None
        assert _row(est, "school", "A")["se"] is not None
        if kind == "proportion":
            assert (council["ci_method"], council["ci_status"]) == ("clopper_pearson", None)
        else:
            assert (council["ci_low"], council["ci_status"]) == (None, "single_psu")


def test_a_cell_with_more_respondents_than_roll_is_no_roll() -> None:
    rows = [("L1", "X", "A", "a", 1, 1.0), ("L1", "X", "A", "a", 1, 3.0)]
    row = _row(estimate_indicators(_pupils(rows), {"x": "mean"}), "council", "L1")
    assert (row["se"], row["ci_low"], row["ci_status"]) == (None, None, "no_roll")


def test_zero_and_one_get_clopper_pearson_on_the_unweighted_base() -> None:
    """0 of 2: [0, 1 − 0.025^(1/2)]; 3 of 3: [0.025^(1/3), 1] (R: binom.test)."""
    zero = [("L1", "X", "A", "a", 9, 0.0), ("L1", "X", "A", "a", 9, 0.0)]
    row = _row(estimate_indicators(_pupils(zero), {"x": "proportion"}), "council", "L1")
    assert (row["estimate"], row["ci_low"], row["ci_method"], row["reliability"]) == (
        0.0,
        0.0,
        "clopper_pearson",
        "low",
    )
    assert row["ci_high"] == pytest.approx(1 - 0.025**0.5, abs=1e-12)
    low, high = clopper_pearson(np.array([3.0, 4.0]), np.array([3.0, 10.0]))
    assert low[0] == pytest.approx(0.025 ** (1 / 3), abs=1e-12) and high[0] == 1.0
    assert (low[1], high[1]) == pytest.approx((0.1215523, 0.7376219), abs=1e-7)  # binom.test(4, 10)


def test_no_degrees_of_freedom_gives_clopper_pearson_for_proportions_only() -> None:
    """Boys: one respondent in each of strata a and b: df = 2 − 2 = 0 (R: qt(0.975, 0) is NaN)."""
    for kind, method, status in (("proportion", "clopper_pearson", None), ("mean", None, "no_df")):
        row = _row(estimate_indicators(_pupils(COUNCIL, sex=SEX), {"x": kind}), "council", "L1", "sex", "M")
        assert row["df"] == 0
        assert (row["ci_method"], row["ci_status"]) == (method, status)


def test_intervals_contain_their_estimate_exactly() -> None:
    """Issue #16: expit(logit(1/6)) is 1 ulp below 1/6, so an interval with SE = 0 ended below its estimate."""
    p = 0.16666666666666666
    assert _expit(math.log(p / (1 - p))) < p  # the floating point fact the clamp guards against
    frame = pl.DataFrame(
        {"estimate": [p, 0.7], "var": [0.0, 0.0001], "df": [5, 1], "var_status": [None, None], "n": [6, 2],
         "n_positive": [1, 1]},
        schema_overrides={"var_status": pl.String},
    )  # fmt: skip
    out = with_intervals(frame, pl.lit(True))
    assert out["ci_low"][0] <= p <= out["ci_high"][0]
    assert out["ci_high"][0] == p  # widened to the estimate, not left 1 ulp below
    # `contain` moves an end to the estimate only when the estimate lies outside; NaN ends stay NaN.
    low, high = contain(
        np.array([0.7, 0.2, 0.5]), np.array([0.1, 0.25, np.nan]), np.array([0.65, 0.9, np.nan])
    )
    assert low.tolist()[:2] == [0.1, 0.2] and high.tolist()[:2] == [0.7, 0.9]
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_nchs_low_reliability_for_proportions() -> None:
    """n_eff = p(1−p)/SE² capped at n; < 30, width >= 0.30, or width in (0.05, 0.30) with width/p > 130%."""
    p = np.array([0.5, 0.5, 0.5, 0.5, 0.05, 0.05, 0.0, 0.0])
    se = np.array([0.05, 0.1, 0.01, 0.02, 0.001, 0.001, 0.0, 0.0])
    n = np.array([200, 200, 20, 200, 1000, 1000, 100, 10])
    low = np.array([0.4, 0.3, 0.48, 0.34, 0.03, 0.04, 0.0, 0.0])
    high = np.array([0.6, 0.7, 0.52, 0.65, 0.11, 0.08, 0.036, 0.31])
    # n_eff: 100 | 25 | 2500 -> 20 | 625 | 47500 -> 1000 | same | 100 (p = 0: n) | 10
    # width: 0.2 | 0.4 | 0.04 | 0.31 | 0.08 (relative 160%) | 0.04 | 0.036 | 0.31
    assert proportion_reliability(p, se, n, low, high).tolist() == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
    ]


def test_low_reliability_for_means() -> None:
    """Means: n < 30, RSE >= 30%, or no interval."""
    est = np.array([50.0, 50.0, 1.0, 50.0, 0.0])
    se = np.array([1.0, 1.0, 0.3, np.nan, 0.0])
    n = np.array([40, 29, 40, 40, 40])
    low = np.array([48.0, 48.0, 0.4, np.nan, 0.0])
    assert mean_reliability(est, se, n, low).tolist() == [False, True, True, True, False]


def test_simple_design_is_one_stratum_without_fpc() -> None:
    """census=False (the pupil-level reference): R svydesign(ids=~1, weights=~weight) per council.
    Weights 1, 1, 2, 1, 1 (the last y missing, still in n_h = 5): R = 3/5, z = .08, −.12, .16, −.12, 0, v = 5/4 · 0.0608, df = 4 − 1.
    School A: R = 1/2, z = ±0.25, v = 5/4 · 0.125 (n_h = 5, every row of the council), df = 1."""
    rows = [("L1", "X", "A", 1.0, 1.0), ("L1", "X", "A", 1.0, 0.0), ("L1", "X", "B", 2.0, 1.0),
            ("L1", "Y", "C", 1.0, 0.0), ("L1", None, None, 1.0, None)]  # fmt: skip
    frame = _pupils([(r[0], r[1], r[2], "-", 1, r[4]) for r in rows]).drop("weight_cell", "cell_roll")
    frame = frame.with_columns(weight=pl.Series([r[3] for r in rows]))
    est = estimate_indicators(frame, {"x": "proportion"}, census=False)
    council = _row(est, "council", "L1")
    assert council["estimate"] == pytest.approx(0.6, abs=1e-12)
    assert council["se"] == pytest.approx(math.sqrt(1.25 * 0.0608), abs=1e-12)
    assert council["df"] == 3
    school = _row(est, "school", "A")
    assert school["se"] == pytest.approx(math.sqrt(1.25 * 0.125), abs=1e-12)
    assert school["df"] == 1
    with pytest.raises(IndicatorColumnError, match="weight_cell"):
        estimate_indicators(frame, {"x": "proportion"})


def test_comparator_is_one_design_whose_strata_never_mix_councils() -> None:
    """L2 also names a cell 'a' (roll 6, 2 respondents, w = 3, y = 1, 1): a stratum of its own.
    W = 20, R = 11/15. L1|a: w/W = 1/6, z = 4, −11, 4 (/90); L1|b: w/W = 0.1, z = −11, 4 (/150);
    L2|a: z = 0.04, 0.04 (its term is 0). v = 1.05 (153 − 9/3)/90² + (137 − 49/2)/150²; df = 7 − 3."""
    other: list[Row] = [("L2", "W", "E", "a", 6, 1.0), ("L2", "W", "E", "a", 6, 1.0)]
    est = estimate_indicators(
        _pupils(COUNCIL + other), {"x": "proportion"}, levels=("council", "all_councils")
    )
    pooled = _row(est, "all_councils", "all")
    assert pooled["estimate"] == pytest.approx(11 / 15, abs=1e-12)
    assert pooled["df"] == 4
    v = 1.05 * (153 - 9 / 3) / 90**2 + (137 - 49 / 2) / 150**2
    assert pooled["se"] == pytest.approx(math.sqrt(v), abs=1e-12)
    assert _row(est, "council", "L1")["estimate"] == pytest.approx(13 / 21, abs=1e-12)


def test_missing_breakdown_values_form_no_group_and_empty_domains_no_row() -> None:
    """A null sex counts in `all` only; a group whose indicator is all missing gets no row."""
    rows = [*COUNCIL[:4], ("L1", "X", "B", "b", 4, None)]
    est = estimate_indicators(_pupils(rows, sex=["F", "M", None, "F", "X"]), {"x": "proportion"})
    council_sex = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "sex"))
    assert sorted(council_sex["breakdown_value"]) == ["F", "M"]  # X's only answer is missing
    assert council_sex.filter(pl.col("breakdown_value") == "F")["n"].item() == 2
    assert _row(est, "council", "L1")["n"] == 4


def test_breakdown_values_are_text() -> None:
    """Booleans publish as 'true'/'false', numbers as digits."""
    pupils = _pupils(COUNCIL, looked_after_any=[True, False, None, True, True], simd_quintile=[1, 2, 2, 5, 5])
    est = estimate_indicators(pupils, {"x": "proportion"}).filter(pl.col("geography_level") == "council")
    values = est.group_by("breakdown").agg(pl.col("breakdown_value").sort()).to_dict(as_series=False)
    got = dict(zip(values["breakdown"], values["breakdown_value"], strict=True))
    assert got["looked_after_any"] == ["false", "true"]
    assert got["simd_quintile"] == ["1", "2", "5"]


def test_missing_indicator_column_is_a_clear_error() -> None:
    with pytest.raises(IndicatorColumnError, match="ind_y"):
        estimate_indicators(_pupils(COUNCIL), {"y": "mean"})


def test_a_cell_with_two_rolls_is_refused() -> None:
    frame = _pupils(COUNCIL).with_columns(cell_roll=pl.Series([10, 11, 10, 4, 4]))
    with pytest.raises(ValueError, match="more than one cell_roll"):
        estimate_indicators(frame, {"x": "mean"})


def test_catalogue_types() -> None:
    """Types come from the catalogue."""
    cat = pl.DataFrame({"indicator_id": ["a", "b"], "type": ["proportion", "mean"]})
    assert indicator_types(cat) == {"a": "proportion", "b": "mean"}
    with pytest.raises(ValueError, match="type"):
        indicator_types(pl.DataFrame({"indicator_id": ["a"], "type": ["ratio"]}))


def test_same_input_gives_identical_output() -> None:
    """One DuckDB thread: sums add in the same order, so repeated runs give identical frames (docs/methods/reproducibility.md)."""
    from tests.estimates.sample import TYPES, clustered_sample

    pupils = clustered_sample()
    first = estimate_indicators(pupils, TYPES)
    assert first.equals(estimate_indicators(pupils.reverse().reverse(), TYPES))


def test_one_respondent_mean_has_exactly_zero_variance() -> None:
    """A domain of one respondent has z = 0: its SE is 0, not the rounding noise of the expanded sums
    (6.1e-8 here without the noise floor of taylor.domain_sql)."""
    rows: list[Row] = [("L1", "X", "A", "a", 22, v) for v in (25.4, 28.7, 56.0, 29.7)]
    est = estimate_indicators(_pupils(rows, sex=["M", "F", "F", "F"]), {"x": "mean"})
    boy = _row(est, "council", "L1", "sex", "M")
    assert (boy["n"], boy["se"], boy["df"]) == (1, 0.0, 0)
    assert boy["estimate"] == pytest.approx(25.4, abs=1e-12)


def test_breakdowns_limit_the_groups_to_the_named_columns() -> None:
    """breakdowns=("sex", "asn_x"): only all, sex and the extra column asn_x are grouped; all and sex rows
    are the full run's to the bit; asn_x true = rows 1, 3 (cell a, w = 10/3, y = 1) and 4 (cell b, w = 2,
    y = 0): estimate (20/3) / (20/3 + 2) = 10/13, n = 3, 2 positive."""
    pupils = _pupils(COUNCIL, sex=SEX, asn_x=[True, False, True, True, False])
    some = estimate_indicators(pupils, {"x": "proportion"}, breakdowns=("sex", "asn_x"))
    assert set(some["breakdown"]) == {"all", "sex", "asn_x"}
    full = estimate_indicators(pupils, {"x": "proportion"})
    kept = full.filter(pl.col("breakdown").is_in(["all", "sex"]))
    assert some.filter(pl.col("breakdown") != "asn_x").equals(kept)
    row = _row(some, "council", "L1", "asn_x", "true")
    assert (row["n"], row["n_positive"]) == (3, 2)
    assert row["estimate"] == pytest.approx(10 / 13, rel=1e-12)
    with pytest.raises(IndicatorColumnError, match="asn_missing"):
        estimate_indicators(pupils, {"x": "proportion"}, breakdowns=("asn_missing",))
