"""Write an asset's table to its zone folder and describe it in Dagster metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.storage import write_parquet_atomic


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
