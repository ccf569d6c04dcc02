"""The parent design by hand: age bands, strata, weights and one domain's variance worked out on paper."""

from __future__ import annotations

import math

import polars as pl
import pytest

from rcs_pipeline.estimates import IndicatorColumnError
from rcs_pipeline.estimates.parent_design import age_band, design_rows, estimate_parents


def four_parents() -> pl.DataFrame:
    """Two strata of two interviews in one council; weights 1, 3 (stratum A) and 2, 2 (stratum B)."""
    return pl.DataFrame(
        {
            "la_code": ["S12000005"] * 4,
            "asg_code": ["A01", "A01", None, "A01"],
            "child_age": [0, 3, 4, 8],
            "sex": ["F", "M", "F", None],
            "simd_quintile": pl.Series([1, 1, 5, None], dtype=pl.Int8),
            "urban_rural_2fold": ["urban", "urban", "rural", None],
            "need_sdq_high": pl.Series([None, None, True, False], dtype=pl.Boolean),
            "sample_stratum": ["A", "A", "B", "B"],
            "design_weight": [1.0, 3.0, 2.0, 2.0],
            "weight": [1.0] * 4,
            "ind_yes": [1.0, 0.0, 1.0, 0.0],
        }
    )


def test_age_bands_cover_0_to_8_once() -> None:
    """0-2, 3-4, 5-8; null outside or unknown."""
    ages = pl.DataFrame({"a": [0, 2, 3, 4, 5, 8, None, 9]})
    bands = ages.select(age_band(pl.col("a")).alias("band"))["band"].to_list()
    assert bands == ["0-2", "0-2", "3-4", "3-4", "5-8", "5-8", None, None]


def test_strata_and_weights_come_from_the_delivery_else_the_council() -> None:
    """Delivered stratum and weight are used; without them one stratum per council and weight 1."""
    rows = design_rows(four_parents())
    assert rows["stratum"].to_list() == ["S12000005|A"] * 2 + ["S12000005|B"] * 2
    assert rows["weight"].to_list() == [1.0, 3.0, 2.0, 2.0]
    plain = design_rows(four_parents().drop("sample_stratum", "design_weight"))
    assert plain["stratum"].unique().to_list() == ["S12000005|council"]
    assert plain["weight"].to_list() == [1.0] * 4


def test_council_proportion_by_hand() -> None:
    """p = (1·1 + 2·1)/8 = 0.375; z = w(y − p)/8: A (0.078125, −0.140625), B (0.15625, −0.09375).

    v = Σ_h 2·(Σz² − (Σz)²/2): A 2·(0.02587890625 − 0.001953125) = 0.0478515625,
    B 2·(0.033203125 − 0.001953125) = 0.0625; v = 0.1103515625 (exact in binary); df = 4 − 2 = 2.
    """
    est = estimate_parents(four_parents(), {"yes": "proportion"})
    row = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")).row(
        0, named=True
    )
    assert row["estimate"] == pytest.approx(0.375)
    z = {"A": (1 * (1 - 0.375) / 8, 3 * (0 - 0.375) / 8), "B": (2 * (1 - 0.375) / 8, 2 * (0 - 0.375) / 8)}
    var = sum(2 * (a * a + b * b - (a + b) ** 2 / 2) for a, b in z.values())
    assert var == 0.1103515625
    assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert row["df"] == 2 and row["n"] == 4 and row["n_positive"] == 2


def test_domains_keep_the_full_strata() -> None:
    """Cluster A01 (rows 1, 2, 4): p = 1/6; row 3 is in stratum B with z = 0, so n_B stays 2."""
    est = estimate_parents(four_parents(), {"yes": "proportion"})
    row = est.filter((pl.col("geography_level") == "cluster") & (pl.col("breakdown") == "all")).row(
        0, named=True
    )
    assert row["estimate"] == pytest.approx(1 / 6)
    p = 1 / 6
    a = (1 * (1 - p) / 6, 3 * (0 - p) / 6)
    b = (0.0, 2 * (0 - p) / 6)
    var = sum(2 * (x * x + y * y - (x + y) ** 2 / 2) for x, y in (a, b))
    assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert row["df"] == 3 - 2


