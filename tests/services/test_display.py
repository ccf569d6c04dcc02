"""Printed services figures round halves up, as the published tables do, and say when a value is missing."""

from __future__ import annotations

from rcs_pipeline.services import display as show


def test_shares_and_published_percentages_round_half_up() -> None:
    # £125 of £1,000 is exactly 12.5%: 13%, as the council report's published percentages round.
    assert show.percent(0.125) == "13%"
    assert show.percent(0.145) == "15%"  # 0.145 * 100 is 14.499999999999998 in binary floating point
    assert show.percent(0.124) == "12%"
    assert show.published_percent(12.5, None) == "13%"
    assert show.published_percent(None, "[c]") == "[c]"


def test_pounds_and_ratios_round_half_up() -> None:
    assert show.gbp(2.5) == "£3"
    assert show.gbp(-300.5) == "\u2212£301"
    assert show.gbp(1234.49) == "£1,234"
    assert show.ratio(1.25) == "1.3\u00d7"  # £1,500 against £1,200
    assert show.gbp_compact(1_250_000) == "£1.3 million"
    assert show.gbp_compact(12_500) == "£13,000"


def test_missing_and_tiny_values_print_symbols() -> None:
    assert show.percent(None) == "[x]"
    assert show.percent(0.004) == "<1%"
    assert show.ratio(None) == "[z]"
    assert show.cost(None, "no_participants") == "not defined"
