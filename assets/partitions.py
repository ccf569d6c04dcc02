"""Partitions of docs/architecture.md §6: every data asset is partitioned by survey wave × council."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import dagster as dg
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.definitions.partitions.mapping.partition_mapping import UpstreamPartitionsResult

from rcs_pipeline.codelists import council_names

waves_partitions = dg.DynamicPartitionsDefinition(name="wave")
councils_partitions = dg.StaticPartitionsDefinition(sorted(council_names()))
wave_council_partitions = dg.MultiPartitionsDefinition(
    {"wave": waves_partitions, "la_code": councils_partitions}
)

# Cross-council assets (the all-participating-councils comparator) stay partitioned by wave × council, so
# one delivery refreshes in one run and the UI can launch it, but depend on every council of the same wave.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)  # MultiPartitionMapping: stable in use since Dagster 1.5
    every_council_of_wave = dg.MultiPartitionMapping(
        {
            "wave": dg.DimensionPartitionMapping("wave", dg.IdentityPartitionMapping()),
            "la_code": dg.DimensionPartitionMapping("la_code", dg.AllPartitionMapping()),
        }
    )


class SameAndEarlierWavesOfCouncil(dg.PartitionMapping):
    """(wave W, council C) depends on (w, C) for every wave w <= W: a trend reads the council's earlier waves.

    A custom PartitionMapping over the wave dimension of wave × la_code (Dagster has no built-in "earlier
    dynamic partitions" mapping; TimeWindowPartitionMapping needs time windows). Dagster keeps it in the
    code location's asset graph (runs, sensors, schedules, `stale_partitions`); the UI, which sees only
    built-in mappings, draws the edge as identity (docs/methods/journeys.md, "Corrections cascade").
    """

    def validate_partition_mapping(
        self, upstream_partitions_def: dg.PartitionsDefinition, downstream_partitions_def: Any
    ) -> None:
        """Both sides must be wave × la_code."""
        for definition in (upstream_partitions_def, downstream_partitions_def):
            if not isinstance(definition, dg.MultiPartitionsDefinition) or {
                d.name for d in definition.partitions_defs
            } != {"wave", "la_code"}:
                raise ValueError("SameAndEarlierWavesOfCouncil maps wave × la_code partitions only")

    @staticmethod
    def _keys(definition: Any, current_time: datetime | None, store: Any) -> list[dg.MultiPartitionKey]:
        """Every existing key of a wave × la_code definition (waves from the instance)."""
        with partition_loading_context(current_time, store):
            return list(definition.get_partition_keys())

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: Any,
        downstream_partitions_def: Any,
        upstream_partitions_def: Any,
        current_time: datetime | None = None,
        dynamic_partitions_store: Any = None,
    ) -> UpstreamPartitionsResult:
        """The same council's partitions of this and every earlier wave."""
        wanted = [_dims(k) for k in downstream_partitions_subset.get_partition_keys()]
        keys = [
            k
            for k in self._keys(upstream_partitions_def, current_time, dynamic_partitions_store)
            if any(_dims(k)["la_code"] == w["la_code"] and _dims(k)["wave"] <= w["wave"] for w in wanted)
        ]
        return UpstreamPartitionsResult(
            partitions_subset=upstream_partitions_def.subset_with_partition_keys(keys),
            required_but_nonexistent_subset=upstream_partitions_def.empty_subset(),
        )

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: Any,
        upstream_partitions_def: Any,
        downstream_partitions_def: Any,
        current_time: datetime | None = None,
        dynamic_partitions_store: Any = None,
    ) -> Any:
        """The same council's partitions of this and every later wave."""
        changed = [_dims(k) for k in upstream_partitions_subset.get_partition_keys()]
        keys = [
            k
            for k in self._keys(downstream_partitions_def, current_time, dynamic_partitions_store)
            if any(_dims(k)["la_code"] == u["la_code"] and _dims(k)["wave"] >= u["wave"] for u in changed)
        ]
        return downstream_partitions_def.subset_with_partition_keys(keys)

    @property
    def description(self) -> str:
        """Shown in the Dagster UI where custom mappings are shown."""
        return "Each (wave, council) depends on the same council's partitions of this and every earlier wave."


same_and_earlier_waves_of_council = SameAndEarlierWavesOfCouncil()


def earlier_waves_dep(asset: str) -> dg.AssetDep:
    """A dependency on `asset` of this and every earlier wave of the same council (the trend's inputs)."""
    with warnings.catch_warnings():
        # a custom mapping is outside Dagster's declarative automation, which this project does not use
        warnings.simplefilter("ignore", DeprecationWarning)
        return dg.AssetDep(asset, partition_mapping=same_and_earlier_waves_of_council)


def _dims(key: Any) -> dict[str, str]:
    """{'wave': .., 'la_code': ..} of a multi-partition key or its string form."""
    return key.keys_by_dimension if isinstance(key, dg.MultiPartitionKey) else _parse(str(key))


def wave_and_council(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[str, str]:
    """The (wave, la_code) of the partition being materialised."""
    key = context.partition_key
    dims = key.keys_by_dimension if isinstance(key, dg.MultiPartitionKey) else _parse(key)
    return dims["wave"], dims["la_code"]


def _parse(key: str) -> dict[str, str]:
    """Split a serialised multi-partition key ('S12000005|2015-16', dimensions sorted by name)."""
    la_code, wave = key.split("|")
    return {"la_code": la_code, "wave": wave}


def partition_key(wave: str, la_code: str) -> dg.MultiPartitionKey:
    """The multi-partition key of one (wave, council)."""
    return dg.MultiPartitionKey({"wave": wave, "la_code": la_code})
