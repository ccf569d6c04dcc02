"""Response rates against the roll, counted by hand."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.estimates.response_rates import response_rates

SCHOOLS = pl.DataFrame({"seed_code": ["A", "B"], "la_code": ["S12000005"] * 2, "asg_code": ["X", "X"]})
ROLL = pl.DataFrame(
    {
        "seed_code": ["A", "A", "A", "B", "B"],
        "stage": ["P5", "P5", "P4", "S1", "S1"],
        "sex": ["F", "M", "F", "F", "M"],
        "pupils": [10, 12, 30, 50, 40],
    }
)
PUPILS = pl.DataFrame(
    {
        "la_code": ["S12000005"] * 5,
        "asg_code": ["X"] * 5,
        "seed_code": ["A", "A", "B", "B", "B"],
        "instrument": ["primary", "primary", "secondary", "secondary", "secondary"],
        "stage": ["P5", "P5", "S1", "S1", "S1"],
        "sex": ["F", None, "F", "F", "M"],
    }
)


def _get(
    table: pl.DataFrame, level: str, code: str, instrument: str, stage: str, sex: str
) -> tuple[int, int]:
    row = table.filter(
        (pl.col("geography_level") == level)
        & (pl.col("geography_code") == code)
        & (pl.col("instrument") == instrument)
        & (pl.col("stage") == stage)
        & (pl.col("sex") == sex)
    )
    assert row.height == 1
    return row["roll"].item(), row["respondents"].item()


def test_totals_and_cells() -> None:
    """P4 is not surveyed; a respondent without sex counts in totals only."""
    table = response_rates(PUPILS, SCHOOLS, ROLL)
    assert _get(table, "council", "S12000005", "all", "all", "all") == (112, 5)
    assert _get(table, "council", "S12000005", "primary", "all", "all") == (22, 2)
    assert _get(table, "school", "A", "primary", "P5", "F") == (10, 1)
    assert _get(table, "school", "A", "primary", "P5", "M") == (12, 0)
    assert _get(table, "cluster", "X", "secondary", "S1", "F") == (50, 2)
    assert _get(table, "school", "B", "secondary", "all", "M") == (40, 1)
    assert table.filter(pl.col("stage") == "P4").height == 0
    assert table.schema["roll"] == pl.Int64 and table.schema["respondents"] == pl.Int64
