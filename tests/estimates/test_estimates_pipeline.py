"""Pipeline: landing → … → pupil_scores → estimates, three circles, response rates, comparator, in Dagster."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.estimates.domains import BREAKDOWNS
from rcs_pipeline.estimates.parent_design import parent_breakdowns
from rcs_pipeline.need.asn_groups import group_columns
from rcs_pipeline.paths import RcsHome
from tests.estimates.conftest import COUNCIL, WAVE, read_table

pytestmark = pytest.mark.xdist_group("estimates_pipeline")
DOMAIN = ["indicator_id", "breakdown", "breakdown_value"]


def test_estimates_cover_every_indicator_geography_and_breakdown(small_council: RcsHome) -> None:
    """Every answered pupil and parent indicator has council, cluster and school rows; bases add up."""
    est = read_table(small_council, "estimates")
    scores = read_table(small_council, "pupil_scores").filter(pl.col("weight") > 0)
    assert est.columns[:10] == ["indicator_id", "geography_level", "geography_code", "breakdown",
                                "breakdown_value", "n", "n_positive", "estimate", "ci_low", "ci_high"]  # fmt: skip
    answered = [
        c.removeprefix("ind_")
        for c in scores.columns
        if c.startswith("ind_") and scores[c].drop_nulls().len()
    ]
    council = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all"))
    assert set(answered) <= set(council["indicator_id"])
    assert est.filter(pl.col("indicator_id").str.starts_with("par_")).height > 0
    assert set(est["geography_level"]) == {"council", "cluster", "school"}
    pupil = est.filter(~pl.col("indicator_id").str.starts_with("par_"))
    # ASN reason groups (asn_<group>, value true) at council level only (docs/methods/parents.md).
    assert set(pupil["breakdown"]) == {"all", *BREAKDOWNS, *group_columns()}
    groups = pupil.filter(pl.col("breakdown").is_in(group_columns()))
    assert set(groups["geography_level"]) == {"council"} and set(groups["breakdown_value"]) == {"true"}
    parent = est.filter(pl.col("indicator_id").str.starts_with("par_"))
    # Parent indicators have the parent design's breakdowns (docs/methods/parents.md).
    assert set(parent["breakdown"]) <= {"all", *parent_breakdowns()}
    for ind in answered:
        base = council.filter(pl.col("indicator_id") == ind)["n"].item()
        assert base == scores[f"ind_{ind}"].drop_nulls().len()
        by_school = est.filter((pl.col("geography_level") == "school") & (pl.col("breakdown") == "all")
                               & (pl.col("indicator_id") == ind))["n"].sum()  # fmt: skip
        assert by_school == base
    assert est["ci_low"].is_not_null().mean() > 0.5
    assert est.filter(pl.col("ci_low").is_null())["ci_status"].null_count() == 0
    # The census design gives every proportion an interval, and every interval holds its estimate exactly.
    assert pupil.filter(pl.col("n_positive").is_not_null())["ci_low"].null_count() == 0
    have = est.filter(pl.col("ci_low").is_not_null())
    assert ((have["ci_low"] <= have["estimate"]) & (have["estimate"] <= have["ci_high"])).all()
    assert set(est["reliability"].drop_nulls()) == {"low"} and est["reliability"].null_count() > 0


def test_one_council_comparator_equals_the_council(small_council: RcsHome) -> None:
    """With one council in the wave, the all-councils design is the council's design: same n, estimate and CI."""
    comp = read_table(small_council, "comparator_estimates")
    assert set(comp["geography_level"]) == {"all_councils"} and set(comp["geography_code"]) == {"all"}
    council = read_table(small_council, "estimates").filter(
        (pl.col("geography_level") == "council") & ~pl.col("breakdown").is_in(group_columns())
    )  # the comparator has no ASN reason groups: they are council figures only
    joined = comp.join(council, on=DOMAIN, suffix="_c")
    assert joined.height == comp.height == council.height
    assert (joined["n"] == joined["n_c"]).all()
    assert (joined["estimate"] - joined["estimate_c"]).abs().max() < 1e-9
    both = joined.filter(pl.col("ci_low").is_not_null())
    assert (both["ci_low"] - both["ci_low_c"]).abs().max() < 1e-9


def test_three_circles_partition_their_base(small_council: RcsHome) -> None:
    """The four circles add up to the base in every group; need_any × service_any is there for the council."""
    circles = read_table(small_council, "three_circles")
    sums = circles.group_by(["geography_level", "geography_code", "breakdown", "breakdown_value", "need",
                             "service"]).agg(pl.col("n").sum(), pl.col("base").first(), pl.len())  # fmt: skip
    assert (sums["n"] == sums["base"]).all() and (sums["len"] == 4).all()
    scores = read_table(small_council, "pupil_scores")
    council = sums.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")
                          & (pl.col("need") == "need_any") & (pl.col("service") == "service_any"))  # fmt: skip
    assert council["base"].item() == scores.filter(pl.col("need_any").is_not_null()
                                                   & pl.col("service_any").is_not_null()).height  # fmt: skip


def test_response_rates_against_landing_roll(small_council: RcsHome) -> None:
    """Council respondents equal pupil_scores rows; the roll is the landing roll of the surveyed stages."""
    rates = read_table(small_council, "response_rates")
    total = rates.filter((pl.col("geography_level") == "council") & (pl.col("instrument") == "all")
                         & (pl.col("stage") == "all") & (pl.col("sex") == "all"))  # fmt: skip
    assert total["respondents"].item() == read_table(small_council, "pupil_scores").height
    roll = pl.read_parquet(small_council.table("landing", "school_roll", WAVE, COUNCIL))
    surveyed = roll.filter(pl.col("stage").is_in(["P5", "P6", "P7", "S1", "S2", "S3", "S4"]))["pupils"].sum()
    assert total["roll"].item() == surveyed
    schools = rates.filter((pl.col("geography_level") == "school") & (pl.col("instrument") == "all")
                           & (pl.col("stage") == "all") & (pl.col("sex") == "all"))  # fmt: skip
    assert schools["respondents"].sum() == total["respondents"].item()
