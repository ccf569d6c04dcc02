"""Spend against need from published council estimates; suppressed stays [c], absent is [x]."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.services.need import spend_against_need
from tests.services.landing import published_rows
from tests.services.registers import make_register

# The council's response table as published (hand-made): secondary respondents shown, primary withheld.
RATES = pl.DataFrame(
    {
        "geography_level": ["council", "council", "council", "school"],
        "geography_code": ["S12000005", "S12000005", "S12000005", "S1"],
        "instrument": ["all", "secondary", "primary", "secondary"],
        "stage": ["all", "all", "all", "all"],
        "sex": ["all", "all", "all", "all"],
        "roll": [4991, 2856, 2135, 40],
        "respondents": [3901, 2273, None, 30],
        "suppressed": [False, False, True, False],
    }
)


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
    return spend_against_need(register, published, RATES).to_pandas().set_index("domain")


def test_share_of_spend_beside_share_with_high_need(table) -> None:
    assert table.loc["family", "share_of_spend"] == pytest.approx(0.8)
    assert table.loc["family", "services"] == 2
    assert table.loc["family", "secondary_high_need_percent"] == 12.0
    assert (
        table.loc["family", "secondary_n"] == 2273
    )  # the survey's published council respondents (§4 "Bases")
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


def test_the_base_is_the_published_council_respondents_of_each_survey(table) -> None:
    """No estimate's own n is published: a shown percentage gets its survey's council respondents (2,273),
    a withheld one no base, and a survey whose respondents the response table withholds no base either."""
    assert table.loc["peers", "secondary_n"] == 2273
    assert pd_isna(table.loc["family", "primary_n"])  # the percentage is withheld
    shown_primary = (
        spend_against_need(
            make_register(), published_rows(("pri_high_need_family", "council", 20.0, None, False)), RATES
        )
        .to_pandas()
        .set_index("domain")
    )
    assert shown_primary.loc["family", "primary_high_need_percent"] == 20.0
    assert pd_isna(
        shown_primary.loc["family", "primary_n"]
    )  # its respondents are withheld in the response table
