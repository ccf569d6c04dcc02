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
SYMBOL_LOW_RELIABILITY = "[u]"
"""Low reliability: printed beside a published value the estimates flag `reliability = 'low'`."""

SYMBOLS = {
    SYMBOL_SUPPRESSED: "confidential: withheld to protect confidentiality, so that no child can be identified",
    SYMBOL_NOT_AVAILABLE: "not available: not collected, or not published for this group",
    SYMBOL_NOT_APPLICABLE: "not applicable",
    SYMBOL_LOW_RELIABILITY: "low reliability: the figure rests on few pupils or has a wide confidence interval "
    "(NCHS data presentation standards for proportions); read it with caution",
}
"""The GSS symbols, each explained once in every report (methods annex) and spreadsheet (notes sheet)."""


def _missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any, unit: str = "percent") -> str:
    """A published value as printed in a sentence or cell: '42%', '47.3', '1,234', or '[x]' when absent.

    Which symbol a table cell shows in place of a value ([c], [x], [z]) is decided by
    `rcs_pipeline.reports.lookup.cell` alone."""
    if _missing(value):
        return SYMBOL_NOT_AVAILABLE
    if unit == "percent":
        return f"{round(value):d}%"
    if unit == "count":
        return f"{int(value):,d}"
    return f"{value:.1f}"


def format_number(value: Any, unit: str = "percent") -> str:
    """A bare number without the % sign ('42', '47.3'), '[x]' when missing (withheld values never get here)."""
    if _missing(value):
        return SYMBOL_NOT_AVAILABLE
    if unit == "percent":
        return f"{round(value):d}"
    if unit == "count":
        return f"{int(value):,d}"
    return f"{value:.1f}"


def format_interval(low: Any, high: Any, unit: str = "percent") -> str:
    """A confidence interval as printed ('38 to 46'), or '[x]' when either end is missing.

    A withheld row never reaches here (its cell prints '[c]'); a published value without an interval is a
    defect upstream, shown as not available rather than as confidential.
    """
    if _missing(low) or _missing(high):
        return SYMBOL_NOT_AVAILABLE
    return f"{format_number(low, unit)} to {format_number(high, unit)}"


def format_count(value: Any) -> str:
    """A count with thousands separators, or '[x]' when missing (withheld counts are printed by their callers)."""
    return SYMBOL_NOT_AVAILABLE if _missing(value) else f"{int(value):,d}"


def register_filters(env: jinja2.Environment) -> None:
    """Make the symbols' meanings available to templates (the methods annex's table of symbols)."""
    env.globals["symbols"] = SYMBOLS
