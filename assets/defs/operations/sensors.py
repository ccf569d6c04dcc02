"""The landing sensor: a complete new or changed delivery requests one run of exactly its partition."""

from __future__ import annotations

import json

import dagster as dg

from assets.defs.operations.jobs import partition_refresh_job
from assets.defs.operations.staleness import cascade_stale, latest_materialization, recorded_fingerprint
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
        "failed run, not one per tick (the cursor remembers what was requested). Once a corrected earlier wave is "
        "materialised, requests the same council's later waves' trend (comparisons and what depends on it) only."
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
    runs += cascade_requests(context, deliveries)
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[waves_partitions.build_add_request(new_waves)] if new_waves else [],
        cursor=json.dumps(requested, sort_keys=True),
    )


def cascade_requests(
    context: dg.SensorEvaluationContext, deliveries: dict[tuple[str, str], str]
) -> list[dg.RunRequest]:
    """One run per later wave whose trend is older than a re-materialised earlier wave (its assets only).

    The run key names the newest earlier-wave materialisation, so a pending cascade is requested once.
    """
    repository = getattr(context, "repository_def", None)
    if repository is None:
        return []
    graph = repository.asset_graph
    requests = []
    for stale in cascade_stale(context.instance, graph, deliveries):
        newest = max(
            (
                r.storage_id
                for (w, code) in deliveries
                if code == stale.la_code and w < stale.wave
                for parent in {p for key in stale.assets or () for p in graph.get(key).parent_keys}
                if (r := latest_materialization(context.instance, parent, w, code))
            ),
            default=0,
        )
        requests.append(
            dg.RunRequest(
                run_key=f"cascade|{stale.wave}|{stale.la_code}|{newest}",
                partition_key=str(partition_key(stale.wave, stale.la_code)),
                asset_selection=list(stale.assets or ()),
                tags={
                    "rcs/wave": stale.wave,
                    "rcs/la_code": stale.la_code,
                    "rcs/trigger": "earlier_wave_corrected",
                    "rcs/reason": stale.reason,
                },
            )
        )
    return requests
