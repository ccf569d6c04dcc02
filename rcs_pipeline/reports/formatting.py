"""How published values print: GSS symbols for missing values, whole percentages, means to 1 dp."""

from __future__ import annotations

import math
from typing import Any

import jinja2

SYMBOL_SUPPRESSED = "[c]"
"""Confidential: suppressed by disclosure control (GSS symbol)."""
SYMBOL_NOT_AVAILABLE = "[x]"
"""Not available: the figure was not collected or not produced for this group."""
SYMBOL_NOT_APPLICABLE = "[z]"
"""Not applicable: the question does not apply to this group."""

SYMBOLS = {
    SYMBOL_SUPPRESSED: "confidential: withheld so that no child can be identified",
    SYMBOL_NOT_AVAILABLE: "not available",
    SYMBOL_NOT_APPLICABLE: "not applicable",
}


def _missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(
    value: Any, unit: str = "percent", *, suppressed: bool | None = None, symbol: str | None = None
) -> str:
    """A published value as printed: '42%', '47.3', or '[c]' when suppressed / '[x]' when absent."""
    if suppressed:
        return SYMBOL_SUPPRESSED
    if _missing(value):
        return symbol or SYMBOL_NOT_AVAILABLE
    if unit == "percent":
        return f"{round(value):d}%"
    if unit == "count":
        return f"{int(value):,d}"
    return f"{value:.1f}"


def format_number(value: Any, unit: str = "percent") -> str:
    """A bare number without the % sign ('42', '47.3'), '[c]' when missing."""
    if _missing(value):
        return SYMBOL_SUPPRESSED
    if unit == "percent":
        return f"{round(value):d}"
    if unit == "count":
        return f"{int(value):,d}"
    return f"{value:.1f}"


def format_interval(low: Any, high: Any, unit: str = "percent") -> str:
    """A confidence interval as printed ('38 to 46'), or '[c]' when either end is withheld."""
    if _missing(low) or _missing(high):
        return SYMBOL_SUPPRESSED
    return f"{format_number(low, unit)} to {format_number(high, unit)}"


def format_count(value: Any) -> str:
    """A count with thousands separators, or '[c]'."""
    return SYMBOL_SUPPRESSED if _missing(value) else f"{int(value):,d}"


def register_filters(env: jinja2.Environment) -> None:
    """Make the formatters available to templates as filters."""
    env.filters["value"] = format_value
    env.filters["number"] = format_number
    env.filters["count"] = format_count
    env.globals["interval"] = format_interval
    env.globals["symbols"] = SYMBOLS
