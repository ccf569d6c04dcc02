"""Comparisons on tiny hand-made frames with hand-worked answers: SEs with shared strata, df, BH, statuses."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from rcs_pipeline.estimates.comparisons import (
    COMPARISON_SCHEMA,
    DesignError,
    adjust,
    benjamini_hochberg,
    combine,
    council_comparisons,
    prepare_design,
)

LA = "S12000005"

# (school, cluster, weight_cell, cell_roll, weight = roll / respondents of the cell, sex, y)
HAND = [
    ("s1", "A1", "h1", 8, 2.0, "F", 1.0), ("s1", "A1", "h1", 8, 2.0, "F", 0.0),
    ("s1", "A1", "h1", 8, 2.0, "M", 1.0), ("s1", "A1", "h1", 8, 2.0, "M", 1.0),
    ("s1", "A1", "h2", 6, 2.0, "F", 1.0), ("s1", "A1", "h2", 6, 2.0, "M", 0.0), ("s1", "A1", "h2", 6, 2.0, "M", 0.0),
    # h3 is a pooled cell: two respondents of s2 and two of s3 (s3 also has a cell of its own, h4)
    ("s2", "A2", "h3", 10, 2.5, "M", 0.0), ("s2", "A2", "h3", 10, 2.5, "M", 1.0),
    ("s3", "A2", "h3", 10, 2.5, "M", 1.0), ("s3", "A2", "h3", 10, 2.5, "M", 0.0),
    ("s3", "A2", "h4", 4, 2.0, "M", 1.0), ("s3", "A2", "h4", 4, 2.0, "M", 1.0),
]  # fmt: skip


def hand_frame(rows: list[tuple] = HAND, la_code: str = LA) -> pl.DataFrame:
    """pupil_scores-like rows: design columns, sex, an all-null SIMD quintile, one indicator `y`."""
    columns = ["seed_code", "asg_code", "weight_cell", "cell_roll", "weight", "sex", "ind_y"]
    return pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        la_code=pl.lit(la_code), simd_quintile=pl.lit(None, pl.Int8)
    )


def _row(table: pl.DataFrame, **keys: str) -> dict:
    """The single row of `table` matching every key."""
    rows = table.filter(*(pl.col(k) == v for k, v in keys.items()))
    assert rows.height == 1, keys
    return rows.row(0, named=True)


@pytest.fixture(scope="module")
def hand() -> pl.DataFrame:
    """The hand-made council's comparisons under the census design with fpc, design (Wald) SE alone."""
    return council_comparisons(prepare_design(hand_frame(), ["y"], ["sex"], fpc=True), null_floor=False)


def test_schema_and_order(hand: pl.DataFrame) -> None:
    """The table has the contract's columns and types, sorted by the contract's keys."""
    assert hand.schema == pl.Schema(COMPARISON_SCHEMA)
    assert hand.equals(hand.sort(["family", "indicator_id", "comparison", "geography_level", "geography_code",
                                  "breakdown", "breakdown_value", "reference"]))  # fmt: skip


def test_girls_vs_boys_in_cluster_with_shared_strata(hand: pl.DataFrame) -> None:
    """Cluster A1 (strata h1, h2 hold both sexes): the covariance of the two sides enters the SE.

    Girls: W = 6, Y = 4, R = 2/3; boys: W = 8, Y = 4, R = 1/2. z = z_F − z_M per row:
    h1 (F1, F0, M1, M1): 1/9, −2/9, −1/8, −1/8 → Σz² − (Σz)²/4 = 313/5184, × (1 − 4/8)·4/3 → 313/7776;
    h2 (F1, M0, M0): 1/9, 1/8, 1/8 → 1/7776, × (1 − 3/6)·3/2 → 1/10368. v = 1255/31104.
    Treating the sides as independent would give 0.0634967 (v_F = 0.0452675, v_M = 0.0182292).
    df = 7 answers − 2 strata = 5.
    """
    row = _row(hand, family="cluster:A1:groups", breakdown="sex")
    assert (row["breakdown_value"], row["reference"], row["comparison"]) == ("F", "M", "group_vs_group")
    assert (row["n"], row["reference_n"], row["df"]) == (3, 4, 5)
    assert row["estimate"] == pytest.approx(2 / 3, abs=1e-12)
    assert row["reference_estimate"] == pytest.approx(0.5, abs=1e-12)
    assert row["difference"] == pytest.approx(1 / 6, abs=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(1255 / 31104), abs=1e-12)
    t = (1 / 6) / math.sqrt(1255 / 31104)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(t, 5), abs=1e-12)
    assert row["test_status"] is None


