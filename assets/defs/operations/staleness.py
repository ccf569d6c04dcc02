"""Which (wave, council) partitions need re-materialising, read from the Dagster instance's records."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets.partitions import partition_key

FINGERPRINT_ASSET = dg.AssetKey("admin_extract")
FINGERPRINT_KEY = "delivery_fingerprint"


@dataclass(frozen=True)
class Staleness:
    """Why one partition should be refreshed."""

    wave: str
    la_code: str
    reason: str


def latest_materialization(
    instance: dg.DagsterInstance, key: dg.AssetKey, wave: str, la_code: str
) -> dg.EventLogRecord | None:
    """The newest materialisation record of one asset partition, if any."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[str(partition_key(wave, la_code))]), limit=1
    ).records
    return records[0] if records else None


def recorded_fingerprint(instance: dg.DagsterInstance, wave: str, la_code: str) -> str | None:
    """The delivery fingerprint the landing step recorded when it last materialised this partition."""
    record = latest_materialization(instance, FINGERPRINT_ASSET, wave, la_code)
    if record is None:
        return None
    value = record.asset_materialization.metadata.get(FINGERPRINT_KEY)
    return None if value is None else str(value.value)


def stale_partitions(
    instance: dg.DagsterInstance,
    graph: dg.AssetGraph | object,
    deliveries: dict[tuple[str, str], str],
) -> list[Staleness]:
    """Partitions whose delivery, code version, or another council's inputs changed since their last run."""
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    cross = {
        k: [p for p in graph.get(k).parent_keys
            if not isinstance(graph.get_partition_mapping(k, p), dg.IdentityPartitionMapping)]
        for k in keys
    }
    stale = []
    for (wave, la_code), fingerprint in sorted(deliveries.items()):
        reason = None
        if recorded_fingerprint(instance, wave, la_code) != fingerprint:
            reason = "delivery new or changed"
        for key in keys:
            if reason:
                break
            record = latest_materialization(instance, key, wave, la_code)
            code_version = graph.get(key).code_version
            if record is None:
                reason = f"{key.to_user_string()} never materialised"
            elif code_version and record.asset_materialization.tags.get("dagster/code_version") != code_version:
                reason = f"code of {key.to_user_string()} changed"
            else:
                for parent in cross[key]:
                    newer = [
                        other for (w, other) in deliveries if w == wave
                        if (r := latest_materialization(instance, parent, w, other)) and r.timestamp > record.timestamp
                    ]
                    if newer:
                        reason = f"{key.to_user_string()} is older than {parent.to_user_string()} of {newer[0]}"
                        break
        if reason:
            stale.append(Staleness(wave, la_code, reason))
    return stale
