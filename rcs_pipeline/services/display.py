"""How services figures print in the report: pounds, shares, ratios, and words for undefined values."""

from __future__ import annotations

import math
from typing import Any

NOT_DEFINED = "not defined"
"""Printed where a cost per participant is undefined because nobody took part."""
SYMBOL_SUPPRESSED = "[c]"
SYMBOL_NOT_AVAILABLE = "[x]"
SYMBOL_NOT_APPLICABLE = "[z]"


def missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def half_up(value: float) -> int:
    """Round to a whole number with halves away from zero (2.5 → 3), as the published tables do.

    Python's round() and format(…, ".0f") send halves to the even neighbour (12.5 → 12), which would
    print a share of exactly 12.5% as 12% here but 13% in the council report.
    """
    whole = math.floor(abs(value) + 0.5 + 1e-9)
    return -whole if value < 0 else whole


def gbp(value: float | None) -> str:
    """Pounds to the pound with separators ('£1,435'), '[x]' when missing; negatives as '−£300'."""
    if missing(value):
        return SYMBOL_NOT_AVAILABLE
    sign = "\u2212" if value < 0 else ""
    return f"{sign}£{half_up(abs(value)):,d}"


def gbp_compact(value: float | None) -> str:
    """Large sums for headlines: '£16.9 million', '£640,000' below a million."""
    if missing(value):
        return SYMBOL_NOT_AVAILABLE
    if abs(value) >= 1_000_000:
        return f"£{half_up(value / 100_000) / 10:,.1f} million"
    return gbp(half_up(value / 1000) * 1000 if abs(value) >= 10_000 else value)


def percent(share: float | None) -> str:
    """A 0–1 share as a whole percentage ('24%'); '<1%' for a small non-zero share; '[x]' when undefined."""
    if missing(share):
        return SYMBOL_NOT_AVAILABLE
    if 0 < share < 0.005:
        return "<1%"
    return f"{half_up(share * 100):d}%"


def ratio(value: float | None) -> str:
    """A cost ratio to 1 dp ('4.3×'), '[z]' when not defined."""
    return SYMBOL_NOT_APPLICABLE if missing(value) else f"{half_up(value * 10) / 10:.1f}\u00d7"


def count(value: int | None) -> str:
    """A whole count with separators."""
    return SYMBOL_NOT_AVAILABLE if missing(value) else f"{int(value):,d}"


def cost(value: float | None, flag: str | None) -> str:
    """A cost per participant, or 'not defined' when its flag says there were no participants or services."""
    if flag or missing(value):
        return NOT_DEFINED
    return gbp(value)


def published_percent(value: float | None, symbol: str | None) -> str:
    """A published percentage ('14%'), or its GSS symbol ('[c]' suppressed, '[x]' not available)."""
    if symbol:
        return symbol
    return SYMBOL_NOT_AVAILABLE if missing(value) else f"{half_up(value):d}%"
