"""Analysis zone: every comparison a report may state, as a test with false-discovery control (docs/tables.md)."""

from collections import Counter
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from assets.partitions import earlier_waves_dep, every_council_of_wave, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.estimates.comparisons import (
    DESIGN_COLUMNS,
    Design,
    combine,
    council_comparisons,
    prepare_design,
    rule_breakdowns,
)
from rcs_pipeline.estimates.parent_design import parent_comparisons
from rcs_pipeline.estimates.wave_designs import wave_design
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.storage import Partition

PUPIL_INSTRUMENTS = ("secondary", "primary")


def _indicators(columns: list[str]) -> list[str]:
    """Pupil-survey indicators of the catalogue (catalogue order) that have an `ind_<id>` column."""
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(PUPIL_INSTRUMENTS))
    return [i for i in catalogue["indicator_id"] if f"ind_{i}" in columns]


def _pupils(path: Path, indicators: list[str]) -> pl.DataFrame:
    """The design columns and indicators of one pupil_scores file (an indicator it lacks: all missing)."""
    present = pl.read_parquet_schema(path)
    columns = [c for c in (*DESIGN_COLUMNS, *(f"ind_{i}" for i in indicators)) if c in present]
    frame = pl.read_parquet(path, columns=columns)
    return frame.with_columns(
        pl.lit(None, pl.Float64).alias(f"ind_{i}") for i in indicators if f"ind_{i}" not in present
    )


def _wave_design(part: Partition, path: Path, indicators: list[str]) -> tuple[Design, bool]:
    """Another council's part of the wave design, read from its memo when its pupil_scores are unchanged."""
    return wave_design(
        part.home,
        part.wave,
        path,
        indicators,
        lambda: prepare_design(_pupils(path, indicators), indicators, breakdowns=(), levels=("council",)),
        sources=(Path(__file__),),
    )


def _earlier_designs(part: Partition, indicators: list[str]) -> dict[str, Design]:
    """This council's design in every earlier wave with pupil_scores on disk (read directly, so a corrected
    earlier wave is picked up; the dependency on those waves' estimates, made from them, marks this stale)."""
    paths = part.wave_paths("analysis", "pupil_scores")
    return {w: prepare_design(_pupils(p, indicators), indicators, breakdowns=()) for w, p in paths.items()}


def _parent_scores(path: Path) -> pl.DataFrame | None:
    """A parent_scores file with rows, or None (the parent survey is optional)."""
    frame = pl.read_parquet(path) if path.exists() else None
    return frame if frame is not None and frame.height else None


def _parent_rows(part: Partition) -> list[pl.DataFrame]:
    """Untested parent comparisons of the council (none without its parent survey): docs/methods/parents.md."""
    own = _parent_scores(part.path("analysis", "parent_scores"))
    if own is None:
        return []
    catalogue = load_catalogue().filter(pl.col("instrument") == "parent")
    indicators = [i for i in catalogue["indicator_id"] if f"ind_{i}" in own.columns]
    others = [
        f for f in map(_parent_scores, part.other_councils("analysis", "parent_scores")) if f is not None
    ]
    found = {w: _parent_scores(p) for w, p in part.wave_paths("analysis", "parent_scores").items()}
    earlier = {w: f for w, f in found.items() if f is not None}
    return [parent_comparisons(own, others, earlier, indicators)] if indicators else []


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
    # estimates of this wave and of the council's earlier waves (the trend reads those waves' pupil_scores, from
    # which their estimates are made): a corrected earlier wave makes it stale
    deps=[
        dg.AssetDep("pupil_scores", partition_mapping=every_council_of_wave),
        dg.AssetDep("parent_scores", partition_mapping=every_council_of_wave),
        earlier_waves_dep("estimates"),
    ],
    partitions_def=wave_council_partitions,
    kinds={"numpy", "polars", "parquet"},
    code_version="2.parents",
    description="Every comparison a report may state, as a test: each school and cluster against the rest of "
    "its council, the council against the rest of the wave's councils, girls vs boys, SIMD 1 vs 5 and each "
    "equality group vs the rest (council and clusters), and each geography against its earlier waves. "
    "Difference, SE (design SE with strata = weighting cells, no fpc, floored by the SE under no difference), "
    "df, two-sided t p-value, Benjamini-Hochberg adjusted p within each report's family, direction "
    "(docs/methods/estimates.md, Comparisons). Parent indicators under the parent survey's design: each cluster "
    "against the rest of its council, the council against the rest of the wave, and earlier waves, tested in the "
    "same families (docs/methods/parents.md).",
)
def comparisons(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Test every comparison of the partition's council (pupil indicators; the wave's other councils as rest)."""
    part = partition(context, settings)
    own = part.read("analysis", "pupil_scores")
    indicators = _indicators(own.columns)
    design = prepare_design(own, indicators)
    others = part.other_councils("analysis", "pupil_scores")
    prepared = [_wave_design(part, p, indicators) for p in others]
    wave_designs = [design] + [d for d, _ in prepared]
    table = council_comparisons(
        design,
        combine(wave_designs) if others else None,
        _earlier_designs(part, indicators),
        min_n=settings.thresholds(part.wave, part.la_code).min_group,
        also=_parent_rows(part),
    )
    context.log.info(
        f"{table.height} comparisons in {table['family'].n_unique()} families; breakdowns {rule_breakdowns()}"
    )
    return write(
        part,
        "analysis",
        "comparisons",
        table,
        preview=False,
        councils_in_wave=len(wave_designs),
        other_councils_designs_from_memo=sum(reused for _, reused in prepared),
        **_summary(table),
    )
