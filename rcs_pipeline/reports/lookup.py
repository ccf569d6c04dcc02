"""Fast look-ups into a council's published tables, keyed the way report sections ask for values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from rcs_pipeline.charts.figures import Point
from rcs_pipeline.reports.formatting import (
    SYMBOL_LOW_RELIABILITY,
    SYMBOL_NOT_AVAILABLE,
    SYMBOL_SUPPRESSED,
    format_interval,
    format_value,
)

TEXT = "text"
"""The unit of a cell holding words (names, codes, test results): always written as text."""


@dataclass(frozen=True)
class Cell:
    """One table cell: a value in its unit (a number stays a number, an interval is its two ends, words are
    text) or, in its place, a GSS symbol; `low` prints [u] beside a value of low reliability.

    Make cells with `cell()`, the one place that decides between value and symbol. The template prints
    `text`; the spreadsheet writes numbers as numbers and everything else as text.
    """

    value: float | int | str | tuple[float, float] | None = None
    unit: str = TEXT
    symbol: str | None = None
    low: bool = False

    @property
    def suppressed(self) -> bool:
        """Whether the cell shows a value withheld by disclosure control ([c])."""
        return self.symbol == SYMBOL_SUPPRESSED

    @property
    def number(self) -> float | int | None:
        """The cell's value when it is a plain number the spreadsheet may store as one (not [u], not text)."""
        if self.symbol is not None or self.low or self.unit == TEXT:
            return None
        value = self.value
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    @property
    def text(self) -> str:
        """The cell as printed: '42%', '47.3', '1,234', '38 to 46', '42% [u]', words, or its symbol."""
        if self.symbol is not None:
            return self.symbol
        if self.unit == TEXT:
            return str(self.value)
        if isinstance(self.value, tuple):
            printed = format_interval(*self.value, self.unit)
        else:
            printed = format_value(self.value, self.unit)
        return f"{printed} {SYMBOL_LOW_RELIABILITY}" if self.low else printed


def cell(
    value: float | int | str | tuple[Any, Any] | None,
    unit: str = TEXT,
    *,
    suppressed: bool = False,
    missing: str = SYMBOL_NOT_AVAILABLE,
    low: bool = False,
) -> Cell:
    """The one decision of what a table cell holds: [c] when withheld, `missing` ([x] not available, or [z]
    not applicable) when there is no value (or an interval lacks an end), else the value in its unit
    ('percent', 'mean', 'count', or 'text' for words; a pair is an interval), with [u] beside it when `low`."""
    if suppressed:
        return Cell(symbol=SYMBOL_SUPPRESSED)
    ends = value if isinstance(value, tuple) else (value,)
    if any(_absent(v) for v in ends):
        return Cell(symbol=missing)
    return Cell(value, unit, low=low)


def _absent(value: Any) -> bool:
    """None or NaN: no value to print."""
    return value is None or (isinstance(value, float) and math.isnan(value))


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
    """The value of a published row ('42%', '47.3', '42% [u]'), '[c]' when withheld, '[x]' when absent."""
    value = row["value"] if shown(row) else None  # type: ignore[index]
    unit = unit or (row["unit"] if row is not None else TEXT)
    return cell(value, unit, suppressed=withheld(row), low=low_reliability(row))


def interval_cell(row: dict | None) -> Cell:
    """The 95% interval of a published row ('38 to 46'), '[c]' when withheld, '[x]' when absent."""
    ends = (row["ci_low"], row["ci_high"]) if shown(row) else None  # type: ignore[index]
    return cell(ends, row["unit"] if row is not None else TEXT, suppressed=withheld(row))


def with_area_bases(
    estimates: pl.DataFrame, response_rates: pl.DataFrame, parents: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Published estimates with `n` = their area's respondents (same instrument, stage and sex) from the
    published response table, and `base_withheld` where those respondents are [c].

    No estimate's own base is published (docs/methods/disclosure.md §4, "Bases"): the base a report prints
    beside a percentage is the area's respondents, the figure the response table prints. The parent survey
    has no response table: its council `all` rows get the parents interviewed from `parents` (the published
    linkage_quality, instrument `parent`, measure `respondents`). Rows of other breakdowns get none ([x]).
    """
    from rcs_pipeline.indicators import load_catalogue

    keys = ["geography_level", "geography_code", "instrument", "stage", "sex"]
    bases = response_rates.select(
        *keys,
        pl.when(~pl.col("suppressed")).then(pl.col("respondents")).alias("n"),
        pl.col("suppressed").alias("base_withheld"),
    )
    if parents is not None and not estimates.is_empty():
        council = estimates.filter(pl.col("geography_level") == "council")["geography_code"].head(1)
        interviews = parents.filter(
            (pl.col("instrument") == "parent")
            & (pl.col("breakdown") == "all")
            & (pl.col("measure") == "respondents")
        ).select(
            pl.lit("council").alias("geography_level"),
            pl.lit(council.item() if council.len() else None, pl.String).alias("geography_code"),
            pl.lit("parent").alias("instrument"),
            pl.lit("all").alias("stage"),
            pl.lit("all").alias("sex"),
            pl.when(~pl.col("suppressed")).then(pl.col("count")).cast(bases.schema["n"]).alias("n"),
            pl.col("suppressed").alias("base_withheld"),
        )
        bases = pl.concat([bases, interviews.cast(bases.schema)])
    by_breakdown = pl.col("breakdown")
    framed = estimates.drop([c for c in ("n", "base_withheld") if c in estimates.columns]).join(
        load_catalogue().select("indicator_id", "instrument"), on="indicator_id", how="left"
    )
    framed = framed.with_columns(
        stage=pl.when(by_breakdown == "stage").then(pl.col("breakdown_value")).otherwise(pl.lit("all")),
        sex=pl.when(by_breakdown == "sex").then(pl.col("breakdown_value")).otherwise(pl.lit("all")),
        _own=by_breakdown.is_in(["all", "stage", "sex"]),
    )
    joined = framed.join(bases, on=keys, how="left", nulls_equal=True)
    return joined.with_columns(
        n=pl.when(pl.col("_own")).then(pl.col("n")),
        base_withheld=(pl.col("_own") & pl.col("base_withheld").fill_null(False)),
    ).drop("instrument", "stage", "sex", "_own")


def base_cell(row: dict | None) -> Cell:
    """The base printed beside a published row: its area's respondents (`with_area_bases`), '[c]' when the row
    or those respondents are withheld, '[x]' when absent."""
    if not shown(row):
        return cell(None, "count", suppressed=withheld(row))
    assert row is not None
    return cell(row.get("n"), "count", suppressed=bool(row.get("base_withheld")))


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
    if row is None or row["suppressed"]:
        return cell(None, suppressed=row is not None)
    if row["direction"] in COMPARISON_WORDS:
        return cell(COMPARISON_WORDS[row["direction"]])
    return cell(None if row["test_status"] == "not_published" else "Not tested")


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
