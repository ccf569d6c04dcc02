"""Benchmark the synthetic generator: seconds and peak memory per scale (default: national).

Usage: python benchmarks/bench_synthetic.py [scale ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from rcs_pipeline.synthetic import generate


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(scale: str, home: Path) -> None:
    """Generate one scale into `home` and print its figures."""
    start = time.perf_counter()
    summary = generate(home, scale=scale, seed=2015)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (home / "landing").rglob("*") if p.is_file()) / 1e6
    pupils = summary.counts.get("secondary_survey", 0) + summary.counts.get("primary_survey", 0)
    print(
        f"scale={scale} councils={len(summary.deliveries)} pupil_survey_rows={pupils} "
        f"admin_rows={summary.counts.get('admin_extract', 0)} csv_mb={size:.1f} "
        f"seconds={seconds:.1f} peak_rss_mb={peak_rss_mb():.0f}"
    )


def main() -> None:
    """Run the requested scales, each into a fresh folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scales", nargs="*", default=["national"])
    parser.add_argument("--keep", type=Path, help="write into this folder instead of a temporary one")
    args = parser.parse_args()
    for scale in args.scales:
        if args.keep:
            bench(scale, args.keep / scale)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                bench(scale, Path(tmp))


if __name__ == "__main__":
    main()
