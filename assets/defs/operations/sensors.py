"""The landing sensor: a complete new or changed delivery requests one run of exactly its partition."""

from __future__ import annotations

import json

import dagster as dg

from assets.defs.operations.jobs import partition_refresh_job
from assets.defs.operations.staleness import recorded_fingerprint
from assets.partitions import partition_key, waves_partitions
from assets.resources import RcsSettings
from rcs_pipeline.deliveries import READY_MARKER, complete_deliveries


@dg.sensor(
    job=partition_refresh_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"Watches RCS_HOME/landing/<wave>/<la_code>/ for deliveries marked complete by a `{READY_MARKER}` file "
        "(written last by the sender). Registers a new wave as a partition and requests one run of exactly the "
        "affected partition. An unchanged delivery requests nothing; a delivery that fails validation gives one "
        "failed run, not one per tick (the cursor remembers what was requested)."
    ),
)
def landing_delivery_sensor(context: dg.SensorEvaluationContext, settings: RcsSettings) -> dg.SensorResult:
    """Request a run for every complete delivery whose fingerprint is new since it was last requested or run."""
    requested: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    deliveries = complete_deliveries(settings.layout())
    known_waves = set(context.instance.get_dynamic_partitions(waves_partitions.name))
    new_waves = sorted({wave for wave, _ in deliveries} - known_waves)
    runs = []
    for (wave, la_code), fingerprint in sorted(deliveries.items()):
        label = f"{wave}|{la_code}"
        if requested.get(label) == fingerprint:
            continue
        requested[label] = fingerprint
        if wave in known_waves and recorded_fingerprint(context.instance, wave, la_code) == fingerprint:
            continue  # already materialised from exactly this delivery (e.g. by `rcs run`)
        runs.append(
            dg.RunRequest(
                run_key=f"{label}|{fingerprint}",
                partition_key=str(partition_key(wave, la_code)),
                tags={"rcs/wave": wave, "rcs/la_code": la_code, "rcs/trigger": "landing_delivery"},
            )
        )
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[waves_partitions.build_add_request(new_waves)] if new_waves else [],
        cursor=json.dumps(requested, sort_keys=True),
    )