def test_school_vs_rest_of_council_with_pooled_cell(hand: pl.DataFrame) -> None:
    """School s3 shares the pooled cell h3 with s2: the rest of the council includes half of h3.

    s3: W = 9, Y = 6.5, R = 13/18; rest: W = 19, Y = 10.5, R = 21/38; difference 29/171.
    z = z_s3 − z_rest: h1: −17, 21, −17, −17 (/361) → (Σz² − (Σz)²/4)·2/3 = 2/361;
    h2: −17, 21, 21 (/361) → (…)·3/4 = 2/361; h4: 5/81, 5/81 → 0;
    h3 (s2 y=0, s2 y=1, s3 y=1, s3 y=0): 105/1444, −85/1444, 25/324, −65/324 → (…)·(1 − 4/10)·4/3.
    df = 13 answers − 4 strata = 9.
    """
    h3 = np.array([105 / 1444, -85 / 1444, 25 / 324, -65 / 324])
    v = 2 / 361 + 2 / 361 + 0.8 * (np.sum(h3**2) - np.sum(h3) ** 2 / 4)
    assert v == pytest.approx(0.0526404, abs=1e-7)  # by hand: 0.00554017 + 0.00554017 + 0.04156006
    row = _row(hand, family="school:s3:vs_rest_of_council")
    assert (row["n"], row["reference_n"], row["df"]) == (4, 9, 9)
    assert row["estimate"] == pytest.approx(13 / 18, abs=1e-12)
    assert row["reference_estimate"] == pytest.approx(21 / 38, abs=1e-12)
    assert row["difference"] == pytest.approx(29 / 171, abs=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(v), abs=1e-12)


def test_school_in_own_strata_has_no_cross_term(hand: pl.DataFrame) -> None:
    """School s1 (strata h1, h2 of its own) against the rest: v = V_s1 + V_rest, no shared stratum.

    s1: W = 14, Y = 8, R = 4/7: z = (y − 4/7)/7 → h1: 3, −4, 3, 3 (/49) and h2: 3, −4, −4 (/49), each
    stratum 1/98 after its factor: V = 1/49. Rest (h3: s2 and s3 rows, h4): W = 14, Y = 9, R = 9/14.
    """
    rest = np.array([0 - 9 / 14, 1 - 9 / 14, 1 - 9 / 14, 0 - 9 / 14]) * 2.5 / 14
    h4 = np.array([1 - 9 / 14, 1 - 9 / 14]) * 2 / 14
    v_rest = 0.8 * (np.sum(rest**2) - np.sum(rest) ** 2 / 4) + 1.0 * (np.sum(h4**2) - np.sum(h4) ** 2 / 2)
    row = _row(hand, family="school:s1:vs_rest_of_council")
    assert row["se"] == pytest.approx(math.sqrt(1 / 49 + v_rest), abs=1e-12)
    assert row["difference"] == pytest.approx(4 / 7 - 9 / 14, abs=1e-12)


def test_cluster_level_group_sides_stay_inside_the_cluster(hand: pl.DataFrame) -> None:
    """Cluster A2 has boys only: girls vs boys gives no row (no girl answered), the council's row has both."""
    assert hand.filter(pl.col("family") == "cluster:A2:groups").height == 0
    council = _row(hand, family=f"council:{LA}:groups")
    assert (council["n"], council["reference_n"]) == (3, 10)


def test_census_cell_has_no_variance() -> None:
    """A cell whose roll equals its respondents (everyone answered) adds nothing to the variance."""
    rows = [("s1", "A1", "c1", 2, 1.0, "F", 1.0), ("s1", "A1", "c1", 2, 1.0, "F", 0.0),
            ("s2", "A1", "c2", 2, 1.0, "F", 1.0), ("s2", "A1", "c2", 2, 1.0, "F", 1.0)]  # fmt: skip
    table = council_comparisons(prepare_design(hand_frame(rows), ["y"], [], fpc=True), null_floor=False)
    row = _row(table, family="school:s1:vs_rest_of_council")
    assert row["difference"] == pytest.approx(-0.5)
    assert (row["se"], row["test_status"], row["direction"]) == (None, "no_variance", None)


def test_small_base_empty_side_and_single_council() -> None:
    """Below min_n a comparison is not tested; a council with one school has an empty rest; no wave rows."""
    design = prepare_design(hand_frame(), ["y"], ["sex"])
    table = council_comparisons(design, combine([design]), min_n=4)
    assert table.filter(pl.col("comparison") == "council_vs_rest_of_wave").height == 0
    small = _row(table, family="cluster:A1:groups")
    assert (small["test_status"], small["p_value"], small["p_adjusted"], small["direction"]) == (
        "small_base", None, None, None,
    )  # fmt: skip
    assert small["difference"] == pytest.approx(1 / 6)  # still shown: only the test is withheld
    one_school = council_comparisons(prepare_design(hand_frame(HAND[:7]), ["y"], []))
    row = _row(one_school, family="school:s1:vs_rest_of_council")
    assert (row["reference_n"], row["reference_estimate"], row["test_status"]) == (0, None, "empty_side")


