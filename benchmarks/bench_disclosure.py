"""Suppression and audit time for disclosure control at scale: prints seconds and peak RSS.

By default, the tables a national-scale wave really hands the disclosure zone. The bench_estimates
national frame (~450,000 pupils, ~2,400 schools, 32 councils sized as councils.yaml, 62 indicators) gives each
council its estimates (every geography and breakdown), three circles and response rates, made by the
pipeline's own functions; then, per council as its Dagster partition does, `protect_council` (primary
rules, secondary suppression, audit-driven repair) and `audit_published` (the blocking check: rebuild
from the published tables and re-run the attacker audit), with the audit budget of rules.yaml.
Councils run in `--workers` processes (default 2: two partition runs on the two cores).

`--small`: estimates-like tables drawn synthetically (clusters of schools, a sex breakdown, several
indicators) for `--councils` councils of `--schools` schools each; a quick look at the LP machinery.

    .venv/bin/python benchmarks/bench_disclosure.py                  # national wave, about 5 minutes
    .venv/bin/python benchmarks/bench_disclosure.py --councils 4     # the four largest councils only
    .venv/bin/python benchmarks/bench_disclosure.py --small --councils 2 --schools 60 --indicators 10
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import CouncilTables, DisclosureSettings, audit_published, protect_council
from rcs_pipeline.disclosure.audit import attacker_intervals
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.secondary import protect
from rcs_pipeline.disclosure.settings import audit_budget
from rcs_pipeline.schemas import conform


def synthetic_council(
    rng: np.random.Generator, la_code: str, schools: int, indicators: int, per_cluster: int = 8
) -> tuple[CouncilTables, pl.DataFrame]:
    """Estimates of one council: school rows drawn, cluster and council rows their exact sums."""
    seeds = [f"{la_code[-2:]}{i:05d}" for i in range(schools)]
    clusters = [f"{la_code}A{i // per_cluster:02d}" for i in range(schools)]
    rows = []
    for ind in range(indicators):
        for seed, cluster in zip(seeds, clusters, strict=True):
            for sex in ("M", "F"):
                n = int(rng.integers(3, 120))
                rows.append(
                    (f"ind_{ind:02d}", seed, cluster, sex, n, int(rng.binomial(n, rng.uniform(0.05, 0.6))))
                )
    micro = pl.DataFrame(rows, schema=["indicator_id", "seed", "cluster", "sex", "n", "p"], orient="row")
    frames = []
    for level, code in (("school", "seed"), ("cluster", "cluster"), ("council", None)):
        geo = pl.col(code) if code else pl.lit(la_code)
        for by_sex in (False, True):
            keys = ["indicator_id", geo.alias("geography_code")] + (
                [pl.col("sex").alias("breakdown_value")] if by_sex else []
            )
            agg = micro.group_by(keys).agg(pl.col("n", "p").sum())
            frames.append(
                agg.with_columns(
                    geography_level=pl.lit(level),
                    breakdown=pl.lit("sex" if by_sex else "all"),
                    **({} if by_sex else {"breakdown_value": pl.lit("all")}),
                )
            )
    est = pl.concat(frames, how="diagonal").select(
        "indicator_id",
        "geography_level",
        "geography_code",
        "breakdown",
        "breakdown_value",
        "n",
        pl.col("p").alias("n_positive"),
        (pl.col("p") / pl.col("n")).alias("estimate"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
    )
    tables = CouncilTables(
        conform(est, "estimates"),
        conform(None, "three_circles"),
        conform(None, "response_rates"),
        conform(None, "linkage_quality"),
    )
    return tables, pl.DataFrame({"seed_code": seeds, "asg_code": clusters})


def small(args: argparse.Namespace) -> None:
    """Time each stage per council of drawn estimates-like tables and print the figures."""
    rng = np.random.default_rng(2015)
    rules = DisclosureSettings()
    totals = {"build": 0.0, "suppression": 0.0, "audit": 0.0}
    for c in range(args.councils):
        la_code = f"S1200{c:04d}"
        tables, schools = synthetic_council(rng, la_code, args.schools, args.indicators)
        start = time.perf_counter()
        built = council_system(tables, schools, la_code, rules)
        built_at = time.perf_counter()
        hidden, _ = protect(built.system, built.primary, rules.min_cell, budget_rounds=audit_budget())
        secondary_at = time.perf_counter()
        audit = attacker_intervals(built.system, hidden, rules.min_cell, budget_rounds=audit_budget())
        audit_at = time.perf_counter()
        totals["build"] += built_at - start
        totals["suppression"] += secondary_at - built_at
        totals["audit"] += audit_at - secondary_at
        unproven = sum(f.kind == "unproven" for f in audit.failures)
        print(
            f"{la_code}: rows={tables.estimates.height} variables={built.system.size} hidden={int(hidden.sum())} "
            f"build={built_at - start:.2f}s suppression={secondary_at - built_at:.2f}s "
            f"audit={audit_at - secondary_at:.2f}s lp_solves={audit.lp_solves} "
            f"failures={len(audit.failures) - unproven} unproven={unproven}"
        )
    per_council = {k: v / args.councils for k, v in totals.items()}
    print("mean per council: " + " ".join(f"{k}={v:.2f}s" for k, v in per_council.items()))
    print(f"national wave (32 councils, sequential) estimate: {32 * sum(per_council.values()):.1f}s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def national_council_tables(
    pupils: pl.DataFrame, schools: pl.DataFrame, roll: pl.DataFrame, types: dict[str, str]
) -> tuple[CouncilTables, pl.DataFrame]:
    """One council's unsuppressed tables as its analysis assets write them, and its schools list."""
    from bench_estimates import NEEDS, SERVICES, council_response_rates

    from rcs_pipeline.estimates import estimate_indicators
    from rcs_pipeline.estimates.three_circles import three_circles

    own = schools.filter(pl.col("la_code") == pupils["la_code"][0])
    tables = CouncilTables(
        conform(estimate_indicators(pupils, types), "estimates"),
        conform(three_circles(pupils, NEEDS, SERVICES), "three_circles"),
        conform(council_response_rates(pupils, schools, roll), "response_rates"),
        conform(None, "linkage_quality"),
    )
    return tables, own.select("seed_code", "asg_code")


