"""Analysis zone: every comparison a report may state, as a test with false-discovery control (docs/tables.md)."""

from collections import Counter
from typing import Any

import dagster as dg
import polars as pl

from assets.partitions import every_council_of_wave, wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import write_table
from rcs_pipeline.estimates.comparisons import (
    DESIGN_COLUMNS,
    combine,
    council_comparisons,
    prepare_design,
    rule_breakdowns,
)
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.paths import RcsHome, is_wave
from rcs_pipeline.storage import read_parquet

PUPIL_INSTRUMENTS = ("secondary", "primary")


def _indicators(columns: list[str]) -> list[str]:
    """Pupil-survey indicators of the catalogue (catalogue order) that have an `ind_<id>` column."""
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(PUPIL_INSTRUMENTS))
    return [i for i in catalogue["indicator_id"] if f"ind_{i}" in columns]


def _earlier_estimates(layout: RcsHome, wave: str, la_code: str) -> dict[str, pl.DataFrame]:
    """This council's `estimates` of every earlier wave that has them (read from disk, as the trend always was)."""
    folder = layout.root / "analysis" / "estimates"
    if not folder.is_dir():
        return {}
    waves = sorted(p.name for p in folder.iterdir() if p.is_dir() and is_wave(p.name) and p.name < wave)
    paths = {w: layout.table("analysis", "estimates", w, la_code) for w in waves}
    return {w: read_parquet(p) for w, p in paths.items() if p.exists()}


def _summary(table: pl.DataFrame) -> dict[str, Any]:
    """Metadata: per family type (e.g. 'school:vs_rest_of_council'), families, tests, significant results."""
    kinds = table.with_columns(
        kind=pl.col("family").str.extract(r"^([a-z_]+):", 1)
        + pl.lit(":")
        + pl.col("family").str.extract(r":([a-z_]+)$", 1)
    )
    summary = kinds.group_by("kind").agg(
        families=pl.col("family").n_unique(),
        comparisons=pl.len(),
        tested=pl.col("p_value").is_not_null().sum(),
        significant=pl.col("direction").is_in(["higher", "lower"]).sum(),
    )
    statuses = Counter(table["test_status"].drop_nulls().to_list())
    return {
        "by_family_type": dg.MetadataValue.json(
            {
                r["kind"]: {k: int(r[k]) for k in ("families", "comparisons", "tested", "significant")}
                for r in summary.sort("kind").iter_rows(named=True)
            }
        ),
        "not_tested": dg.MetadataValue.json(dict(sorted(statuses.items()))),
    }


@dg.asset(
    group_name="analysis",
    deps=[dg.AssetDep("pupil_scores", partition_mapping=every_council_of_wave), "estimates"],
    partitions_def=wave_council_partitions,
    kinds={"numpy", "polars", "parquet"},
    code_version="1",
    description="Every comparison a report may state, as a test: each school and cluster against the rest of "
    "its council, the council against the rest of the wave's councils, girls vs boys, SIMD 1 vs 5 and each "
    "equality group vs the rest (council and clusters), and each geography against its earlier waves. "
    "Difference, design SE (census design: strata = weighting cells, fpc = cell roll), df, two-sided t p-value, "
    "Benjamini-Hochberg adjusted p within each report's family, direction (docs/methods/estimates.md).",
)
def comparisons(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Test every comparison of the partition's council (pupil indicators; the wave's other councils as rest)."""
    wave, la_code = wave_and_council(context)
    layout = settings.layout()
    own = read_parquet(layout.table("analysis", "pupil_scores", wave, la_code))
    indicators = _indicators(own.columns)
    design = prepare_design(own, indicators)
    columns = [*DESIGN_COLUMNS, *(f"ind_{i}" for i in indicators)]
    others = [p for p in layout.wave_tables("analysis", "pupil_scores", wave) if p.stem != la_code]
    wave_designs = [design] + [
        prepare_design(pl.read_parquet(p, columns=columns), indicators, breakdowns=(), levels=("council",))
        for p in others
    ]
    table = council_comparisons(
        design,
        combine(wave_designs) if others else None,
        read_parquet(layout.table("analysis", "estimates", wave, la_code)),
        _earlier_estimates(layout, wave, la_code),
        min_n=settings.min_group,
    )
    context.log.info(
        f"{table.height} comparisons in {table['family'].n_unique()} families; breakdowns {rule_breakdowns()}"
    )
    return write_table(
        table,
        layout.table("analysis", "comparisons", wave, la_code),
        preview=False,
        councils_in_wave=len(wave_designs),
        **_summary(table),
    )