def test_council_vs_rest_of_wave_uses_both_councils() -> None:
    """Two councils, one wave design: each against the other (disjoint strata: v = V_A + V_B)."""
    first = prepare_design(hand_frame(), ["y"], [])
    second = prepare_design(hand_frame(HAND[:7], la_code="S12000040"), ["y"], [])
    wave = combine([second, first])
    table = council_comparisons(first, wave)
    row = _row(table, comparison="council_vs_rest_of_wave")
    assert (row["family"], row["reference"], row["n"], row["reference_n"]) == (
        f"council:{LA}:vs_rest_of_wave", "rest_of_wave", 13, 7,
    )  # fmt: skip
    assert row["estimate"] == pytest.approx(17 / 28)  # s1 8/14, h3 5/10, h4 4/4
    assert row["reference_estimate"] == pytest.approx(8 / 14)
    # df: 20 answers in 6 strata (h1-h4 here, h1-h2 there)
    assert row["df"] == 14


def test_lonely_stratum_is_not_tested() -> None:
    """A cell with one respondent and more pupils on its roll has no variance estimate (R: lonely PSU)."""
    rows = [*HAND[:7], ("s2", "A2", "h9", 5, 5.0, "M", 1.0)]
    table = council_comparisons(prepare_design(hand_frame(rows), ["y"], [], fpc=True))
    assert set(table["test_status"]) == {"single_psu"}


def test_design_errors_name_the_problem() -> None:
    """Missing columns, a weighted row without a cell, and a roll below the cell's respondents are refused."""
    with pytest.raises(DesignError, match="cell_roll"):
        prepare_design(hand_frame().drop("cell_roll"), ["y"], [])
    with pytest.raises(DesignError, match="no weight_cell"):
        prepare_design(hand_frame().with_columns(weight_cell=pl.lit(None, pl.String)), ["y"], [])
    with pytest.raises(DesignError, match="varies within the cell"):
        prepare_design(hand_frame().with_columns(cell_roll=pl.int_range(pl.len())), ["y"], [])
    over = council_comparisons(
        prepare_design(hand_frame().with_columns(cell_roll=pl.lit(2)), ["y"], [], fpc=True)
    )
    assert set(over["test_status"]) == {"no_roll"}
    # Rows without a weight (school not on the roll) are outside the design, whatever their cell says.
    outside = hand_frame().with_columns(
        weight=pl.when(pl.col("seed_code") == "s1").then(None).otherwise("weight")
    )
    design = prepare_design(outside.with_columns(weight_cell=pl.when(pl.col("weight").is_null()).then(None)
                                                 .otherwise("weight_cell")), ["y"], [])  # fmt: skip
    assert int(design.totals.a.sum()) == 6


def test_benjamini_hochberg_by_hand() -> None:
    """BH within family, worked by hand; nulls stay null and do not count; adjusted p never exceeds 1.

    F1: p = .01, .04, .03, .005 → sorted .005 .01 .03 .04, (m/i)p = .02 .02 .04 .04, running min from the top.
    F2: p = .5, null, .02 → m = 2: .04, .5. F3: p = .9, .8 → 1.6 capped at 1, then min(1, .9) = .9 for both.
    """
    frame = pl.DataFrame({
        "family": ["F1"] * 4 + ["F2"] * 3 + ["F3"] * 2,
        "p_value": [0.01, 0.04, 0.03, 0.005, 0.5, None, 0.02, 0.9, 0.8],
    })  # fmt: skip
    got = benjamini_hochberg(frame).to_list()
    want = [0.02, 0.04, 0.04, 0.02, 0.5, None, 0.04, 0.9, 0.9]
    assert got[5] is None
    assert [g for i, g in enumerate(got) if i != 5] == pytest.approx(
        [w for i, w in enumerate(want) if i != 5]
    )


