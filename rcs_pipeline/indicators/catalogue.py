"""The indicator catalogue: one YAML file beside this module, loaded and checked by `load_catalogue`."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from rcs_pipeline.indicators.rules import Rule, RuleError, default_denominator, rule_columns, rule_expression

DOMAINS: tuple[str, ...] = (
    "physical_health",
    "mental_wellbeing",
    "family",
    "peers",
    "learning",
    "local_area",
)
INSTRUMENTS: dict[str, str] = {"secondary": "sec_", "primary": "pri_", "parent": "par_"}
DEFAULT_STAGES: dict[str, list[str]] = {
    "secondary": ["S1", "S2", "S3", "S4"],
    "primary": ["P5", "P6", "P7"],
    "parent": [],
}
TYPES = ("proportion", "mean")
DIRECTIONS = ("higher_better", "lower_better")
CATALOGUE_SCHEMA = {
    "indicator_id": pl.String,
    "label": pl.String,
    "domain": pl.String,
    "instrument": pl.String,
    "stages": pl.List(pl.String),
    "type": pl.String,
    "direction": pl.String,
    "numerator": pl.String,
    "denominator": pl.String,
}


class CatalogueError(ValueError):
    """An indicator definition that breaks the catalogue's rules; names the indicator and the problem."""


def read_catalogue_entries(text: str | None = None) -> list[dict[str, Any]]:
    """The raw YAML entries (the packaged catalogue.yaml unless `text` is given, e.g. in tests)."""
    if text is None:
        text = resources.files(__package__).joinpath("catalogue.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text) or []
    if not isinstance(entries, list):
        raise CatalogueError("the catalogue must be a YAML list of indicators")
    return entries


def normalise_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One checked catalogue row with defaults filled in (stages, denominator); rules kept as JSON text."""
    ident = entry.get("id")
    problems = []
    instrument = entry.get("instrument")
    if instrument not in INSTRUMENTS:
        problems.append(f"instrument {instrument!r} is not one of {sorted(INSTRUMENTS)}")
    elif not str(ident).startswith(INSTRUMENTS[instrument]):
        problems.append(f"id must start with {INSTRUMENTS[instrument]!r} for the {instrument} survey")
    if entry.get("domain") not in DOMAINS:
        problems.append(f"domain {entry.get('domain')!r} is not one of {DOMAINS}")
    if entry.get("type") not in TYPES:
        problems.append(f"type {entry.get('type')!r} is not one of {TYPES}")
    if entry.get("direction") not in DIRECTIONS:
        problems.append(f"direction {entry.get('direction')!r} is not one of {DIRECTIONS}")
    if not entry.get("label"):
        problems.append("label is missing")
    numerator: Rule = entry.get("numerator") or {}
    if entry.get("type") == "mean" and "value" not in numerator:
        problems.append("a mean needs numerator {value: COLUMN}")
    if entry.get("type") == "proportion" and "value" in numerator:
        problems.append("a proportion needs a Boolean numerator rule, not {value: ...}")
    denominator = entry.get("denominator") or default_denominator(numerator)
    if denominator is None:
        problems.append("a compound numerator needs an explicit denominator")
    for name, rule in (("numerator", numerator), ("denominator", denominator)):
        if rule and "value" not in rule:
            try:
                rule_expression(rule)
            except (RuleError, KeyError, TypeError) as error:
                problems.append(f"{name}: {error}")
    if problems:
        raise CatalogueError(f"indicator {ident!r}: " + "; ".join(problems))
    return {
        "indicator_id": ident,
        "label": entry["label"],
        "domain": entry["domain"],
        "instrument": instrument,
        "stages": list(entry.get("stages") or DEFAULT_STAGES[instrument]),
        "type": entry["type"],
        "direction": entry["direction"],
        "numerator": json.dumps(numerator, sort_keys=True),
        "denominator": json.dumps(denominator, sort_keys=True),
    }


def catalogue_frame(entries: list[dict[str, Any]]) -> pl.DataFrame:
    """Checked catalogue rows as a frame; duplicate ids are an error."""
    rows = [normalise_entry(e) for e in entries]
    ids = [r["indicator_id"] for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"duplicate indicator ids: {duplicates}")
    return pl.DataFrame(rows, schema=CATALOGUE_SCHEMA)


@cache
def _packaged_catalogue() -> pl.DataFrame:
    """The packaged catalogue, parsed once per process."""
    return catalogue_frame(read_catalogue_entries())


def load_catalogue() -> pl.DataFrame:
    """The indicator catalogue: indicator_id, label, domain, instrument, stages, type, direction, numerator,
    denominator (rules as JSON text), one row per indicator in file order."""
    return _packaged_catalogue().clone()


def catalogue_columns(catalogue: pl.DataFrame) -> set[str]:
    """Every frame column the catalogue's rules read."""
    columns: set[str] = set()
    for numerator, denominator in catalogue.select("numerator", "denominator").iter_rows():
        columns |= rule_columns(json.loads(numerator)) | rule_columns(json.loads(denominator))
    return columns
