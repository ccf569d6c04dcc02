"""Benchmark: all estimates for a national-scale wave (~450,000 pupils, 32 councils), printing seconds and peak RSS.

Builds a pupil_scores-like frame of that size synthetically (the real catalogue's pupil indicators, breakdowns,
schools in clusters, weights), then times the per-council estimates (all 32 councils' designs, council /
cluster / school levels, in a single call: harder than the 32 per-council runs the assets make), the wave-wide
comparator, the three-circles and response-rate tables council by council (as their assets run), and the
comparisons: every council's design, the wave design, every council's tests, and one partition of the
`comparisons` asset for the largest council as it runs (its own design plus the other 31 councils' council-level
designs).
CPU seconds are printed beside wall seconds because the machine may be shared. Usage: python benchmarks/bench_estimates.py [pupils] [threads]
"""

from __future__ import annotations

import os
import resource
import sys
import time

import numpy as np
import polars as pl

from rcs_pipeline.estimates import estimate_comparator, estimate_indicators
from rcs_pipeline.estimates.comparisons import combine, council_comparisons, prepare_design
from rcs_pipeline.estimates.response_rates import response_rates
from rcs_pipeline.estimates.three_circles import three_circles
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.scoring.score_tables import weight_pupils
from rcs_pipeline.synthetic.profiles import council_profiles

COUNCILS = 32
NEEDS = ["need_sdq_high", "need_emotional_very_high", "need_conduct_very_high", "need_low_wemwbs", "need_any"]
SERVICES = ["service_looked_after", "service_child_protection", "service_asn", "service_fsm", "service_any"]
PREVALENCE = {
    "need_sdq_high": 0.2,
    "need_emotional_very_high": 0.1,
    "need_conduct_very_high": 0.08,
    "need_low_wemwbs": 0.15,
    "need_any": 0.35,
    "service_looked_after": 0.015,
    "service_child_protection": 0.004,
    "service_asn": 0.3,
    "service_fsm": 0.17,
    "service_any": 0.4,
}
"""Share of pupils with each need and service flag, near the generator's (issue 2) prevalences."""


def national_schools(n_target: int, rng: np.random.Generator) -> tuple[pl.DataFrame, np.ndarray]:
    """Every council's schools as the generator's councils.yaml sizes them, and respondents per school.

    A council gets one cluster per secondary, its primaries shared among them; its respondents (scaled
    so the wave has about n_target) split 4:3 between secondary (S1-S4) and primary (P5-P7) schools.
    """
    profiles = council_profiles()
    scale = n_target / sum(p.pupils_p5s4 for p in profiles.values())
    schools, expected = [], []
    for la, profile in sorted(profiles.items()):
        feeders = max(1, round(profile.primaries / profile.secondaries))
        pupils = profile.pupils_p5s4 * scale
        for k in range(profile.secondaries):
            cluster = f"{la[-2:]}{k:03d}"
            schools.append((f"8{cluster}0", la, f"ASG{cluster}", "secondary"))
            expected.append(pupils * 4 / 7 / profile.secondaries)
            schools += [(f"2{cluster}{j:02d}", la, f"ASG{cluster}", "primary") for j in range(feeders)]
            expected += [pupils * 3 / 7 / (profile.secondaries * feeders)] * feeders
    frame = pl.DataFrame(schools, schema=["seed_code", "la_code", "asg_code", "sector"], orient="row")
    return frame, rng.poisson(expected)


def national_pupils(n_target: int, seed: int = 2015) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    """(pupil_scores-like frame, schools, school_roll, indicator types) of about n_target respondents."""
    rng = np.random.default_rng(seed)
    school_frame, sizes = national_schools(n_target, rng)
    idx = np.repeat(np.arange(school_frame.height), sizes)
    n = idx.size
    sector = school_frame["sector"].to_numpy()[idx]
    secondary = sector == "secondary"
    stage = np.where(secondary, rng.choice(["S1", "S2", "S3", "S4"], n), rng.choice(["P5", "P6", "P7"], n))
    simd = rng.integers(1, 6, n)
    looked_after = rng.random(n) < 0.015 + 0.01 * (5 - simd)
    frame = pl.DataFrame(
        {
            "la_code": school_frame["la_code"].to_numpy()[idx],
            "asg_code": school_frame["asg_code"].to_numpy()[idx],
            "seed_code": school_frame["seed_code"].to_numpy()[idx],
            "instrument": np.where(secondary, "secondary", "primary"),
            "stage": stage,
            "sex": rng.choice(["F", "M", "X"], n, p=[0.49, 0.49, 0.02]),
            "simd_quintile": simd.astype(np.int8),
            "urban_rural_8fold": rng.integers(1, 9, n).astype(np.int8),
            "urban_rural_2fold": rng.choice(["urban", "rural"], n, p=[0.8, 0.2]),
            "fsm_p6plus": rng.random(n) < 0.17,
            "any_asn": rng.random(n) < 0.3,
            "looked_after_any": looked_after,
            "child_protection_register": rng.random(n) < 0.004,
        }
    )
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(["secondary", "primary"]))
    columns = {}
    for ident, instrument, kind in catalogue.select("indicator_id", "instrument", "type").iter_rows():
        own = secondary if instrument == "secondary" else ~secondary
        value = (
            # Prevalences from Beta(1.2, 3): mostly 10-50%, a tenth rarer than 5% (drugs, loneliness...).
            rng.normal(48, 9, n) if kind == "mean" else (rng.random(n) < rng.beta(1.2, 3.0)).astype(float)
        )
        columns[f"ind_{ident}"] = np.where(own & (rng.random(n) > 0.05), value, np.nan)
    flags = {c: rng.random(n) < PREVALENCE[c] for c in NEEDS + SERVICES}
    frame = frame.with_columns(
        pl.when(pl.col("stage") != "P5").then(pl.col("fsm_p6plus")).alias("fsm_p6plus"),
        *(pl.Series(k, v).fill_nan(None) for k, v in columns.items()),
        *(pl.Series(k, v) for k, v in flags.items()),
    )
    roll = (
        frame.group_by("seed_code", "stage", "sex")
        .len("pupils")
        .with_columns(pupils=(pl.col("pupils") * 1.25).round().cast(pl.Int32))
    )
    # Post-stratified as pupil_scores is: weight, weight_cell and cell_roll (the census design's strata, fpc).
    frame = weight_pupils(frame, roll)
    types = dict(catalogue.select("indicator_id", "type").iter_rows())
    return frame, school_frame, roll, types


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU seconds of this process, all threads (user + system): the wall time on an otherwise idle machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, fn, *args, **kwargs):
    """Run fn, print its wall and CPU seconds, rows and the peak RSS so far."""
    start, cpu = time.perf_counter(), cpu_seconds()
    out = fn(*args, **kwargs)
    print(
        f"{label:<36} wall {time.perf_counter() - start:7.1f} s  cpu {cpu_seconds() - cpu:7.1f} s"
        f"  {out.height:>10,} rows  peak RSS {peak_rss_mb():,.0f} MB",
        flush=True,
    )
    return out


