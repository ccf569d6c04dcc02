"""Publication rounding and nulls."""

import polars as pl

from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from rcs_pipeline.disclosure.publish import round_half_up
from tests.disclosure.handmade import COUNCIL, council_tables, estimate_rows, schools


def test_round_half_up_not_to_even():
    values = pl.Series([12.5, 13.5, 0.125 * 100, 14.25, 14.24])
    rounded = pl.select(round_half_up(pl.lit(values[:3]), 0)).to_series().to_list()
    assert rounded == [13.0, 14.0, 13.0]
    assert pl.select(round_half_up(pl.lit(values[3:]), 1)).to_series().to_list() == [14.3, 14.2]


def test_published_estimates_units_and_nulls():
    est = pl.concat(
        [
            estimate_rows([("council", COUNCIL, "all", 40, 5)], indicator="ind_a"),
            estimate_rows([("council", COUNCIL, "all", 40, 25)], indicator="ind_b"),
            estimate_rows([("council", COUNCIL, "all", 40, None)], indicator="ind_mean"),
        ]
    )
    out = protect_council(council_tables(est), schools({}), COUNCIL, DisclosureSettings()).published
    rows = {r["indicator_id"]: r for r in out["published_estimates"].iter_rows(named=True)}
    assert (rows["ind_a"]["value"], rows["ind_a"]["reason"]) == (None, "min_cell")
    assert "n" not in out["published_estimates"].columns  # no estimate base is published (disclosure.md §4)
    assert (rows["ind_b"]["unit"], rows["ind_b"]["value"], rows["ind_b"]["ci_low"]) == ("percent", 63.0, 56.0)
    assert (rows["ind_mean"]["unit"], rows["ind_mean"]["value"], rows["ind_mean"]["ci_high"]) == (
        "mean",
        14.3,
        15.5,
    )