def protect_and_audit(job: tuple[str, CouncilTables, pl.DataFrame]) -> dict[str, float | int | str]:
    """One council partition's disclosure work: protect_council, then the blocking audit of what it wrote."""
    la_code, tables, schools = job
    rules = DisclosureSettings()
    start = time.perf_counter()
    result = protect_council(tables, schools, la_code, rules)
    protected = time.perf_counter()
    audit, breaches = audit_published(tables, schools, la_code, rules, result.published)
    audited = time.perf_counter()
    shares = result.shares.get("published_estimates", {})
    return {
        "la_code": la_code,
        "rows": tables.estimates.height + tables.three_circles.height,
        "variables": result.variables,
        "primary": result.primary_hidden,
        "hidden": result.hidden,
        "protect": protected - start,
        "audit": audited - protected,
        "lp_solves": audit.lp_solves,
        "failures": len(audit.failures),
        "breaches": breaches,
        "school_share": shares.get("school", 0.0),
        "peak_mb": high_water_mb(),
    }


def high_water_mb() -> float:
    """Peak resident memory of this process since it started, in MB (VmHWM: ru_maxrss survives exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def national(args: argparse.Namespace) -> None:
    """Protect and audit every council of a national-scale wave, councils in parallel worker processes."""
    from bench_estimates import national_pupils

    start = time.perf_counter()
    pupils, schools, roll, types = national_pupils(450_000)
    jobs = []
    for (la_code,), part in pupils.group_by("la_code", maintain_order=True):
        tables, own = national_council_tables(part, schools, roll, types)
        jobs.append((str(la_code), tables, own))
    jobs = sorted(jobs, key=lambda j: -j[1].estimates.height)[: args.councils]  # largest first
    print(
        f"{pupils.height:,} pupils in {len(jobs)} councils; tables built in {time.perf_counter() - start:.1f} s "
        "(not timed below)",
        flush=True,
    )
    wall = time.perf_counter()
    totals = {"protect": 0.0, "audit": 0.0}
    peaks = [0.0]
    # Spawned, not forked: a fork of a process whose Polars thread pool is running can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        for r in pool.map(protect_and_audit, jobs):
            totals["protect"] += r["protect"]
            totals["audit"] += r["audit"]
            peaks.append(float(r["peak_mb"]))
            print(
                f"{r['la_code']}: table rows={r['rows']:,} counts={r['variables']:,} primary={r['primary']:,} "
                f"hidden={r['hidden']:,} protect={r['protect']:.1f}s audit={r['audit']:.1f}s "
                f"lp_solves={r['lp_solves']} audit_failures={r['failures']} primary_breaches={r['breaches']} "
                f"school rows suppressed={r['school_share']:.0%} worker peak RSS={r['peak_mb']:.0f} MB",
                flush=True,
            )
    elapsed = time.perf_counter() - wall
    print(
        f"national wave: protect {totals['protect']:.0f} s + audit {totals['audit']:.0f} s summed over councils; "
        f"elapsed {elapsed:.0f} s with {args.workers} worker processes; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"peak RSS: main process {high_water_mb():.0f} MB (builds every council's tables), "
        f"largest worker {max(peaks):.0f} MB"
    )


def main() -> None:
    """Parse the options and run the national or the small benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small", action="store_true", help="drawn estimates-like tables instead of a national wave"
    )
    parser.add_argument(
        "--councils", type=int, default=None, help="councils to run (national: largest first)"
    )
    parser.add_argument("--schools", type=int, default=60, help="--small: schools per council")
    parser.add_argument("--indicators", type=int, default=10, help="--small: indicators")
    parser.add_argument("--workers", type=int, default=2, help="national: worker processes")
    args = parser.parse_args()
    if args.small:
        args.councils = args.councils or 2
        small(args)
    else:
        args.councils = args.councils or 32
        national(args)


if __name__ == "__main__":
    main()
