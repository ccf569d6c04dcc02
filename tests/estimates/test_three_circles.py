"""Three circles counted by hand on five respondents."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.estimates.three_circles import three_circles

BREAKDOWN_NULLS = {
    "stage": ["S1"] * 5,
    "simd_quintile": [1] * 5,
    "urban_rural_8fold": [1] * 5,
    "urban_rural_2fold": ["urban"] * 5,
    "fsm_p6plus": [None] * 5,
    "any_asn": [False] * 5,
    "looked_after_any": [None] * 5,
    "child_protection_register": [None] * 5,
}


def _pupils() -> pl.DataFrame:
    """need/service: (T, T), (T, F), (F, T), (F, F), (T, unknown); sexes F, F, M, M, F; two schools."""
    return pl.DataFrame(
        {
            "la_code": ["S12000005"] * 5,
            "asg_code": ["X"] * 5,
            "seed_code": ["A", "A", "A", "B", "B"],
            "sex": ["F", "F", "M", "M", "F"],
            "need_any": [True, True, False, False, True],
            "service_any": [True, False, True, False, None],
            **BREAKDOWN_NULLS,
        },
        schema_overrides={
            "simd_quintile": pl.Int8,
            "urban_rural_8fold": pl.Int8,
            "fsm_p6plus": pl.Boolean,
            "looked_after_any": pl.Boolean,
            "child_protection_register": pl.Boolean,
        },
    )


def _circles(table: pl.DataFrame, level: str, code: str, breakdown: str = "all", value: str = "all") -> dict:
    """{circle: (n, base)} of one group."""
    rows = table.filter(
        (pl.col("geography_level") == level)
        & (pl.col("geography_code") == code)
        & (pl.col("breakdown") == breakdown)
        & (pl.col("breakdown_value") == value)
    )
    return {c: (n, b) for c, n, b in rows.select("circle", "n", "base").iter_rows()}


def test_council_circles_exclude_unknown_service() -> None:
    """Four respondents have both flags: one in each circle; the fifth is outside the base."""
    table = three_circles(_pupils(), ["need_any"], ["service_any"])
    assert _circles(table, "council", "S12000005") == {
        "need_with_service": (1, 4),
        "need_without_service": (1, 4),
        "service_without_need": (1, 4),
        "neither": (1, 4),
    }


def test_school_and_breakdown_groups() -> None:
    """School A: with, without, service only; girls: with, without (the third girl's service is unknown)."""
    table = three_circles(_pupils(), ["need_any"], ["service_any"])
    assert _circles(table, "school", "A") == {
        "need_with_service": (1, 3),
        "need_without_service": (1, 3),
        "service_without_need": (1, 3),
        "neither": (0, 3),
    }
    assert _circles(table, "cluster", "X", "sex", "F")["need_without_service"] == (1, 2)
    assert table.filter(pl.col("breakdown") == "looked_after_any").height == 0  # all unknown: no group
    assert table["circle"].head(4).to_list() == [
        "need_with_service",
        "need_without_service",
        "service_without_need",
        "neither",
    ]


def test_every_need_service_pair() -> None:
    """Two needs × one service → 2 pairs × 4 circles per group."""
    pupils = _pupils().with_columns(need_other=pl.lit(False))
    table = three_circles(pupils, ["need_any", "need_other"], ["service_any"])
    council = table.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all"))
    assert council.height == 8
    other = _circles(council.filter(pl.col("need") == "need_other"), "council", "S12000005")
    assert other["service_without_need"] == (2, 4) and other["neither"] == (2, 4)
