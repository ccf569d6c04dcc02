"""Separation zone: split each landing table into an identifier table and a content table at the door."""

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition
from rcs_pipeline.separation import SEPARATED_DATASETS, separate
from rcs_pipeline.storage import Partition, read_parquet, write_parquet_atomic

LANDING_ASSETS = [dg.AssetKey(d) for d in SEPARATED_DATASETS]


def copy_lookups(part: Partition) -> dict[str, object]:
    """Copy each landing lookup table into the zones of the roles that read it; metadata: where, how many rows."""
    written: dict[str, object] = {}
    for dataset, zones in part.home.LOOKUP_COPIES.items():
        frame = part.read("landing", dataset)
        for zone in zones:
            part.write(zone, f"lookup_{dataset}", frame)
            written[f"lookup/{zone}/{dataset}/rows"] = frame.height
    return written


def _schema(frame: pl.DataFrame) -> str:
    """Column names of a table, for metadata (names only, never values)."""
    return ", ".join(frame.columns)


@dg.multi_asset(
    name="separate_deliveries",
    specs=[
        dg.AssetSpec(
            "identifier_tables",
            group_name="separation",
            deps=LANDING_ASSETS,
            kinds={"polars", "parquet"},
            description="Per dataset: random record token + identifier columns + the quasi-identifiers and "
            "paradata the key holder matches on (separation/identifiers/<dataset>/...). "
            "Read only by the key holder.",
            code_version="2",
        ),
        dg.AssetSpec(
            "content_tables",
            group_name="separation",
            deps=LANDING_ASSETS,
            kinds={"polars", "parquet"},
            description="Per dataset: the same random record token + every non-identifier column "
            "(separation/content/<dataset>/...). Read only by the linker. Also copies the landing "
            "lookup tables (schools, school_roll, services_register, evidence_costs) into the zones "
            "of the roles that read them (<zone>/lookup_<dataset>/..., docs/deploy.md).",
            code_version="2",
        ),
    ],
    partitions_def=wave_council_partitions,
)
def separate_deliveries(context: dg.AssetExecutionContext, settings: RcsSettings):
    """Split survey and admin landing tables into identifier and content tables joined by random tokens."""
    part = partition(context, settings)
    id_meta: dict[str, object] = {}
    content_meta: dict[str, object] = {}
    for dataset in SEPARATED_DATASETS:
        source = part.path("landing", dataset)
        if not source.exists() and dataset != "admin_extract":
            context.log.info(f"{dataset}: no landing table for this partition; nothing to separate")
            continue
        identifiers, content = separate(read_parquet(source), dataset)
        write_parquet_atomic(identifiers, part.separated("identifiers", dataset))
        write_parquet_atomic(content, part.separated("content", dataset))
        id_meta[f"{dataset}/rows"] = identifiers.height
        id_meta[f"{dataset}/columns"] = _schema(identifiers)
        content_meta[f"{dataset}/rows"] = content.height
        content_meta[f"{dataset}/columns"] = _schema(content)
    content_meta.update(copy_lookups(part))
    total = sum(v for k, v in id_meta.items() if k.endswith("/rows"))
    yield dg.MaterializeResult(
        asset_key="identifier_tables", metadata={"dagster/row_count": total, **id_meta}
    )
    yield dg.MaterializeResult(
        asset_key="content_tables", metadata={"dagster/row_count": total, **content_meta}
    )
