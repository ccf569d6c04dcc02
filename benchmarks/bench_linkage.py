"""Benchmark: separation, key holder (exact and probabilistic stages) and linker for a national-scale wave.

Generates the synthetic `national` scale (all 32 councils, ~390,000 survey rows against ~375,000 admin
records) unless HOME already holds it, reads each delivery with the landing reader (not timed), then per
council, as the Dagster partitions do: separation, exact matching, Splink probabilistic matching, the linker
and the GUILD tables. Councils run in WORKERS processes (default 2, as two Dagster partition runs on the two
cores). Prints wall and CPU seconds per stage, link rates and peak RSS. Target on a 2-core machine: whole
linkage ≤ 60 s and ≤ 4 GB. Also prints exact and probabilistic precision and recall against the generator's
ground truth. Usage: python benchmarks/bench_linkage.py [HOME|-] [WORKERS] [SCALE (national, demo, ...)]
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl

import rcs_pipeline.linkage.matching as matching
from rcs_pipeline.contract.readers import read_dataset
from rcs_pipeline.linkage.keys import decode_linkage_key
from rcs_pipeline.linkage.linker import PARENT_SURVEYS, PUPIL_SURVEYS, linked_dataset
from rcs_pipeline.linkage.quality import linkage_comparison, linkage_quality
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.separation import SEPARATED_DATASETS, separate
from rcs_pipeline.synthetic import truth_path
from rcs_pipeline.synthetic.accuracy import LinkageAccuracy, link_outcomes, linkage_accuracy

TIMES: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads): a fairer figure on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its largest finished child), in MB (Linux reports KB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def timed_score_groups(original):
    """Wrap the probabilistic stage so its time is counted apart from the exact stage."""

    def wrapper(*args, **kwargs):
        start, cpu = time.perf_counter(), cpu_seconds()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES["probabilistic"] += time.perf_counter() - start
            CPU["probabilistic"] += cpu_seconds() - cpu

    return wrapper


def ensure_synthetic(home: Path, scale: str) -> None:
    """Write the synthetic wave of `scale` under `home` unless a wave is there already."""
    if RcsHome(home).deliveries():
        return
    from rcs_pipeline.synthetic import generate

    start = time.perf_counter()
    generate(home, scale=scale)
    print(f"generated {scale} synthetic data in {time.perf_counter() - start:.1f} s (not counted)")


def link_council(
    job: tuple[Path, str, str, bytes],
) -> tuple[dict[str, float], dict[str, float], dict[str, int], LinkageAccuracy]:
    """One council, as one Dagster partition run does: (wall seconds, CPU seconds, counts) by stage, and the
    accuracy of its links against the generator's ground truth (not timed)."""
    home, wave, la_code, key = job
    TIMES.clear()
    CPU.clear()
    if not getattr(matching.score_groups, "timed", False):
        matching.score_groups = timed_score_groups(matching.score_groups)
        matching.score_groups.timed = True
    totals: dict[str, int] = defaultdict(int)
    folder = RcsHome(home).delivery(wave, la_code)
    landing = {d: read_dataset(folder, d) for d in SEPARATED_DATASETS}

    start, cpu = time.perf_counter(), cpu_seconds()
    split = {d: separate(frame, d) for d, frame in landing.items()}
    TIMES["separation"] += time.perf_counter() - start
    CPU["separation"] += cpu_seconds() - cpu

    start, cpu = time.perf_counter(), cpu_seconds()
    link_map = matching.build_link_map({d: ids for d, (ids, _) in split.items()}, key, 0.95)
    TIMES["key_holder"] += time.perf_counter() - start
    CPU["key_holder"] += cpu_seconds() - cpu

    start, cpu = time.perf_counter(), cpu_seconds()
    content = {d: c for d, (_, c) in split.items()}
    pupils = linked_dataset(link_map, content, PUPIL_SURVEYS, wave, la_code)
    parents = linked_dataset(link_map, content, PARENT_SURVEYS, wave, la_code)
    TIMES["linker"] += time.perf_counter() - start
    CPU["linker"] += cpu_seconds() - cpu

    start, cpu = time.perf_counter(), cpu_seconds()
    linkage_quality(link_map, content)
    linkage_comparison(pl.concat([pupils, parents], how="diagonal_relaxed"))
    TIMES["quality"] += time.perf_counter() - start
    CPU["quality"] += cpu_seconds() - cpu

    surveys = link_map.filter(pl.col("dataset") != "admin_extract")
    totals["survey_rows"] += surveys.height
    totals["admin_rows"] += link_map.height - surveys.height
    for method, n in surveys.group_by("link_method").len().rows():
        totals[f"linked_{method}" if method else "unlinked"] += n
    totals["councils"] += 1
    surveys_content = {d: c for d, c in content.items() if d in matching.SURVEY_INSTRUMENTS}
    truth = pl.read_parquet(truth_path(home, wave, la_code))
    outcomes = link_outcomes(link_map, split[matching.ADMIN][0], surveys_content, truth)
    return dict(TIMES), dict(CPU), dict(totals), linkage_accuracy(outcomes)