def test_benjamini_hochberg_matches_statsmodels() -> None:
    """On random families of random sizes, the same adjusted p as statsmodels' fdr_bh."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 40, 25)
    families = np.repeat([f"f{i}" for i in range(sizes.size)], sizes)
    p = np.where(rng.random(families.size) < 0.3, rng.random(families.size) ** 4, rng.random(families.size))
    got = benjamini_hochberg(pl.DataFrame({"family": families, "p_value": p})).to_numpy()
    for name in np.unique(families):
        mask = families == name
        assert got[mask] == pytest.approx(multipletests(p[mask], method="fdr_bh")[1], abs=1e-12)


def test_direction_follows_adjusted_p() -> None:
    """higher / lower only below 0.05 adjusted; otherwise no clear difference; untested rows have none."""
    frame = pl.DataFrame({
        "family": ["a", "a", "a", "b"], "p_value": [0.001, 0.002, 0.6, None],
        "difference": [0.2, -0.1, 0.3, 0.5],
    })  # fmt: skip
    out = adjust(frame)
    assert out["direction"].to_list() == ["higher", "lower", "no clear difference", None]


def _plain_variance(rows: list[tuple]) -> tuple[float, float]:
    """(ratio, variance) of a whole council, by the textbook loop: Σ_h n_h/(n_h − 1)(Σz² − (Σz)²/n_h)."""
    w = np.array([r[4] for r in rows])
    y = np.array([r[6] for r in rows])
    ratio = float(np.sum(w * y) / np.sum(w))
    z = w * (y - ratio) / np.sum(w)
    total = 0.0
    for cell in {r[2] for r in rows}:
        zh = z[[r[2] == cell for r in rows]]
        total += zh.size / (zh.size - 1) * (np.sum(zh**2) - np.sum(zh) ** 2 / zh.size)
    return ratio, total


def test_wave_vs_wave_is_independent_samples() -> None:
    """Each geography against the earlier wave: var = V_now + V_then, df = the smaller; only breakdown all."""
    earlier_rows = [(*r[:6], 1.0 - r[6]) if r[2] in ("h1", "h3") else r for r in HAND]
    now = prepare_design(hand_frame(), ["y"], ["sex"])
    then = prepare_design(hand_frame(earlier_rows), ["y"], ["sex"])
    table = council_comparisons(now, earlier={"2014-15": then}, null_floor=False)
    trend = table.filter(pl.col("comparison") == "wave_vs_wave")
    assert set(trend["family"]) == {f"council:{LA}:trend", "cluster:A1:trend", "cluster:A2:trend", "school:s1:trend",
                                    "school:s2:trend", "school:s3:trend"}  # fmt: skip
    assert set(trend["breakdown"]) == {"all"} and set(trend["reference"]) == {"2014-15"}
    row = _row(trend, family=f"council:{LA}:trend")
    r_now, v_now = _plain_variance(HAND)
    r_then, v_then = _plain_variance(earlier_rows)
    assert (row["estimate"], row["reference_estimate"]) == pytest.approx((r_now, r_then), abs=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(v_now + v_then), abs=1e-12)
    assert row["df"] == 13 - 4  # both waves: 13 answers in 4 strata
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(r_now - r_then) / row["se"], 9), abs=1e-12)


def test_without_fpc_each_stratum_counts_fully() -> None:
    """The default (superpopulation) design drops the fpc: girls vs boys in A1 is the hand value without
    (1 − n/N): h1 313/5184 × 4/3, h2 1/7776 × 3/2."""
    table = council_comparisons(prepare_design(hand_frame(), ["y"], ["sex"]), null_floor=False)
    row = _row(table, family="cluster:A1:groups")
    assert row["se"] == pytest.approx(math.sqrt(313 / 5184 * 4 / 3 + 1 / 7776 * 3 / 2), abs=1e-12)


def test_null_floor_when_a_side_is_all_alike() -> None:
    """School s1 answers all 0: its design variance is 0, so the SE is floored by the null variance.

    s1 (h1, h2: 7 rows, w = 2): W = 14, Σw² = 28; rest (h3, h4): W = 14, Y = 9, Σw² = 4·6.25 + 2·4 = 33.
    Pooled R₀ = 9/28, σ₀² = R₀(1 − R₀) = 9/28·19/28; null var = σ₀² (28/14² + 33/14²).
    Design var (no fpc): s1 0; rest h3: z = 2.5(y − 9/14)/14 on 0, 1, 1, 0 → (Σz² − (Σz)²/4)·4/3, h4: 0.
    """
    rows = [(*r[:6], 0.0) if r[0] == "s1" else r for r in HAND]
    table = council_comparisons(prepare_design(hand_frame(rows), ["y"], []))
    row = _row(table, family="school:s1:vs_rest_of_council")
    null = 9 / 28 * 19 / 28 * (28 + 33) / 14**2
    z = np.array([0, 1, 1, 0]) - 9 / 14
    design = (np.sum((2.5 * z / 14) ** 2) - np.sum(2.5 * z / 14) ** 2 / 4) * 4 / 3
    assert design < null
    assert row["se"] == pytest.approx(math.sqrt(null), abs=1e-12)
    wald = council_comparisons(prepare_design(hand_frame(rows), ["y"], []), null_floor=False)
    assert _row(wald, family="school:s1:vs_rest_of_council")["se"] == pytest.approx(
        math.sqrt(design), abs=1e-12
    )
