"""The nightly wave refresh: re-run only partitions whose delivery, code or cross-council inputs changed."""

from __future__ import annotations

import dagster as dg

from assets.defs.operations.jobs import partition_refresh_job
from assets.defs.operations.staleness import stale_partitions
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.deliveries import complete_deliveries


@dg.schedule(
    job=partition_refresh_job,
    cron_schedule="30 1 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every night at 01:30 (UK time), re-materialise only the (wave, council) partitions whose delivery "
        "changed, whose assets' code versions changed, or whose all-councils comparator is older than another "
        "council's inputs, and, for a council's later waves whose trend is older than a corrected earlier wave, only "
        "the trend (comparisons) and what depends on it. A quiet night requests nothing."
    ),
)
def nightly_wave_refresh_schedule(
    context: dg.ScheduleEvaluationContext, settings: RcsSettings
) -> list[dg.RunRequest] | dg.SkipReason:
    """One run request per stale partition, tagged with why."""
    graph = context.repository_def.asset_graph
    deliveries = complete_deliveries(settings.layout())
    stale = stale_partitions(
        context.instance, graph, deliveries, lambda w, la: settings.thresholds(w, la).label
    )
    if not stale:
        return dg.SkipReason("nothing changed since the last materialisations")
    return [
        dg.RunRequest(
            partition_key=str(partition_key(s.wave, s.la_code)),
            asset_selection=list(s.assets)
            if s.assets
            else None,  # a cascade re-runs the trend and below only
            tags={
                "rcs/wave": s.wave,
                "rcs/la_code": s.la_code,
                "rcs/trigger": "nightly",
                "rcs/reason": s.reason,
            },
        )
        for s in stale
    ]