def main(home: Path, workers: int, scale: str = "national") -> None:
    """Link every council of the wave (councils spread over `workers` processes) and print figures."""
    ensure_synthetic(home, scale)
    key = decode_linkage_key(secrets.token_hex(32))
    jobs = [(home, wave, la_code, key) for wave, la_code in RcsHome(home).deliveries()]
    totals: dict[str, int] = defaultdict(int)
    accuracy = LinkageAccuracy(0, 0, 0, 0, 0, 0)
    elapsed = time.perf_counter()
    # Spawned, not forked: a fork of this process after Polars started its threads (generating the data) can hang.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for times, cpu, counts, council_accuracy in pool.map(link_council, jobs):
            accuracy += council_accuracy
            for name, value in times.items():
                TIMES[name] += value
            for name, value in cpu.items():
                CPU[name] += value
            for name, value in counts.items():
                totals[name] += value
    elapsed = time.perf_counter() - elapsed
    TIMES["exact"] = TIMES["key_holder"] - TIMES["probabilistic"]
    CPU["exact"] = CPU["key_holder"] - CPU["probabilistic"]
    stages = ["separation", "exact", "probabilistic", "linker", "quality"]
    TIMES["whole"], CPU["whole"] = sum(TIMES[s] for s in stages), sum(CPU[s] for s in stages)
    print(
        f"councils: {totals['councils']}, survey rows: {totals['survey_rows']:,}, admin rows: {totals['admin_rows']:,}"
    )
    print(
        f"linked exact: {totals['linked_exact']:,}, probabilistic: {totals['linked_probabilistic']:,}, "
        f"unlinked: {totals['unlinked']:,} (link rate {1 - totals['unlinked'] / totals['survey_rows']:.4f})"
    )
    print(
        f"against the ground truth: exact links {accuracy.exact_correct:,} of {accuracy.exact:,} correct; "
        f"probabilistic precision {accuracy.probabilistic_precision:.4f} ({accuracy.probabilistic_correct:,} of "
        f"{accuracy.probabilistic:,}), recall {accuracy.probabilistic_recall:.4f} ({accuracy.needed_found:,} of "
        f"{accuracy.needed:,} rows that needed it; targets 0.99 and 0.90)"
    )
    labels = {
        "separation": "separation",
        "exact": "key holder exact stage",
        "probabilistic": "key holder probabilistic (Splink)",
        "linker": "linker",
        "quality": "quality tables",
        "whole": "whole linkage (target 60 s)",
    }
    print(f"{'stage':36s} {'wall s':>8s} {'CPU s':>8s}")
    for stage, label in labels.items():
        print(f"{label:36s} {TIMES[stage]:8.2f} {CPU[stage]:8.2f}")
    print(
        f"elapsed with {workers} worker process(es), reading the CSVs included: {elapsed:.1f} s; "
        f"linkage stages ≈ {TIMES['whole'] / workers:.1f} s of it"
    )
    worker = peak_rss_mb(children=True)
    print(
        f"peak RSS: largest worker {worker:.0f} MB, at most {workers * worker + peak_rss_mb():.0f} MB for all "
        "processes together (target 4096 MB; includes reading the CSVs)"
    )
    print(f"load average during the run (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    n_workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    wanted = sys.argv[3] if len(sys.argv) > 3 else "national"
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        main(Path(sys.argv[1]), n_workers, wanted)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp), n_workers, wanted)
