"""Fast look-ups into a council's published tables, keyed the way report sections ask for values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from rcs_pipeline.charts.figures import Point
from rcs_pipeline.reports.formatting import SYMBOL_SUPPRESSED, format_interval, format_number, format_value


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


def point(row: dict | None) -> Point:
    """A chart point from a published row (value None when suppressed or absent)."""
    if not shown(row):
        return Point(None)
    return Point(row["value"], row["ci_low"], row["ci_high"])


def value_cell(row: dict | None, unit: str | None = None) -> Cell:
    """The printed value of a published row ('42%', '47.3'), '[c]' when suppressed, '[x]' when absent."""
    if row is None:
        return Cell(format_value(None), False)
    if not shown(row):
        return Cell(SYMBOL_SUPPRESSED, True)
    return Cell(format_value(row["value"], unit or row["unit"]))


def interval_cell(row: dict | None) -> Cell:
    """The printed 95% interval of a published row, '[c]' when withheld."""
    if row is None:
        return Cell("[x]")
    if not shown(row):
        return Cell(SYMBOL_SUPPRESSED, True)
    return Cell(format_interval(row["ci_low"], row["ci_high"], row["unit"]))


def base_cell(row: dict | None) -> Cell:
    """The printed unweighted base of a published row, '[c]' when withheld."""
    if row is None:
        return Cell("[x]")
    if not shown(row) or row.get("n") is None:
        return Cell(SYMBOL_SUPPRESSED, True)
    return Cell(format_number(row["n"], "count"))
