"""Suppression and audit time for disclosure control at scale: prints seconds and peak RSS.

Builds estimates-like tables synthetically (clusters of schools, a sex breakdown, several indicators)
for `--councils` councils of `--schools` schools each, then times, per council, the system build,
suppression (secondary + audit-driven repair) and the final attacker audit (the blocking check's work) (with the audit budget of rules.yaml). A national wave
is 32 councils; councils are independent partitions, so the wave time is the sum (or the max with a
process per council).

    .venv/bin/python benchmarks/bench_disclosure.py --councils 2 --schools 60 --indicators 10
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import CouncilTables, DisclosureSettings
from rcs_pipeline.disclosure.audit import attacker_intervals
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.schemas import conform
from rcs_pipeline.disclosure.secondary import protect
from rcs_pipeline.disclosure.settings import audit_budget


def synthetic_council(rng: np.random.Generator, la_code: str, schools: int, indicators: int,
                      per_cluster: int = 8) -> tuple[CouncilTables, pl.DataFrame]:
    """Estimates of one council: school rows drawn, cluster and council rows their exact sums."""
    seeds = [f"{la_code[-2:]}{i:05d}" for i in range(schools)]
    clusters = [f"{la_code}A{i // per_cluster:02d}" for i in range(schools)]
    rows = []
    for ind in range(indicators):
        for seed, cluster in zip(seeds, clusters, strict=True):
            for sex in ("M", "F"):
                n = int(rng.integers(3, 120))
                rows.append((f"ind_{ind:02d}", seed, cluster, sex, n, int(rng.binomial(n, rng.uniform(0.05, 0.6)))))
    micro = pl.DataFrame(rows, schema=["indicator_id", "seed", "cluster", "sex", "n", "p"], orient="row")
    frames = []
    for level, code in (("school", "seed"), ("cluster", "cluster"), ("council", None)):
        geo = pl.col(code) if code else pl.lit(la_code)
        for by_sex in (False, True):
            keys = ["indicator_id", geo.alias("geography_code")] + ([pl.col("sex").alias("breakdown_value")] if by_sex else [])
            agg = micro.group_by(keys).agg(pl.col("n", "p").sum())
            frames.append(agg.with_columns(geography_level=pl.lit(level),
                                           breakdown=pl.lit("sex" if by_sex else "all"),
                                           **({} if by_sex else {"breakdown_value": pl.lit("all")})))
    est = pl.concat(frames, how="diagonal").select(
        "indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value", "n",
        pl.col("p").alias("n_positive"), (pl.col("p") / pl.col("n")).alias("estimate"),
        pl.lit(None, pl.Float64).alias("ci_low"), pl.lit(None, pl.Float64).alias("ci_high"))
    tables = CouncilTables(conform(est, "estimates"), conform(None, "three_circles"), conform(None, "response_rates"),
                           conform(None, "linkage_quality"))
    return tables, pl.DataFrame({"seed_code": seeds, "asg_code": clusters})


def main() -> None:
    """Time each stage per council and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=2)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--indicators", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(2015)
    rules = DisclosureSettings()
    totals = {"build": 0.0, "suppression": 0.0, "audit": 0.0}
    for c in range(args.councils):
        la_code = f"S1200{c:04d}"
        tables, schools = synthetic_council(rng, la_code, args.schools, args.indicators)
        start = time.perf_counter()
        built = council_system(tables, schools, la_code, rules)
        built_at = time.perf_counter()
        hidden, _ = protect(built.system, built.primary, rules.min_cell, budget_seconds=audit_budget())
        secondary_at = time.perf_counter()
        audit = attacker_intervals(built.system, hidden, rules.min_cell, budget_seconds=audit_budget())
        audit_at = time.perf_counter()
        totals["build"] += built_at - start
        totals["suppression"] += secondary_at - built_at
        totals["audit"] += audit_at - secondary_at
        unproven = sum(f.kind == "unproven" for f in audit.failures)
        print(f"{la_code}: rows={tables.estimates.height} variables={built.system.size} hidden={int(hidden.sum())} "
              f"build={built_at - start:.2f}s suppression={secondary_at - built_at:.2f}s "
              f"audit={audit_at - secondary_at:.2f}s lp_solves={audit.lp_solves} "
              f"failures={len(audit.failures) - unproven} unproven={unproven}")
    per_council = {k: v / args.councils for k, v in totals.items()}
    print("mean per council: " + " ".join(f"{k}={v:.2f}s" for k, v in per_council.items()))
    print(f"national wave (32 councils, sequential) estimate: {32 * sum(per_council.values()):.1f}s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