def test_breakdown_groups() -> None:
    """Age bands, sex, SIMD, urban/rural and SDQ need groups; a null value is in no group of its breakdown."""
    est = estimate_parents(four_parents(), {"yes": "proportion"}).filter(
        pl.col("geography_level") == "council"
    )
    groups = {(b, v): n for b, v, n in est.select("breakdown", "breakdown_value", "n").iter_rows()}
    assert groups[("child_age_band", "0-2")] == 1 and groups[("child_age_band", "3-4")] == 2
    assert groups[("child_age_band", "5-8")] == 1
    assert groups[("sex", "F")] == 2 and ("sex", "null") not in groups
    assert groups[("need_sdq_high", "true")] == 1 and groups[("need_sdq_high", "false")] == 1
    assert sum(n for (b, _), n in groups.items() if b == "simd_quintile") == 3


def test_lonely_stratum_gives_no_variance_where_touched() -> None:
    """A stratum of one interview: no SE (single_psu) for domains touching it, a Clopper-Pearson interval."""
    frame = four_parents().with_columns(pl.Series("sample_stratum", ["A", "A", "B", "C"]))
    est = estimate_parents(frame, {"yes": "proportion"})
    council = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")).row(
        0, named=True
    )
    assert council["se"] is None and council["ci_method"] == "clopper_pearson"
    girls = est.filter((pl.col("breakdown") == "sex") & (pl.col("breakdown_value") == "F")).row(0, named=True)
    assert girls["se"] is not None  # rows 1 and 3 lie in strata A and B only


def test_missing_columns_are_named() -> None:
    """A parent_scores without the age or an indicator column fails naming them."""
    with pytest.raises(IndicatorColumnError, match=r"child_age.*ind_nope"):
        estimate_parents(four_parents().drop("child_age"), {"nope": "proportion"})


def test_parent_response_against_families_issued() -> None:
    """Interviews against the families issued per stratum (one value each); no row when any stratum lacks it."""
    from rcs_pipeline.estimates.parent_design import parent_response

    frame = four_parents().with_columns(pl.Series("stratum_issued", [40, 40, 60, 60], dtype=pl.Int32))
    row = parent_response(frame).row(0, named=True)
    assert (row["geography_level"], row["instrument"], row["stage"], row["sex"]) == (
        "council",
        "parent",
        "all",
        "all",
    )
    assert (row["roll"], row["respondents"]) == (100, 4)
    assert parent_response(frame.with_columns(pl.Series("stratum_issued", [40, 40, None, None]))).is_empty()
    assert parent_response(frame.with_columns(pl.Series("stratum_issued", [40, 41, 60, 60]))).is_empty()
    assert parent_response(frame.with_columns(pl.Series("stratum_issued", [1, 1, 60, 60]))).is_empty()
    assert parent_response(four_parents()).is_empty()


def many_parents(rows: int = 30_000, seed: int = 5) -> pl.DataFrame:
    """A national-sized parent sample: 32 councils of 6 contractor strata, unequal weights, two indicators."""
    import numpy as np

    rng = np.random.default_rng(seed)
    council = rng.integers(0, 32, rows)
    return pl.DataFrame(
        {
            "la_code": [f"S1200{c:04d}" for c in council],
            "asg_code": [f"A{c:02d}{k}" for c, k in zip(council, rng.integers(0, 5, rows), strict=True)],
            "child_age": rng.integers(0, 9, rows),
            "sex": rng.choice(["F", "M"], rows),
            "simd_quintile": pl.Series(rng.integers(1, 6, rows), dtype=pl.Int8),
            "urban_rural_2fold": rng.choice(["urban", "rural"], rows),
            "need_sdq_high": pl.Series(rng.random(rows) < 0.2, dtype=pl.Boolean),
            "sample_stratum": rng.choice(list("ABCDEF"), rows),
            "design_weight": rng.choice([0.5, 1.0, 1.7, 2.4, 3.1], rows),
            "weight": np.ones(rows),
            "ind_yes": (rng.random(rows) < 0.4).astype(float),
            "ind_score": rng.normal(24.0, 4.0, rows),
        }
    )


def test_the_same_scores_give_the_same_bits_every_time() -> None:
    """Variances are sums of many floating-point terms: added in a fixed order, a national-sized sample gives
    bit-identical estimates on every run (a parallel group-by's order changed the last digits)."""
    frame, types = many_parents(), {"yes": "proportion", "score": "mean"}
    runs = [estimate_parents(frame, types, levels=("council", "all_councils")) for _ in range(6)]
    assert runs[0].height > 900
    assert all(run.equals(runs[0]) for run in runs[1:])
