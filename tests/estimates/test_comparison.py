"""Comparator and previous-wave joins."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.estimates.comparison import previous_wave, with_comparator, with_previous_wave


def _est(level: str, code: str, estimate: float, low: float, high: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": ["x"],
            "geography_level": [level],
            "geography_code": [code],
            "breakdown": ["all"],
            "breakdown_value": ["all"],
            "n": [100],
            "estimate": [estimate],
            "ci_low": [low],
            "ci_high": [high],
        }
    )


def test_previous_wave_is_latest_earlier() -> None:
    assert previous_wave(["2015-16", "2017-18", "2019-20"], "2019-20") == "2017-18"
    assert previous_wave(["2015-16"], "2015-16") is None


def test_trend_and_comparator_joins() -> None:
    """Change is the difference; disjoint intervals are flagged; the comparator matches by group."""
    now = _est("council", "S12000005", 0.5, 0.45, 0.55)
    before = _est("council", "S12000005", 0.3, 0.25, 0.35)
    trend = with_previous_wave(now, before, "2013-14").row(0, named=True)
    assert trend["previous_wave"] == "2013-14"
    assert abs(trend["change"] - 0.2) < 1e-12
    assert trend["ci_overlap"] is False
    missing = with_previous_wave(now, None, None).row(0, named=True)
    assert missing["previous_estimate"] is None and missing["previous_wave"] is None
    comp = with_comparator(now, _est("all_councils", "all", 0.4, 0.38, 0.42)).row(0, named=True)
    assert comp["comparator_estimate"] == 0.4
