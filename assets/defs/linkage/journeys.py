"""Linkage zone: the longitudinal table, children linked in two or more waves of a council (docs/methods/journeys.md)."""

import dagster as dg

from assets.partitions import earlier_waves_dep, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import no_identifier_check, partition, write
from rcs_pipeline.journeys.longitudinal import longitudinal_table, wave_measures


@dg.asset(
    group_name="linkage",
    deps=[earlier_waves_dep("linked_pupils")],
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="1",
    description="Children of this wave also linked in an earlier wave of the council (same link id under the "
    "same key): one row per (link_id, wave) with stage, sex, SIMD quintile, need, service groups, WEMWBS and SDQ "
    "total. Keyed by link id only: no identifier, no record token.",
)
def linked_journeys(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """The longitudinal table of one council up to this wave."""
    part = partition(context, settings)
    linked = part.this_and_earlier_waves("linkage", "linked_pupils")
    table = longitudinal_table([wave_measures(frame) for frame in linked.values()], part.wave)
    return write(
        part,
        "linkage",
        "linked_journeys",
        table,
        preview=False,
        children=table["link_id"].n_unique(),
        waves=dg.MetadataValue.json(sorted(linked)),
    )


linked_journeys_no_identifiers = no_identifier_check(
    linked_journeys, "linkage", "The longitudinal table has no identifier and no record-token column."
)
