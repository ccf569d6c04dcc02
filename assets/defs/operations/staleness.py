"""Which (wave, council) partitions need re-materialising, read from the Dagster instance's records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

from assets.partitions import SameAndEarlierWavesOfCouncil, partition_key

FINGERPRINT_ASSET = dg.AssetKey("admin_extract")
FINGERPRINT_KEY = "delivery_fingerprint"
THRESHOLDS_ASSET = dg.AssetKey("disclosure_settings")
THRESHOLDS_KEY = "thresholds"


@dataclass(frozen=True)
class Staleness:
    """Why one partition should be refreshed."""

    wave: str
    la_code: str
    reason: str
    assets: tuple[dg.AssetKey, ...] | None = None  # None: the whole partition; else only these (a cascade)


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


def recorded_thresholds(instance: dg.DagsterInstance, wave: str, la_code: str) -> str | None:
    """The disclosure thresholds (DisclosureSettings.label) the disclosure step last published this partition with."""
    record = latest_materialization(instance, THRESHOLDS_ASSET, wave, la_code)
    value = None if record is None else record.asset_materialization.metadata.get(THRESHOLDS_KEY)
    return None if value is None else str(value.value)


def downstream_closure(graph: dg.AssetGraph | object, key: dg.AssetKey) -> tuple[dg.AssetKey, ...]:
    """`key` and every materialisable asset downstream of it, sorted (what a cascade re-runs)."""
    seen, todo = set(), [key]
    while todo:
        current = todo.pop()
        if current not in seen and graph.get(current).is_materializable:
            seen.add(current)
            todo.extend(graph.get(current).child_keys)
    return tuple(sorted(seen, key=lambda k: k.to_user_string()))


def earlier_wave_parents(graph: dg.AssetGraph | object) -> dict[dg.AssetKey, list[dg.AssetKey]]:
    """Assets that read the same council's earlier waves of a parent (the trend), with those parents."""
    found: dict[dg.AssetKey, list[dg.AssetKey]] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        for parent in node.parent_keys:
            if isinstance(graph.get_partition_mapping(key, parent), SameAndEarlierWavesOfCouncil):
                found.setdefault(key, []).append(parent)
    return found


def cascade_stale(
    instance: dg.DagsterInstance, graph: dg.AssetGraph | object, deliveries: dict[tuple[str, str], str]
) -> list[Staleness]:
    """Later waves whose trend is older than a re-materialised earlier wave of the same council.

    Only the trend asset and what is downstream of it are re-run (e.g. comparisons, published_comparisons,
    the reports), never the later wave's landing, linkage or estimates.
    """
    stale = []
    trend_assets = sorted(earlier_wave_parents(graph).items(), key=lambda kv: kv[0].to_user_string())
    for wave, la_code in sorted(deliveries):
        reasons, selected = [], set()
        for key, parents in trend_assets:
            record = latest_materialization(instance, key, wave, la_code)
            if record is None:
                continue  # never materialised: the partition's own refresh makes it
            newer = [
                (w, parent)
                for parent in parents
                for (w, code) in sorted(deliveries)
                if code == la_code and w < wave
                if (r := latest_materialization(instance, parent, w, la_code))
                and r.timestamp > record.timestamp
            ]
            if newer:
                w, parent = newer[0]
                reasons.append(
                    f"{key.to_user_string()} is older than {parent.to_user_string()} of {w} (same council)"
                )
                selected.update(downstream_closure(graph, key))
        if reasons:
            assets = tuple(sorted(selected, key=lambda k: k.to_user_string()))
            stale.append(Staleness(wave, la_code, "; ".join(reasons), assets))
    return stale


def stale_partitions(
    instance: dg.DagsterInstance,
    graph: dg.AssetGraph | object,
    deliveries: dict[tuple[str, str], str],
    thresholds: Callable[[str, str], str] | None = None,
) -> list[Staleness]:
    """Partitions whose delivery, code version, disclosure thresholds (`thresholds(wave, la_code)`, the label of
    rules.yaml's settings for the partition) or another council's inputs changed since their last run, and
    later waves whose trend is older than a re-materialised earlier wave of the council (a cascade: `assets`)."""
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    cross = {
        k: [
            p
            for p in graph.get(k).parent_keys
            if not isinstance(
                graph.get_partition_mapping(k, p), dg.IdentityPartitionMapping | SameAndEarlierWavesOfCouncil
            )
        ]
        for k in keys
    }
    stale = []
    for (wave, la_code), fingerprint in sorted(deliveries.items()):
        reason = None
        if recorded_fingerprint(instance, wave, la_code) != fingerprint:
            reason = "delivery new or changed"
        elif thresholds and recorded_thresholds(instance, wave, la_code) not in (
            None,
            thresholds(wave, la_code),
        ):
            reason = "disclosure settings changed (rcs_pipeline/disclosure/rules.yaml)"
        for key in keys:
            if reason:
                break
            record = latest_materialization(instance, key, wave, la_code)
            code_version = graph.get(key).code_version
            if record is None:
                reason = f"{key.to_user_string()} never materialised"
            elif (
                code_version and record.asset_materialization.tags.get("dagster/code_version") != code_version
            ):
                reason = f"code of {key.to_user_string()} changed"
            else:
                for parent in cross[key]:
                    newer = [
                        other
                        for (w, other) in deliveries
                        if w == wave
                        if (r := latest_materialization(instance, parent, w, other))
                        and r.timestamp > record.timestamp
                    ]
                    if newer:
                        reason = (
                            f"{key.to_user_string()} is older than {parent.to_user_string()} of {newer[0]}"
                        )
                        break
        if reason:
            stale.append(Staleness(wave, la_code, reason))
    whole = {(s.wave, s.la_code) for s in stale}
    stale += [s for s in cascade_stale(instance, graph, deliveries) if (s.wave, s.la_code) not in whole]
    return sorted(stale, key=lambda s: (s.wave, s.la_code))
