"""The differences the synthetic generator planted show in the estimates, with the right sign and size.

Ranges come from `rcs_pipeline.synthetic.effects.EXPECTED_DIFFERENCES` (measured on the demo scale,
rounded out). Scores are estimated per instrument (`sec_…`, `pri_…`); where the planted effect is for both
pupil surveys together, the two differences are combined weighted by the smaller group's base.
"""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.synthetic.effects import EXPECTED_DIFFERENCES
from tests.estimates.conftest import read_table

pytestmark = pytest.mark.xdist_group("estimates_pipeline")


def _expected(measure: str, breakdown: str) -> tuple[float, float, str, str]:
    """(low, high, group a, group b) of one planted effect."""
    effect = next(e for e in EXPECTED_DIFFERENCES if e.measure == measure and e.breakdown == breakdown)
    return effect.low, effect.high, effect.group_a.lower(), effect.group_b.lower()


def _difference(est: pl.DataFrame, indicator: str, breakdown: str, a: str, b: str) -> tuple[float, int]:
    """Council estimate of group a minus group b, and the smaller group's base."""
    rows = est.filter((pl.col("geography_level") == "council") & (pl.col("indicator_id") == indicator)
                      & (pl.col("breakdown") == breakdown))  # fmt: skip
    ga, gb = (rows.filter(pl.col("breakdown_value") == v).row(0, named=True) for v in (a, b))
    return ga["estimate"] - gb["estimate"], min(ga["n"], gb["n"])


def test_looked_after_children_have_higher_sdq_totals(small_council: RcsHome) -> None:
    """Looked-after minus not looked-after mean SDQ total: positive in both surveys, combined in range."""
    est = read_table(small_council, "estimates")
    low, high, a, b = _expected("sdq_total", "looked_after_any")
    diffs = [_difference(est, f"{p}_sdq_total_mean", "looked_after_any", a, b) for p in ("sec", "pri")]
    assert all(d > 0 for d, _ in diffs)
    combined = sum(d * n for d, n in diffs) / sum(n for _, n in diffs)
    assert low <= combined <= high


def test_simd_gradient_in_wemwbs_and_sdq(small_council: RcsHome) -> None:
    """Least minus most deprived WEMWBS is positive and in range; most minus least deprived SDQ total too."""
    est = read_table(small_council, "estimates")
    low, high, a, b = _expected("wemwbs", "simd_quintile")
    wemwbs, _ = _difference(est, "sec_wemwbs_mean", "simd_quintile", a, b)
    assert low <= wemwbs <= high
    quintiles = (est.filter((pl.col("geography_level") == "council") & (pl.col("indicator_id") == "sec_wemwbs_mean")
                            & (pl.col("breakdown") == "simd_quintile")).sort("breakdown_value")["estimate"])  # fmt: skip
    assert quintiles[0] == quintiles.min()  # the most deprived quintile has the lowest wellbeing
    low, high, a, b = _expected("sdq_total", "simd_quintile")
    diffs = [_difference(est, f"{p}_sdq_total_mean", "simd_quintile", a, b) for p in ("sec", "pri")]
    combined = sum(d * n for d, n in diffs) / sum(n for _, n in diffs)
    assert low <= combined <= high
