"""The summary's spend-against-need finding, worked by hand from a small register and published need."""

from __future__ import annotations

from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.report import _need_gap_finding
from tests.services.landing import published_need
from tests.services.registers import make_register

# Spend £1,000: family £600 (60%), peers £200 (20%), learning £200 (20%), the other domains £0.
REGISTER = make_register(
    {"domain": "family", "annual_spend_gbp": 600.0},
    {"domain": "peers", "annual_spend_gbp": 200.0},
    {"domain": "learning", "annual_spend_gbp": 200.0},
)


def test_names_the_domain_whose_need_most_exceeds_its_spend() -> None:
    # Gaps in percentage points: family 12 - 60 = -48; peers 30 - 20 = +10; mental wellbeing 25 - 0 = +25.
    # Learning's 70% would give +50 but it is suppressed, so it is never read.
    need = published_need(
        {
            "sec_high_need_family": (12.0, 300, False),
            "sec_high_need_peers": (30.0, 300, False),
            "sec_high_need_mental_wellbeing": (25.0, 300, False),
            "sec_high_need_learning": (None, None, True),
        }
    )
    finding = _need_gap_finding(spend_against_need(REGISTER, need))
    assert finding == (
        "Mental wellbeing services take 0% of spend, while 25% of secondary pupils have high "
        "need in this domain."
    )


def test_no_finding_when_no_domain_needs_more_than_it_gets() -> None:
    # family 50 - 60 = -10, peers 20 - 20 = 0, learning 5 - 20 = -15: no domain's need exceeds its spend.
    need = published_need(
        {
            "sec_high_need_family": (50.0, 300, False),
            "sec_high_need_peers": (20.0, 300, False),
            "sec_high_need_learning": (5.0, 300, False),
        }
    )
    assert _need_gap_finding(spend_against_need(REGISTER, need)) is None
