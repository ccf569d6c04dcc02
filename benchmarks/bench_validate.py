"""Read and validate every council delivery of a national-scale synthetic home; print seconds and peak memory.

Usage: python benchmarks/bench_validate.py [RCS_HOME] [--with-expectations]
With --with-expectations the landing Great Expectations suites also run on every council (column "gx s").
Without a home, `rcs_pipeline.synthetic.generate(<tmp>, scale="national")` writes one first (not timed).
Peak memory is the process's maximum resident set size (resource.getrusage), which only grows: the figure
after each council is the peak so far.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.paths import RcsHome


def peak_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _expectation_seconds(parsed: dict) -> float:
    """Seconds to run the landing suites (no Data Docs) over one council's parsed tables."""
    from rcs_pipeline.quality import run_suites

    started = time.perf_counter()
    run_suites({name: d.frame for name, d in parsed.items() if d.frame is not None})
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    """Validate every (wave, council) delivery under the home and print one line per council and a total."""
    with_gx = "--with-expectations" in argv
    argv = [a for a in argv if a != "--with-expectations"]
    if argv:
        home = Path(argv[0])
    else:
        from rcs_pipeline.synthetic import generate

        home = Path(tempfile.mkdtemp(prefix="rcs_bench_validate_"))
        started = time.perf_counter()
        generate(home, scale="national")
        print(
            f"generated national synthetic deliveries in {time.perf_counter() - started:.1f} s under {home}"
        )
    deliveries = RcsHome(home).deliveries()
    print(
        f"{'wave':8} {'council':10} {'rows':>9} {'pupils':>8} {'errors':>6} {'seconds':>8} {'gx s':>6} {'peak MB':>8}"
    )
    total_rows = total_pupils = 0
    started_all = time.perf_counter()
    for wave, la_code in deliveries:
        started = time.perf_counter()
        parsed, problems = parse_delivery(RcsHome(home).delivery(wave, la_code))
        seconds = time.perf_counter() - started
        rows = sum(d.frame.height for d in parsed.values() if d.frame is not None)
        pupils = sum(
            parsed[s].frame.height
            for s in ("secondary_survey", "primary_survey")
            if parsed[s].frame is not None
        )
        errors = sum(p.is_error for p in problems)
        gx_seconds = _expectation_seconds(parsed) if with_gx else float("nan")
        total_rows += rows
        total_pupils += pupils
        print(
            f"{wave:8} {la_code:10} {rows:9d} {pupils:8d} {errors:6d} {seconds:8.2f} {gx_seconds:6.1f} {peak_mb():8.0f}"
        )
    elapsed = time.perf_counter() - started_all
    print(f"{'total':19} {total_rows:9d} {total_pupils:8d} {'':6} {elapsed:8.2f} {'':6} {peak_mb():8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
