"""Investment breakdowns and headline shares on a four-service register worked by hand.

Register (roll 200 children):
  S1 Universal   physical_health  Health board  £1,000  Evidence-based  outcomes Y   50 participants
  S2 Prevention  peers            Third sector  £500    Unevaluated     outcomes N   10
  S3 Targeted    family           LA social work £2,500 Evidence-based  outcomes N   5
  S4 Intensive   family           Private       £6,000  Unevaluated     outcomes ?   0
Total £10,000, £50 per child; prevention and early intervention £1,500 = 15 %; targeted and intensive 85 %;
evidence-based £3,500 = 35 %; outcomes in contract £1,000 = 10 %.
"""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.services.investment import investment_by, investment_headlines
from tests.services.registers import make_register


@pytest.fixture
def register() -> pl.DataFrame:
    return make_register(
        {
            "level": "Universal",
            "domain": "physical_health",
            "provider_type": "Health board",
            "annual_spend_gbp": 1000.0,
            "evidence_rating": "Evidence-based",
            "outcomes_in_contract": True,
            "participants": 50,
            "funding_department": "Health",
        },
        {
            "level": "Prevention",
            "domain": "peers",
            "provider_type": "Third sector",
            "annual_spend_gbp": 500.0,
            "participants": 10,
            "funding_department": "Education",
        },
        {
            "level": "Targeted",
            "domain": "family",
            "annual_spend_gbp": 2500.0,
            "evidence_rating": "Evidence-based",
            "participants": 5,
        },
        {
            "level": "Intensive",
            "domain": "family",
            "provider_type": "Private",
            "annual_spend_gbp": 6000.0,
            "outcomes_in_contract": None,
            "participants": 0,
        },
    )


def _value(table: pl.DataFrame, breakdown: str, value: str, column: str):
    return table.filter((pl.col("breakdown") == breakdown) & (pl.col("breakdown_value") == value))[
        column
    ].item()


def test_headlines_match_hand_worked_shares(register: pl.DataFrame) -> None:
    h = investment_headlines(investment_by(register, roll_total=200))
    assert h.total_spend_gbp == 10_000.0
    assert h.spend_per_child_gbp == pytest.approx(50.0)
    assert h.prevention_share == pytest.approx(0.15)
    assert h.targeted_intensive_share == pytest.approx(0.85)
    assert h.evidence_based_share == pytest.approx(0.35)
    assert h.outcomes_in_contract_share == pytest.approx(0.10)
    assert (h.services, h.services_without_participants) == (4, 1)


def test_breakdowns_by_level_domain_provider_and_department(register: pl.DataFrame) -> None:
    table = investment_by(register, roll_total=200)
    assert _value(table, "domain", "family", "annual_spend_gbp") == 8500.0
    assert _value(table, "domain", "family", "share_of_spend") == pytest.approx(0.85)
    assert _value(table, "domain", "family", "spend_per_child_gbp") == pytest.approx(42.5)
    assert _value(table, "provider_type", "Private", "share_of_spend") == pytest.approx(0.6)
    assert _value(table, "funding_department", "Social Work", "annual_spend_gbp") == 8500.0
    assert _value(table, "level", "Universal", "participants") == 50
    assert _value(table, "outcomes_in_contract", "not known", "annual_spend_gbp") == 6000.0


def test_every_code_of_a_closed_list_is_listed_even_at_zero(register: pl.DataFrame) -> None:
    table = investment_by(register, roll_total=200)
    assert _value(table, "level", "Early intervention", "annual_spend_gbp") == 0.0
    assert _value(table, "level", "Early intervention", "share_of_spend") == 0.0
    assert _value(table, "provider_type", "Police", "services") == 0
    assert table.filter(pl.col("breakdown") == "domain").height == 6


def test_shares_of_each_breakdown_sum_to_one(register: pl.DataFrame) -> None:
    table = investment_by(register, roll_total=200)
    sums = table.group_by("breakdown").agg(pl.col("share_of_spend").sum())
    assert sums["share_of_spend"].to_list() == pytest.approx([1.0] * sums.height)


def test_empty_register_gives_zero_spend_and_undefined_shares() -> None:
    table = investment_by(make_register().head(0), roll_total=0)
    h = investment_headlines(table)
    assert h.total_spend_gbp == 0.0
    assert h.prevention_share is None and h.spend_per_child_gbp is None


def test_sums_do_not_depend_on_row_order() -> None:
    pennies = [{"annual_spend_gbp": v, "participants": 1} for v in (0.1, 0.2, 0.3, 1e9 + 0.07)]
    forward = investment_by(make_register(*pennies), 10)
    backward = investment_by(make_register(*reversed(pennies)).sort("service_id", descending=True), 10)
    assert _value(forward, "all", "all", "annual_spend_gbp") == _value(
        backward, "all", "all", "annual_spend_gbp"
    )
    assert _value(forward, "all", "all", "annual_spend_gbp") == 1_000_000_000.67
