"""Fast look-ups into a council's published tables, keyed the way report sections ask for values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from rcs_pipeline.charts.figures import Point
from rcs_pipeline.reports.formatting import (
    SYMBOL_LOW_RELIABILITY,
    SYMBOL_NOT_AVAILABLE,
    SYMBOL_SUPPRESSED,
    format_interval,
    format_number,
    format_value,
)


@dataclass(frozen=True)
class Cell:
    """One printed table cell: its text and whether it shows a withheld value."""

    text: str
    suppressed: bool = False


def _key(level: str, code: str, indicator: str, breakdown: str, value: str) -> tuple[str, str, str, str, str]:
    """The look-up key of one estimate."""
    return (
        level,
        code,
        indicator,
        breakdown,
        str(value).lower() if str(value) in ("True", "False") else str(value),
    )


class Estimates:
    """Published estimates (or comparator/previous-wave estimates) indexed by geography, indicator and group."""

    def __init__(self, frame: pl.DataFrame) -> None:
        """Index the rows of a published estimates frame."""
        self.rows: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
        self.groups: dict[tuple[str, str, str, str], list[str]] = {}
        for row in frame.iter_rows(named=True):
            key = _key(
                row["geography_level"],
                row["geography_code"],
                row["indicator_id"],
                row["breakdown"],
                row["breakdown_value"],
            )
            if key not in self.rows:
                self.groups.setdefault(key[:4], []).append(key[4])
            self.rows[key] = row
        self.indicators = list(dict.fromkeys(frame["indicator_id"].to_list()))

    def get(
        self, level: str, code: str, indicator: str, breakdown: str = "all", value: str = "all"
    ) -> dict | None:
        """The published row, or None when nothing was published for that group."""
        return self.rows.get(_key(level, code, indicator, breakdown, value))

    def values_of(self, level: str, code: str, indicator: str, breakdown: str) -> list[str]:
        """The groups of a breakdown that have a row (published or suppressed), in table order."""
        return list(self.groups.get((level, code, indicator, breakdown), ()))

    def has(self, level: str, code: str, indicator: str) -> bool:
        """Whether the indicator has any published (not suppressed) value for this geography."""
        row = self.get(level, code, indicator)
        return row is not None and not row["suppressed"] and row["value"] is not None


def shown(row: dict | None) -> bool:
    """Whether a published row carries a value that may be printed."""
    return row is not None and not row["suppressed"] and row["value"] is not None


def withheld(row: dict | None) -> bool:
    """Whether a published row exists and is withheld by disclosure control (printed '[c]')."""
    return row is not None and bool(row["suppressed"])


def missing_symbol(row: dict | None) -> str:
    """The symbol for a value that is not printed: '[c]' when withheld, else '[x]' (not published)."""
    return SYMBOL_SUPPRESSED if withheld(row) else SYMBOL_NOT_AVAILABLE


def low_reliability(row: dict | None) -> bool:
    """Whether a shown published row is flagged low reliability (printed '[u]' beside its value)."""
    return shown(row) and row.get("reliability") == "low"  # type: ignore[union-attr]


def point(row: dict | None) -> Point:
    """A chart point from a published row (value None, with its symbol, when withheld or absent)."""
    if not shown(row):
        return Point(None, symbol=missing_symbol(row))
    assert row is not None
    return Point(row["value"], row["ci_low"], row["ci_high"], unreliable=low_reliability(row))


def value_cell(row: dict | None, unit: str | None = None) -> Cell:
    """The printed value of a published row ('42%', '47.3', '42% [u]'), '[c]' when withheld, '[x]' when absent."""
    if not shown(row):
        return Cell(missing_symbol(row), withheld(row))
    assert row is not None
    text = format_value(row["value"], unit or row["unit"])
    return Cell(f"{text} {SYMBOL_LOW_RELIABILITY}" if low_reliability(row) else text)


def interval_cell(row: dict | None) -> Cell:
    """The printed 95% interval of a published row, '[c]' when withheld, '[x]' when absent."""
    if not shown(row):
        return Cell(missing_symbol(row), withheld(row))
    assert row is not None
    return Cell(format_interval(row["ci_low"], row["ci_high"], row["unit"]))


def base_cell(row: dict | None) -> Cell:
    """The printed unweighted base of a published row, '[c]' when withheld, '[x]' when absent."""
    if not shown(row):
        return Cell(missing_symbol(row), withheld(row))
    assert row is not None
    if row.get("n") is None:
        return Cell(SYMBOL_NOT_AVAILABLE)
    return Cell(format_number(row["n"], "count"))


COMPARISON_WORDS = {"higher": "Higher", "lower": "Lower", "no clear difference": "No clear difference"}


def significant(row: dict | None) -> bool:
    """Whether a published comparison row states a difference: shown, tested and adjusted p < 0.05 ('higher'/'lower')."""
    return (
        row is not None
        and not row["suppressed"]
        and row["direction"] in ("higher", "lower")
        and row["estimate"] is not None
        and row["reference_estimate"] is not None
    )


def comparison_cell(row: dict | None) -> Cell:
    """What a published comparison says, as a table cell: 'Higher', 'Lower', 'No clear difference',
    'Not tested', '[c]' when withheld, '[x]' when there is none."""
    if row is None:
        return Cell(SYMBOL_NOT_AVAILABLE)
    if row["suppressed"]:
        return Cell(SYMBOL_SUPPRESSED, True)
    if row["direction"] in COMPARISON_WORDS:
        return Cell(COMPARISON_WORDS[row["direction"]])
    return Cell(SYMBOL_NOT_AVAILABLE if row["test_status"] == "not_published" else "Not tested")


class Comparisons:
    """Published comparisons indexed by kind, geography, indicator, group and reference."""

    def __init__(self, frame: pl.DataFrame) -> None:
        """Index the rows of a published_comparisons frame."""
        self.rows: dict[tuple[str, ...], dict[str, Any]] = {}
        for row in frame.iter_rows(named=True):
            key = (
                row["comparison"],
                row["geography_level"],
                row["geography_code"],
                row["indicator_id"],
                row["breakdown"],
                str(row["breakdown_value"]),
                str(row["reference"]),
            )
            self.rows[key] = row

    def get(
        self,
        comparison: str,
        level: str,
        code: str,
        indicator: str,
        breakdown: str = "all",
        value: str = "all",
        reference: str = "",
    ) -> dict | None:
        """The published comparison, or None when there is none."""
        return self.rows.get((comparison, level, code, indicator, breakdown, value, reference))
