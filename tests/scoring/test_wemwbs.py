"""WEMWBS and SWEMWBS: complete-case totals and the whole published SWEMWBS conversion table."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.scoring import score_swemwbs, swemwbs_metric, wemwbs_score

# Warwick Medical School SWEMWBS raw -> metric conversion, typed independently of swemwbs_metric.csv.
PUBLISHED = {
    7: 7.00,
    8: 9.51,
    9: 11.25,
    10: 12.40,
    11: 13.33,
    12: 14.08,
    13: 14.75,
    14: 15.32,
    15: 15.84,
    16: 16.36,
    17: 16.88,
    18: 17.43,
    19: 17.98,
    20: 18.59,
    21: 19.25,
    22: 19.98,
    23: 20.73,
    24: 21.54,
    25: 22.35,
    26: 23.21,
    27: 24.11,
    28: 25.03,
    29: 26.02,
    30: 27.03,
    31: 28.13,
    32: 29.31,
    33: 30.70,
    34: 32.55,
    35: 35.00,
}


def test_whole_swemwbs_table() -> None:
    frame = pl.DataFrame({"raw": list(range(5, 38))}).with_columns(
        swemwbs_metric(pl.col("raw")).alias("metric")
    )
    got = dict(frame.iter_rows())
    for raw, metric in PUBLISHED.items():
        assert got[raw] == pytest.approx(metric, abs=1e-9), raw
    assert got[5] is None and got[6] is None and got[36] is None and got[37] is None


def test_swemwbs_from_items_29_is_26_02() -> None:
    items = {f"swemwbs_{i:02d}": [4, 4, None] for i in range(1, 8)}
    items["swemwbs_07"] = [5, 5, 5]
    items["swemwbs_01"] = [4, -8, 4]
    frame = pl.DataFrame(items, schema={k: pl.Int16 for k in items})
    scored = score_swemwbs(frame)
    assert scored["swemwbs_raw"].to_list() == [29, None, None]
    assert scored["swemwbs_metric"].to_list() == [26.02, None, None]


def test_wemwbs_complete_cases() -> None:
    items = {f"wemwbs_{i:02d}": [1, 5, 3, 3] for i in range(1, 15)}
    items["wemwbs_14"] = [1, 5, -8, 4]
    items["wemwbs_02"] = [1, 5, 3, None]
    frame = pl.DataFrame(items, schema={k: pl.Int16 for k in items})
    assert frame.select(wemwbs_score().alias("w"))["w"].to_list() == [14, 70, None, None]
