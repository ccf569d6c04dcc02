"""One declaration of the hand-over tables for producer and reader; one `conform`, which raises."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.reports.inputs import load_published
from rcs_pipeline.schemas import check, conform, empty, schema
from rcs_pipeline.storage import write_parquet_atomic

ROW = {
    "geography_level": "council",
    "geography_code": "S12000005",
    "instrument": "secondary",
    "stage": "all",
    "sex": "all",
    "roll": 120,
    "respondents": 100,
    "response_rate": 0.83,
    "suppressed": False,
}


def test_conform_orders_casts_and_fills_only_optional_columns() -> None:
    """Columns in the declared order and types; `reason` (never published) is the only column read as null."""
    frame = pl.DataFrame([{**ROW, "extra": 1}]).select(list(reversed([*ROW, "extra"])))
    out = conform(frame, "published_response_rates")
    assert out.columns == list(schema("published_response_rates"))
    assert out.row(0, named=True) == {**ROW, "reason": None}
    assert conform(None, "published_response_rates").schema == empty("published_response_rates").schema


def test_a_renamed_upstream_column_fails_loudly() -> None:
    """A producer that renamed `respondents` is an error naming the table and column, not a column of nulls."""
    renamed = pl.DataFrame([ROW]).rename({"respondents": "responded"})
    with pytest.raises(ValueError, match=r"'published_response_rates' lacks columns \['respondents'\]"):
        conform(renamed, "published_response_rates")


def test_the_reports_reader_refuses_a_published_file_missing_a_column(tmp_path) -> None:
    """load_published (reports) reads through the same conform: the renamed file stops the report."""
    home = RcsHome(tmp_path)
    bad = pl.DataFrame([ROW]).drop("roll")
    write_parquet_atomic(bad, home.table("published", "published_response_rates", "2015-16", "S12000005"))
    with pytest.raises(ValueError, match=r"lacks columns \['roll'\]"):
        load_published(home, "2015-16", "S12000005")


def test_check_is_what_the_producer_calls_before_writing() -> None:
    """A published frame with a wrong type or a missing column is refused; a good one passes unchanged."""
    good = pl.DataFrame([ROW])
    assert check(good, "published_response_rates") is good
    with pytest.raises(ValueError, match=r"wrong types \['roll \(String, expected Int64\)'\]"):
        check(good.with_columns(pl.col("roll").cast(pl.String)), "published_response_rates")
    with pytest.raises(ValueError, match=r"missing \['suppressed'\]"):
        check(good.drop("suppressed"), "published_response_rates")
