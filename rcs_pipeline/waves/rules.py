"""One loader for the rules that change between waves (rules.yaml; docs/methods/journeys.md)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from rcs_pipeline.paths import is_wave

INSTRUMENT_STAGES = {
    "secondary": ("S1", "S2", "S3", "S4"),
    "primary": ("P1", "P2", "P3", "P4", "P5", "P6", "P7"),
}


@cache
def load_wave_rules() -> dict[str, Any]:
    """The packaged rules.yaml."""
    return yaml.safe_load(resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class WaveRules:
    """The rules in force in one wave."""

    wave: str
    fsm_universal_stages: tuple[str, ...]
    simd_edition: str
    min_group: int  # from rcs_pipeline/disclosure/rules.yaml (`wave_min_group`), the one settings file
    fieldwork: dict[str, tuple[date, date]]  # instrument → (first day, last day)


def _in_force(entries: list[dict[str, Any]], wave: str, key: str) -> Any:
    """The value of the latest entry whose from_wave is not after `wave` (ValueError before the first)."""
    found = [e for e in sorted(entries, key=lambda e: str(e["from_wave"])) if str(e["from_wave"]) <= wave]
    if not found:
        raise ValueError(f"no {key} rule for wave {wave} in rcs_pipeline/waves/rules.yaml")
    return found[-1][key]


def _window(wave: str, spec: dict[str, Any]) -> tuple[date, date]:
    """First and last day of a fieldwork window in a wave."""
    year = int(wave[:4]) + int(spec["year_offset"])
    first, last = int(spec["first"]), int(spec["last"])
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _instrument_of(stage: str) -> str:
    """The pupil survey a stage answers (P1-P7 primary, S1-S6 secondary)."""
    return "primary" if stage.startswith("P") else "secondary"


def universal_stages(wave: str) -> tuple[str, ...]:
    """Stages whose free school meals are universal at their fieldwork in `wave` (rules.yaml)."""
    rules = load_wave_rules()
    fieldwork = {name: _window(wave, spec) for name, spec in rules["fieldwork"].items()}
    return tuple(
        stage
        for stage, start in rules["free_school_meals_universal_from"].items()
        if str(start) <= fieldwork[_instrument_of(stage)][0].strftime("%Y-%m")
    )


def wave_min_group(wave: str) -> int:
    """The wave's smallest group shown, from the one settings loader (rcs_pipeline/disclosure/rules.yaml)."""
    from rcs_pipeline.disclosure.settings import wave_min_group as from_rules

    return from_rules(wave)


@cache
def wave_rules(wave: str) -> WaveRules:
    """The rules of `wave` (YYYY-YY). A stage's meals are universal when universal by its fieldwork's start.

    Example: wave_rules("2021-22").fsm_universal_stages → ('P1', 'P2', 'P3', 'P4', 'P5').
    """
    if not is_wave(wave):
        raise ValueError(f"a wave is a school year YYYY-YY such as 2015-16, got {wave!r}")
    rules = load_wave_rules()
    fieldwork = {name: _window(wave, spec) for name, spec in rules["fieldwork"].items()}
    return WaveRules(
        wave=wave,
        fsm_universal_stages=universal_stages(wave),
        simd_edition=str(_in_force(rules["simd_edition"], wave, "edition")),
        min_group=wave_min_group(wave),
        fieldwork=fieldwork,
    )


def fsm_universal_expr(wave: pl.Expr, stage: pl.Expr) -> pl.Expr:
    """True where meals are universal for the row's stage in the row's wave (so FSM is not a breakdown there)."""
    rules = load_wave_rules()["free_school_meals_universal_from"]
    first_wave = {}
    for stage_name in rules:
        year = int(str(rules[stage_name])[:4])
        candidates = [f"{y}-{(y + 1) % 100:02d}" for y in (year - 1, year)]
        first_wave[stage_name] = next(w for w in candidates if stage_name in universal_stages(w))
    return pl.any_horizontal(
        [(stage == s) & (wave >= w) for s, w in first_wave.items()] or [pl.lit(False)]
    ).fill_null(False)


def fieldwork_problems(frame: pl.DataFrame, instrument: str, wave: str) -> dict[str, int]:
    """Counts of `completed_on` dates before, after or outside the instrument's fieldwork window of the wave.

    Returns {'before_window': n, 'after_window': n, 'unreadable': n, 'answers': rows}. A warning, not a refusal.
    """
    first, last = wave_rules(wave).fieldwork[instrument]
    if "completed_on" not in frame.columns:
        return {"before_window": 0, "after_window": 0, "unreadable": 0, "answers": frame.height}
    column = pl.col("completed_on")
    day = (
        column.cast(pl.Date, strict=False)
        if frame.schema["completed_on"] != pl.String
        else column.str.to_date("%Y-%m-%d", strict=False)
    )
    counts = frame.select(
        before_window=(day < first).sum(),
        after_window=(day > last).sum(),
        unreadable=(day.is_null() & column.is_not_null()).sum(),
    ).row(0, named=True)
    return {k: int(v) for k, v in counts.items()} | {"answers": frame.height}
