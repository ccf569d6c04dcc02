"""Partitions of DESIGN §6: every data asset is partitioned by survey wave × council."""

from __future__ import annotations

import warnings

import dagster as dg

from rcs_pipeline.codelists import council_names

waves_partitions = dg.DynamicPartitionsDefinition(name="wave")
councils_partitions = dg.StaticPartitionsDefinition(sorted(council_names()))
wave_council_partitions = dg.MultiPartitionsDefinition({"wave": waves_partitions, "la_code": councils_partitions})

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
