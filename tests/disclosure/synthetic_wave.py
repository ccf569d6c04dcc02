"""Random councils (clusters of schools, a sex breakdown, three circles, response rates) for property tests."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import strategies as st

from rcs_pipeline.disclosure import CouncilTables
from tests.disclosure.handmade import COUNCIL, council_tables

CIRCLES = ("need_with_service", "need_without_service", "service_without_need", "neither")


@st.composite
def councils(
    draw: st.DrawFn, max_clusters: int = 3, max_schools: int = 4
) -> tuple[CouncilTables, pl.DataFrame]:
    """A council whose every higher row is the exact sum of the rows below it."""
    schools: dict[str, str] = {}
    cells: list[dict] = []
    for c in range(draw(st.integers(1, max_clusters))):
        for s in range(draw(st.integers(1, max_schools))):
            seed = f"{c}{s:06d}"
            schools[seed] = f"A{c}"
            for sex in ("M", "F"):
                n = draw(st.integers(0, 150))
                cells.append(
                    {
                        "code": seed,
                        "cluster": f"A{c}",
                        "sex": sex,
                        "n": n,
                        "p": draw(st.integers(0, n)),
                        "circles": draw(st.lists(st.integers(0, 40), min_size=4, max_size=4)),
                        "roll_extra": draw(st.integers(0, 12)),
                    }
                )
    return build_council(cells, schools)


def seeded_council(
    seed: int, clusters: int = 4, schools_per_cluster: int = 5
) -> tuple[CouncilTables, pl.DataFrame]:
    """A reproducible random council (numpy generator) of the same shape as `councils`."""
    rng = np.random.default_rng(seed)
    schools: dict[str, str] = {}
    cells: list[dict] = []
    for c in range(clusters):
        for s in range(schools_per_cluster):
            seed_code = f"{c}{s:06d}"
            schools[seed_code] = f"A{c}"
            for sex in ("M", "F"):
                n = int(rng.integers(0, 151))
                cells.append(
                    {
                        "code": seed_code,
                        "cluster": f"A{c}",
                        "sex": sex,
                        "n": n,
                        "p": int(rng.integers(0, n + 1)),
                        "circles": [int(v) for v in rng.integers(0, 41, 4)],
                        "roll_extra": int(rng.integers(0, 13)),
                    }
                )
    return build_council(cells, schools)


def build_council(cells: list[dict], schools: dict[str, str]) -> tuple[CouncilTables, pl.DataFrame]:
    """Aggregate per-school, per-sex cells up the hierarchy into the four analysis tables."""
    micro = (
        pl.DataFrame(cells)
        .with_columns(pl.col("circles").list.to_struct(fields=list(CIRCLES)))
        .unnest("circles")
    )
    levels = [("school", pl.col("code")), ("cluster", pl.col("cluster")), ("council", pl.lit(COUNCIL))]
    frames = []
    for level, code in levels:
        for value in ("all", "sex"):
            keys = [code.alias("geography_code")] + (
                [pl.col("sex").alias("breakdown_value")] if value == "sex" else []
            )
            agg = micro.group_by(keys).agg(pl.col("n", "p", *CIRCLES, "roll_extra").sum())
            if value == "all":
                agg = agg.with_columns(breakdown_value=pl.lit("all"))
            frames.append(agg.with_columns(geography_level=pl.lit(level), breakdown=pl.lit(value)))
    groups = pl.concat(frames, how="diagonal_relaxed")
    estimates = groups.select(
        pl.lit("ind_x").alias("indicator_id"),
        "geography_level",
        "geography_code",
        "breakdown",
        "breakdown_value",
        "n",
        pl.col("p").alias("n_positive"),
        pl.when(pl.col("n") > 0).then(pl.col("p") / pl.col("n")).alias("estimate"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
    )
    base = sum(pl.col(c) for c in CIRCLES)
    three_circles = (
        groups.with_columns(base=base)
        .drop("n", "p", "roll_extra")
        .unpivot(
            index=["geography_level", "geography_code", "breakdown", "breakdown_value", "base"],
            on=list(CIRCLES),
            variable_name="circle",
            value_name="n",
        )
        .with_columns(need=pl.lit("need_any"), service=pl.lit("service_any"))
    )
    response_rates = groups.select(
        "geography_level",
        "geography_code",
        pl.lit("secondary").alias("instrument"),
        pl.lit("all").alias("stage"),
        pl.when(pl.col("breakdown") == "all")
        .then(pl.lit("all"))
        .otherwise(pl.col("breakdown_value"))
        .alias("sex"),
        (pl.col("n") + pl.col("roll_extra")).alias("roll"),
        pl.col("n").alias("respondents"),
    )
    hierarchy = pl.DataFrame({"seed_code": list(schools), "asg_code": list(schools.values())})
    return council_tables(estimates, three_circles, response_rates), hierarchy