def per_council(pupils: pl.DataFrame, fn, *args) -> pl.DataFrame:
    """Run a per-(wave, council) table function for each council in turn, as 32 Dagster runs would."""
    return pl.concat([fn(part, *args) for _, part in pupils.group_by("la_code", maintain_order=True)])


def council_response_rates(pupils: pl.DataFrame, schools: pl.DataFrame, roll: pl.DataFrame) -> pl.DataFrame:
    """Response rates of one council: its schools and their roll only (as its landing tables hold)."""
    own = schools.filter(pl.col("la_code") == pupils["la_code"][0])
    return response_rates(pupils, own, roll.filter(pl.col("seed_code").is_in(own["seed_code"].implode())))


class Tables(list):
    """A list of frames with a total row count (so `timed` can print the comparisons' steps)."""

    @property
    def height(self) -> int:
        """Rows over the frames (designs count as 0)."""
        return sum(getattr(x, "height", 0) for x in self)


def council_designs(pupils: pl.DataFrame, ids: list[str]) -> Tables:
    """Each council's census design (council, cluster, school levels, the rules' breakdowns)."""
    return Tables(prepare_design(part, ids) for _, part in pupils.group_by("la_code", maintain_order=True))


def all_comparisons(designs: list, ids: list[str]) -> Tables:
    """Every council's comparisons (areas, groups, against the rest of the wave), min_group 20."""
    wave = combine(designs)
    return Tables(council_comparisons(d, wave, min_n=20) for d in designs)


def largest_partition(pupils: pl.DataFrame, ids: list[str]) -> Tables:
    """One run of the `comparisons` asset for the largest council: its design, the other councils' council-level
    designs (the rest of the wave), its tests."""
    largest = pupils.group_by("la_code").len().sort("len")["la_code"][-1]
    own = prepare_design(pupils.filter(pl.col("la_code") == largest), ids)
    others = [
        prepare_design(part, ids, breakdowns=(), levels=("council",))
        for (la,), part in pupils.group_by("la_code", maintain_order=True)
        if la != largest
    ]
    return Tables([council_comparisons(own, combine([own, *others]), min_n=20)])


def main() -> None:
    """Build the national frame and time every estimate table."""
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 450_000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.perf_counter()
    pupils, schools, roll, types = national_pupils(target)
    print(
        f"national frame: {pupils.height:,} pupils, {pupils['seed_code'].n_unique():,} schools, "
        f"{pupils['asg_code'].n_unique():,} clusters, {COUNCILS} councils, {len(types)} indicators "
        f"({time.perf_counter() - start:.1f} s); DuckDB threads = {threads}"
    )
    total, total_cpu = time.perf_counter(), cpu_seconds()
    timed("estimates (32 council designs)", estimate_indicators, pupils, types, threads=threads)
    timed("comparator_estimates (wave-wide)", estimate_comparator, pupils, types, threads=threads)
    timed("three_circles (per council, as the asset)", per_council, pupils, three_circles, NEEDS, SERVICES)
    timed("response_rates (per council)", per_council, pupils, council_response_rates, schools, roll)
    ids = list(types)
    designs = timed("comparisons: 32 council designs", council_designs, pupils, ids)
    timed("comparisons: tests of 32 councils", all_comparisons, designs, ids)
    del designs
    timed("comparisons: 1 asset run (largest)", largest_partition, pupils, ids)
    print(
        f"{'total':<36} wall {time.perf_counter() - total:7.1f} s  cpu {cpu_seconds() - total_cpu:7.1f} s"
        f"  peak RSS {peak_rss_mb():,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
