"""Benchmark: render every report of a national-scale wave from synthetic published tables.

Prints reports per second (overall and for school reports), the median seconds per council, cluster and
school report, the time to refresh a council whose inputs did not change, and peak memory. Beside each
wall time it prints the CPU seconds the renderer itself used, and the rate those imply on idle cores,
so a run on a machine shared with other work still shows what the code costs.
Targets on a 2-core machine: school reports ≥ 2 per second overall, a council report ≤ 5 s.
The sample tables (rcs_pipeline/reports/sample_tables.py, protected by `protect_council`) are made first,
outside every timed figure.

    .venv/bin/python benchmarks/bench_reports.py                 # 32 councils (~2,000 schools)
    .venv/bin/python benchmarks/bench_reports.py --councils 2    # a quick sample
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.codelists import council_names
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.sample_tables import sample_published

WAVE = "2015-16"


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    """Render a wave's reports and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=11, help="clusters per council (≈6 schools each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_reports_"))
    codes = sorted(council_names())[: args.councils]
    settings = ReportSettings(run_id="bench")
    timings: dict[str, list[float]] = {"council": [], "cluster": [], "school": []}
    cpu: dict[str, list[float]] = {"council": [], "cluster": [], "school": []}
    wall = dict.fromkeys(timings, 0.0)
    drawn = time.perf_counter()  # the sample tables go through protect_council: kept out of the render times
    samples = {
        la_code: sample_published(WAVE, la_code, n_clusters=args.clusters, previous_wave="2012-13")
        for la_code in codes
    }
    print(f"sample tables of {len(codes)} councils (protect_council): {time.perf_counter() - drawn:.1f} s")
    started = time.perf_counter()
    RENDER_POOLS.prestart(args.workers)  # as the report assets do, before they read their tables
    for la_code in codes:
        tables = samples[la_code]
        folder = out / WAVE / la_code
        line = []
        for kind in timings:  # council, then clusters, then schools: each kind's wall time on its own
            t0 = time.perf_counter()
            build = build_reports(
                tables, folder, settings, pool=RENDER_POOLS.get(args.workers), force=True, kinds=(kind,)
            )
            seconds = time.perf_counter() - t0
            wall[kind] += seconds
            rendered = set(build.rendered)
            for entry in build.produced:
                if entry["kind"] == kind and f"{kind}:{entry['code']}" in rendered:
                    timings[kind].append(entry["seconds"])
                    cpu[kind].append(entry["cpu_seconds"])
            line.append(f"{len(rendered)} {kind} in {seconds:.1f} s")
        print(f"{la_code}: " + ", ".join(line), flush=True)
    total = time.perf_counter() - started
    refresh_started = time.perf_counter()
    refresh = build_reports(
        samples[codes[0]],
        out / WAVE / codes[0],
        settings,
        pool=RENDER_POOLS.get(args.workers),
    )
    refresh_seconds = time.perf_counter() - refresh_started
    n_reports = sum(len(v) for v in timings.values())
    RENDER_POOLS.close()
    own, children = peak_mb()
    print()
    print(
        f"councils: {len(codes)}; reports: {n_reports} (council {len(timings['council'])}, "
        f"cluster {len(timings['cluster'])}, school {len(timings['school'])}); output {out}"
    )
    print(f"total wall time: {total:.1f} s; reports per second overall: {n_reports / total:.2f}")
    print(
        f"school reports per second ({args.workers} workers): {len(timings['school']) / wall['school']:.2f}; "
        f"cluster and school reports per second: "
        f"{(len(timings['cluster']) + len(timings['school'])) / (wall['cluster'] + wall['school']):.2f}"
    )
    for kind, values in timings.items():
        if values:
            print(
                f"median seconds per {kind} report: {statistics.median(values):.2f} "
                f"(min {min(values):.2f}, max {max(values):.2f}); "
                f"CPU seconds median {statistics.median(cpu[kind]):.2f}, mean {statistics.mean(cpu[kind]):.2f}"
            )
    if cpu["school"]:
        area_cpu = statistics.mean(cpu["cluster"] + cpu["school"])
        print(
            f"on {args.workers} idle cores the renderer's own CPU time allows "
            f"{args.workers / area_cpu:.2f} cluster and school reports per second, "
            f"{args.workers / statistics.mean(cpu['school']):.2f} school reports per second"
        )
    print(
        f"refresh of an unchanged council: {refresh_seconds:.2f} s, {len(refresh.rendered)} reports re-rendered, "
        f"{len(refresh.unchanged)} skipped"
    )
    print(f"peak RSS: main process {own:.0f} MB, largest worker {children:.0f} MB")
    from bench_render_ratio import print_ratios, render_ratios  # this folder (the script's own)

    chart_seconds: dict[
        str, list[float]
    ] = {}  # render time against WeasyPrint's own on the same HTML (target 1.2)
    print_ratios(render_ratios(chart_seconds=chart_seconds), chart_seconds)


if __name__ == "__main__":
    main()
