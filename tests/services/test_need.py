"""Spend against need from published council estimates; suppressed stays [c], absent is [x]."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.services.need import spend_against_need
from tests.services.landing import published_rows
from tests.services.registers import make_register


@pytest.fixture
def table() -> pl.DataFrame:
    register = make_register(
        {"domain": "family", "annual_spend_gbp": 600.0},
        {"domain": "family", "annual_spend_gbp": 200.0},
        {"domain": "peers", "annual_spend_gbp": 200.0},
    )
    published = published_rows(
        ("sec_high_need_family", "council", 12.0, 300, False),
        ("pri_high_need_family", "council", None, None, True),
        ("sec_high_need_peers", "council", 0.0, 250, False),
        ("sec_high_need_peers", "school", 40.0, 30, False),  # a school's figure is not the council's
    )
    return spend_against_need(register, published).to_pandas().set_index("domain")


def test_share_of_spend_beside_share_with_high_need(table) -> None:
    assert table.loc["family", "share_of_spend"] == pytest.approx(0.8)
    assert table.loc["family", "services"] == 2
    assert table.loc["family", "secondary_high_need_percent"] == 12.0
    assert pd_isna(table.loc["family", "secondary_n"])  # no estimate base is published (disclosure.md §4)
    assert table.loc["peers", "share_of_spend"] == pytest.approx(0.2)


def test_suppressed_is_c_and_never_zero(table) -> None:
    assert table.loc["family", "primary_symbol"] == "[c]"
    assert pd_isna(table.loc["family", "primary_high_need_percent"])


def test_published_zero_is_a_real_zero_and_absent_is_x(table) -> None:
    assert table.loc["peers", "secondary_high_need_percent"] == 0.0
    assert pd_isna(table.loc["peers", "secondary_symbol"])
    assert table.loc["learning", "secondary_symbol"] == "[x]"
    assert table.loc["learning", "share_of_spend"] == 0.0
    assert list(table.index) == [
        "physical_health",
        "mental_wellbeing",
        "family",
        "peers",
        "learning",
        "local_area",
    ]


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
