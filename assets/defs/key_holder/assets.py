"""Key-holder zone (the NRS role): from identifier tables only, the token → link-id map."""

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import LinkageKey, RcsSettings
from assets.tables import partition, write
from rcs_pipeline.linkage.keys import linkage_secret
from rcs_pipeline.linkage.matching import ADMIN, SURVEY_INSTRUMENTS, build_link_map, link_map_summary
from rcs_pipeline.storage.parquet import read_parquet


@dg.asset(
    group_name="key_holder",
    deps=["identifier_tables"],
    partitions_def=wave_council_partitions,
    kinds={"splink", "duckdb", "parquet"},
    code_version="1",
    description="Token → link_id map (HMAC-SHA-256 of the normalised pupil_ref under RCS_LINKAGE_KEY): exact "
    "matches on pupil_ref, then Splink probabilistic matching on birth month, sex, school and stage; "
    "method, probability and unlinked reason per survey row. Sees identifier tables only.",
)
def link_map(
    context: dg.AssetExecutionContext, settings: RcsSettings, linkage_key: LinkageKey
) -> dg.MaterializeResult:
    """Decide which survey row is which admin record and issue link ids."""
    part = partition(context, settings)
    identifiers = {}
    for dataset in (ADMIN, *SURVEY_INSTRUMENTS):
        path = part.separated("identifiers", dataset)
        if path.exists() or dataset == ADMIN:
            identifiers[dataset] = read_parquet(path)
    secret = linkage_secret(linkage_key.secret(), part.wave, per_wave=settings.per_wave_link_ids)
    mapping = build_link_map(identifiers, secret, settings.match_threshold)
    surveys = mapping.filter(pl.col("dataset") != ADMIN)
    linked = surveys.get_column("link_id").is_not_null().sum()
    return write(
        part,
        "key_holder",
        "link_map",
        mapping,
        preview=False,
        survey_rows=surveys.height,
        linked=int(linked),
        match_rate=round(linked / surveys.height, 4) if surveys.height else 0.0,
        match_threshold=settings.match_threshold,
        link_ids="per wave" if settings.per_wave_link_ids else "longitudinal",
        counts=dg.MetadataValue.json(link_map_summary(mapping)),
    )


@dg.asset_check(
    asset=link_map,
    blocking=True,
    description="Every admin record has a link id; no admin record "
    "is linked to more than one survey row of the same instrument.",
)
def link_map_one_to_one(context: dg.AssetCheckExecutionContext, settings: RcsSettings) -> dg.AssetCheckResult:
    """The link map respects one link id per admin record and one survey row per admin record per instrument."""
    mapping = partition(context, settings).read("key_holder", "link_map")
    admin_missing = mapping.filter(pl.col("dataset") == ADMIN, pl.col("link_id").is_null()).height
    repeats = (
        mapping.filter(pl.col("dataset") != ADMIN, pl.col("link_id").is_not_null())
        .group_by("dataset", "link_id")
        .len()
        .filter(pl.col("len") > 1)
        .height
    )
    return dg.AssetCheckResult(
        passed=admin_missing == 0 and repeats == 0,
        metadata={"admin_rows_without_link_id": admin_missing, "admin_records_linked_twice": repeats},
    )
