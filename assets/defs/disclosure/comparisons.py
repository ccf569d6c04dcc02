"""published_comparisons: the disclosure-controlled twin of analysis/comparisons, the only comparisons reports read.

A comparison is published only when every figure it rests on is published (docs/methods/disclosure.md §9);
the rule is `rcs_pipeline.disclosure.comparisons.publish_comparisons`.
"""

import dagster as dg
import polars as pl

from assets.partitions import wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import write_table
from rcs_pipeline.disclosure.comparisons import publish_comparisons, rule_breaches
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.schemas import check
from rcs_pipeline.storage.parquet import read_parquet

GROUP = "disclosure"
CODE_VERSION = "published-comparisons-2"
CHECK = "published_comparisons_rests_on_published_figures"


def earlier_published(home: RcsHome, wave: str, la_code: str, waves: list[str]) -> dict[str, pl.DataFrame]:
    """The council's published_estimates of each earlier wave a comparison refers to (when published)."""
    out = {}
    for earlier in sorted(set(waves)):
        path = home.table("published", "published_estimates", earlier, la_code)
        if earlier < wave and path.exists():
            out[earlier] = read_parquet(path)
    return out


def read_comparator(home: RcsHome, wave: str, la_code: str) -> pl.DataFrame | None:
    """This council's copy of the published all-councils comparator (None when the wave publishes none)."""
    path = home.table("published", "published_comparator_estimates", wave, la_code)
    return read_parquet(path) if path.exists() else None


@dg.asset(
    group_name=GROUP,
    kinds={"polars", "parquet"},
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=["comparisons", "published_estimates", "published_comparator_estimates"],
    description="Disclosure-controlled comparisons (docs/methods/disclosure.md §9): a comparison is published "
    "only when every figure it rests on is published; otherwise its values are null and `suppressed` is set. "
    "Values rounded as published estimates; no standard error, degrees of freedom or unadjusted p-value.",
    check_specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset="published_comparisons",
            blocking=True,
            description="The table as written, re-checked row by row: every shown comparison rests only on "
            "published figures and repeats their values; a withheld one carries none; no rest side's base.",
        )
    ],
)
def published_comparisons(context: dg.AssetExecutionContext, settings: RcsSettings):
    """Publish this council's comparisons of the wave beside its published estimates, then check the file."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    source = home.table("analysis", "comparisons", wave, la_code)
    if not source.exists():
        raise dg.Failure(f"{source}: no comparisons for {wave} {la_code}; materialise `comparisons` first")
    comparisons = read_parquet(source)
    published = read_parquet(home.table("published", "published_estimates", wave, la_code))
    comparator = read_comparator(home, wave, la_code)
    waves = comparisons.filter(pl.col("comparison") == "wave_vs_wave")["reference"].to_list()
    comparator = comparator if comparator is not None else published.clear()
    earlier = earlier_published(home, wave, la_code, waves)
    frame = publish_comparisons(comparisons, published, comparator, earlier, la_code)
    counts = {
        "rows_withheld": int(frame["suppressed"].sum() or 0),
        "rows_not_published": frame.filter(pl.col("test_status") == "not_published").height,
        "rows_stating_a_difference": frame.filter(pl.col("direction").is_in(["higher", "lower"])).height,
    }
    path = home.table("published", "published_comparisons", wave, la_code)
    yield write_table(check(frame, "published_comparisons"), path, **counts)
    breaches = rule_breaches(read_parquet(path), published, comparator, earlier, la_code)
    yield dg.AssetCheckResult(
        check_name=CHECK,
        passed=not breaches,
        metadata={"breaches": len(breaches), "first_breaches": dg.MetadataValue.json(breaches[:10])},
        description=f"{len(breaches)} comparison(s) break the rule, e.g. {breaches[:3]}"
        if breaches
        else None,
    )
