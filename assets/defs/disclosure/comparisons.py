"""published_comparisons: the disclosure-controlled twin of analysis/comparisons, the only comparisons reports read.

A comparison is published only when every figure it rests on is published (docs/methods/disclosure.md §9);
the rule is `rcs_pipeline.disclosure.comparisons.publish_comparisons`.
"""

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.disclosure.comparisons import publish_comparisons, rule_breaches
from rcs_pipeline.schemas import check
from rcs_pipeline.storage import Partition

GROUP = "disclosure"
CODE_VERSION = "published-comparisons-2"
CHECK = "published_comparisons_rests_on_published_figures"


def earlier_published(part: Partition, waves: list[str]) -> dict[str, pl.DataFrame]:
    """The council's published_estimates of each earlier wave a comparison refers to (when published)."""
    earlier = [Partition(part.home, w, part.la_code) for w in sorted(set(waves)) if w < part.wave]
    found = {p.wave: p.read_if_any("published", "published_estimates") for p in earlier}
    return {w: frame for w, frame in found.items() if frame is not None}


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
    part = partition(context, settings)
    comparisons = part.read("analysis", "comparisons")
    published = part.read("published", "published_estimates")
    comparator = part.read_if_any("published", "published_comparator_estimates")
    waves = comparisons.filter(pl.col("comparison") == "wave_vs_wave")["reference"].to_list()
    comparator = comparator if comparator is not None else published.clear()
    earlier = earlier_published(part, waves)
    frame = publish_comparisons(comparisons, published, comparator, earlier, part.la_code)
    counts = {
        "rows_withheld": int(frame["suppressed"].sum() or 0),
        "rows_not_published": frame.filter(pl.col("test_status") == "not_published").height,
        "rows_stating_a_difference": frame.filter(pl.col("direction").is_in(["higher", "lower"])).height,
    }
    yield write(part, "published", "published_comparisons", check(frame, "published_comparisons"), **counts)
    written = part.read("published", "published_comparisons")
    breaches = rule_breaches(written, published, comparator, earlier, part.la_code)
    yield dg.AssetCheckResult(
        check_name=CHECK,
        passed=not breaches,
        metadata={"breaches": len(breaches), "first_breaches": dg.MetadataValue.json(breaches[:10])},
        description=f"{len(breaches)} comparison(s) break the rule, e.g. {breaches[:3]}"
        if breaches
        else None,
    )
