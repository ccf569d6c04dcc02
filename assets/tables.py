"""How assets reach storage: the partition being materialised, and writing a table with its Dagster metadata.

Every asset of a zone does `part = partition(context, settings)`, reads with `part.read(zone, name)` and
returns `write(part, zone, name, frame, ...)`; paths, atomic writes and the partition layout live in
rcs_pipeline.storage (docs/architecture.md, "Storage").
"""

from collections.abc import Callable
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


def no_identifier_check(asset: dg.AssetsDefinition, zone: str, description: str) -> dg.AssetChecksDefinition:
    """The blocking check `<asset>_no_identifiers` of a hand-over table of `zone` (one definition for every such table)."""
    name = asset.key.path[-1]

    @dg.asset_check(asset=asset, name=f"{name}_no_identifiers", blocking=True, description=description)
    def check(context: dg.AssetCheckExecutionContext, settings: RcsSettings) -> dg.AssetCheckResult:
        """No identifier or token column reached the table."""
        return no_identifier_columns(partition(context, settings).path(zone, name))

    return check


PartitionRule = Callable[[Partition, RcsSettings], dg.AssetCheckResult]
TableRule = Callable[[pl.DataFrame], dg.AssetCheckResult]


def _blocking_check(
    asset: dg.AssetsDefinition, name: str, description: str, run: PartitionRule
) -> dg.AssetChecksDefinition:
    """The blocking check `name` of `asset`: `run` on the partition being checked."""

    @dg.asset_check(asset=asset, name=name, blocking=True, description=description)
    def check(context: dg.AssetCheckExecutionContext, settings: RcsSettings) -> dg.AssetCheckResult:
        """Apply the rule to the partition being checked."""
        return run(partition(context, settings), settings)

    return check


def partition_check(
    asset: dg.AssetsDefinition, description: str
) -> Callable[[PartitionRule], dg.AssetChecksDefinition]:
    """Make `rule(part, settings) -> result` a blocking check of `asset` named as the rule."""
    return lambda rule: _blocking_check(asset, rule.__name__, description, rule)


def table_check(
    asset: dg.AssetsDefinition, zone: str, description: str
) -> Callable[[TableRule], dg.AssetChecksDefinition]:
    """Make `rule(table) -> result` a blocking check of `asset` (on its `zone` table) named as the rule."""
    table = asset.key.path[-1]
    return lambda rule: _blocking_check(
        asset, rule.__name__, description, lambda part, _settings: rule(part.read(zone, table))
    )
