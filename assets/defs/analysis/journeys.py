"""Analysis zone: aggregate journey tables of a council across its waves (docs/methods/journeys.md)."""

import dagster as dg

from assets.partitions import earlier_waves_dep, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.journeys.tables import journey_tables


@dg.asset(
    group_name="analysis",
    deps=["linked_journeys", earlier_waves_dep("pupil_scores")],
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="1",
    description="Unsuppressed journey tables from each earlier wave of the council to this one: service uptake "
    "of children with need and no service, need before and after a service, within-child against "
    "cross-sectional change in WEMWBS and SDQ total, link rate across waves by subgroup (with intervals) and "
    "whether pupil_ref looks stable across the move to secondary school. Empty in a council's first wave.",
)
def journeys(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """The journey tables of one council and wave."""
    part = partition(context, settings)
    longitudinal = part.read("linkage", "linked_journeys")
    scores = part.this_and_earlier_waves("analysis", "pupil_scores")
    table = journey_tables(longitudinal, scores, part.wave)
    stable = table["pupil_ref_stable"].drop_nulls().unique().to_list()
    return write(
        part,
        "analysis",
        "journeys",
        table,
        preview=False,
        from_waves=dg.MetadataValue.json(sorted(table["from_wave"].unique().to_list())),
        pupil_ref_stable=dg.MetadataValue.json(stable),
    )
