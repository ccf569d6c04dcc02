"""Linkage zone (the eDRIS role): content joined through the link map; identifiers and tokens never enter."""

from functools import partial

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import no_identifier_check, partition, write
from rcs_pipeline.linkage.linker import PARENT_SURVEYS, PUPIL_SURVEYS, linked_dataset
from rcs_pipeline.linkage.matching import ADMIN, SURVEY_INSTRUMENTS
from rcs_pipeline.linkage.quality import linkage_comparison as compare_linked
from rcs_pipeline.linkage.quality import linkage_quality as quality_table
from rcs_pipeline.linkage.quality import quality_summary
from rcs_pipeline.storage import Partition

UPSTREAM = ["link_map", "content_tables"]
linkage_asset = partial(
    dg.asset,
    group_name="linkage",
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="1",
)
"""`dg.asset` with what every linkage table shares: group, wave × council partitions, kinds, code version."""


def _inputs(part: Partition) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The link map and the content tables of one partition (the linker's whole view)."""
    mapping = part.read("key_holder", "link_map")
    content = {}
    for dataset in (ADMIN, *SURVEY_INSTRUMENTS):
        name = f"content/{dataset}"  # separation's content table (Partition.separated); surveys are optional
        frame = part.read("separation", name) if dataset == ADMIN else part.read_if_any("separation", name)
        if frame is not None:
            content[dataset] = frame
    return mapping, content


def _link_metadata(frame: pl.DataFrame) -> dict[str, object]:
    """Counts by method and reason and the link rate of a linked dataset."""
    linked = frame.get_column("link_id").is_not_null().sum()
    by_method = frame.group_by("link_method").len().rows()
    by_reason = frame.filter(pl.col("unlinked_reason").is_not_null()).group_by("unlinked_reason").len().rows()
    return {
        "linked": int(linked),
        "link_rate": round(linked / frame.height, 4) if frame.height else 0.0,
        "by_method": dg.MetadataValue.json({str(m or "unlinked"): n for m, n in sorted(by_method, key=str)}),
        "unlinked_by_reason": dg.MetadataValue.json(dict(sorted(by_reason))),
    }


def _write_linked(
    context: dg.AssetExecutionContext, settings: RcsSettings, name: str, datasets: tuple[str, ...]
) -> dg.MaterializeResult:
    """Build, write and describe one linked dataset."""
    part = partition(context, settings)
    mapping, content = _inputs(part)
    frame = linked_dataset(mapping, content, datasets, part.wave, part.la_code)
    return write(part, "linkage", name, frame, preview=False, **_link_metadata(frame))


@linkage_asset(
    deps=UPSTREAM,
    description="One row per pupil-survey respondent (secondary, primary; duplicates excluded) with link_id, "
    "link method/probability or unlinked reason, survey content and admin content. "
    "No identifier, no record token.",
)
def linked_pupils(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """The linked pupil dataset handed to analysis."""
    return _write_linked(context, settings, "linked_pupils", PUPIL_SURVEYS)


@linkage_asset(
    deps=UPSTREAM,
    description="One row per parent-survey respondent (duplicates excluded), linked to the child's admin "
    "record where possible. No identifier, no record token.",
)
def linked_parents(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """The linked parent dataset handed to analysis."""
    return _write_linked(context, settings, "linked_parents", PARENT_SURVEYS)


@linkage_asset(
    deps=UPSTREAM,
    description="GUILD linkage-quality counts: respondents, linked by method, unlinked by reason, by sex, "
    "stage and school; admin records and admin records linked by sex, stage, school, SIMD "
    "quintile, urban/rural and each admin flag. Unsuppressed: published via disclosure.",
)
def linkage_quality(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """The GUILD count table of one partition."""
    part = partition(context, settings)
    mapping, content = _inputs(part)
    table = quality_table(mapping, content)
    return write(
        part,
        "linkage",
        "linkage_quality",
        table,
        preview=False,
        summary=dg.MetadataValue.json(quality_summary(table)),
    )


@linkage_asset(
    deps=["linked_pupils", "linked_parents"],
    description="Linked versus unlinked respondents: n and mean of SDQ scales, WEMWBS, SWEMWBS, life "
    "satisfaction and general health, per instrument (a check on linkage bias).",
)
def linkage_comparison(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Mean survey measures of linked and unlinked respondents."""
    part = partition(context, settings)
    linked = pl.concat(
        [part.read("linkage", name) for name in ("linked_pupils", "linked_parents")], how="diagonal_relaxed"
    )
    table = compare_linked(linked)
    return write(
        part,
        "linkage",
        "linkage_comparison",
        table,
        preview=False,
        measures=table.get_column("measure").n_unique(),
    )


linked_pupils_no_identifiers = no_identifier_check(
    linked_pupils, "linkage", "The linked pupil dataset has no identifier and no record-token column."
)
linked_parents_no_identifiers = no_identifier_check(
    linked_parents, "linkage", "The linked parent dataset has no identifier and no record-token column."
)
