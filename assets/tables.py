"""How assets reach storage: the partition being materialised, and writing a table with its Dagster metadata.

Every asset of a zone does `part = partition(context, settings)`, reads with `part.read(zone, name)` and
returns `write(part, zone, name, frame, ...)`; paths, atomic writes and the partition layout live in
rcs_pipeline.storage (docs/architecture.md, "Storage").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from assets.partitions import wave_and_council
from assets.resources import RcsSettings
from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.storage import Partition, write_parquet_atomic


def partition(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, settings: RcsSettings
) -> Partition:
    """The (wave, council) partition being materialised or checked, under the run's RCS_HOME."""
    wave, la_code = wave_and_council(context)
    return Partition(settings.layout(), wave, la_code)


def table_metadata(frame: pl.DataFrame, path: Path, *, preview: bool = True) -> dict[str, Any]:
    """Row count, path, column schema and (outside identifier zones) a small Markdown preview."""
    meta: dict[str, Any] = {
        "dagster/row_count": frame.height,
        "path": dg.MetadataValue.path(str(path)),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
        ),
    }
    if preview and not set(frame.columns) & set(IDENTIFIER_COLUMNS):
        meta["preview"] = dg.MetadataValue.md(frame.head(5).to_pandas().to_markdown(index=False))
    return meta


def write_table(
    frame: pl.DataFrame, path: Path, *, preview: bool = True, **extra: Any
) -> dg.MaterializeResult:
    """Atomically write `frame` to `path` and return the materialisation with its metadata."""
    write_parquet_atomic(frame, path)
    return dg.MaterializeResult(metadata={**table_metadata(frame, path, preview=preview), **extra})


def write(
    part: Partition, zone: str, name: str, frame: pl.DataFrame, *, preview: bool = True, **extra: Any
) -> dg.MaterializeResult:
    """Write the partition's table `zone/name` atomically and return the materialisation with its metadata."""
    return write_table(frame, part.path(zone, name), preview=preview, **extra)


def no_identifier_columns(path: Path) -> dg.AssetCheckResult:
    """Pass when the table at `path` has no identifier and no record-token column (names only, never values)."""
    forbidden = sorted(set(pl.read_parquet_schema(path)) & {*IDENTIFIER_COLUMNS, "record_token"})
    return dg.AssetCheckResult(
        passed=not forbidden, metadata={"forbidden_columns": ", ".join(forbidden) or "none"}
    )
