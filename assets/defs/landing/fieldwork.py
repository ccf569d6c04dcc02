"""Fieldwork windows per wave (rcs_pipeline/waves/rules.yaml): answers dated outside them are a warning, not a refusal."""

from collections.abc import Callable

import dagster as dg
import polars as pl

from assets.resources import RcsSettings
from assets.tables import partition
from rcs_pipeline.waves import fieldwork_problems, wave_rules

SURVEYS = {"secondary_survey": "secondary", "primary_survey": "primary"}  # the surveys that date each answer


def _fieldwork_check(dataset: str, instrument: str) -> Callable[..., dg.AssetCheckResult]:
    """A WARN-severity check that counts `completed_on` dates outside the instrument's window of the wave."""

    @dg.asset_check(
        asset=dg.AssetKey(dataset),
        name=f"{dataset}_fieldwork_window",
        blocking=False,
        description=f"`completed_on` of the {instrument} survey lies in the wave's fieldwork window "
        "(rcs_pipeline/waves/rules.yaml: S1-S4 September-December, P5-P7 January-March); dates outside it "
        "are counted and warned about, never refused.",
    )
    def check(context: dg.AssetCheckExecutionContext, settings: RcsSettings) -> dg.AssetCheckResult:
        """Counts before, after and unreadable against the window; WARN when any."""
        part = partition(context, settings)
        landed = part.read_if_any("landing", dataset)
        frame = landed.select("completed_on") if landed is not None else pl.DataFrame()
        counts = fieldwork_problems(frame, instrument, part.wave)
        first, last = wave_rules(part.wave).fieldwork[instrument]
        outside = counts["before_window"] + counts["after_window"] + counts["unreadable"]
        return dg.AssetCheckResult(
            passed=outside == 0,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{outside} of {counts['answers']} answers dated outside {first:%d %b %Y} - {last:%d %b %Y} "
                f"({counts['before_window']} before, {counts['after_window']} after, {counts['unreadable']} "
                "unreadable)"
                if outside
                else None
            ),
            metadata={**counts, "window": f"{first.isoformat()} to {last.isoformat()}"},
        )

    return check


secondary_survey_fieldwork_window = _fieldwork_check("secondary_survey", "secondary")
primary_survey_fieldwork_window = _fieldwork_check("primary_survey", "primary")
