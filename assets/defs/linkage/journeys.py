"""Linkage zone: the longitudinal table, children linked in two or more waves of a council (docs/methods/journeys.md)."""

import dagster as dg
import polars as pl

from assets.partitions import earlier_waves_dep, wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import write_table
from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.journeys.longitudinal import longitudinal_table, wave_measures
from rcs_pipeline.paths import RcsHome, is_wave
from rcs_pipeline.storage.parquet import read_parquet


def council_waves(layout: RcsHome, zone: str, name: str, wave: str, la_code: str) -> dict[str, pl.DataFrame]:
    """This council's `zone/name` table of `wave` and of every earlier wave that has one on disk."""
    folder = layout.root / zone / name
    waves = sorted(p.name for p in folder.iterdir() if p.is_dir() and is_wave(p.name) and p.name <= wave)
    paths = {w: layout.table(zone, name, w, la_code) for w in waves}
    return {w: read_parquet(p) for w, p in paths.items() if p.exists()}


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
    wave, la_code = wave_and_council(context)
    layout = settings.layout()
    linked = council_waves(layout, "linkage", "linked_pupils", wave, la_code)
    table = longitudinal_table([wave_measures(frame) for frame in linked.values()], wave)
    return write_table(
        table,
        layout.table("linkage", "linked_journeys", wave, la_code),
        preview=False,
        children=table["link_id"].n_unique(),
        waves=dg.MetadataValue.json(sorted(linked)),
    )


@dg.asset_check(
    asset=linked_journeys,
    blocking=True,
    description="The longitudinal table has no identifier and no record-token column.",
)
def linked_journeys_no_identifiers(
    context: dg.AssetCheckExecutionContext, settings: RcsSettings
) -> dg.AssetCheckResult:
    """No identifier or token column reached the longitudinal table."""
    wave, la_code = wave_and_council(context)
    columns = pl.read_parquet_schema(settings.layout().table("linkage", "linked_journeys", wave, la_code))
    forbidden = sorted(set(columns) & {*IDENTIFIER_COLUMNS, "record_token"})
    return dg.AssetCheckResult(
        passed=not forbidden, metadata={"forbidden_columns": ", ".join(forbidden) or "none"}
    )
