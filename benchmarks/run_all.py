"""Run the benchmark scripts in this folder in turn; each prints its own figures (`make bench`).

With no names every bench_*.py runs, the whole-graph national benchmark (bench_national.py, about 14 minutes
on the 2-core machine) last; with names only those run: `python benchmarks/run_all.py reports national`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LAST = "bench_national.py"  # the longest, and the one that times everything the others time by stage


def scripts(names: list[str]) -> list[Path]:
    """The benchmark scripts to run, in order, national last; only the named ones when names are given."""
    found = sorted(Path(__file__).parent.glob("bench_*.py"), key=lambda p: (p.name == LAST, p.name))
    if not names:
        return found
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in (n.removesuffix(".py") for n in names)}
    unknown = wanted - {p.stem for p in found}
    if unknown:
        raise SystemExit(f"no benchmark named {', '.join(sorted(unknown))}; have {[p.stem for p in found]}")
    return [p for p in found if p.stem in wanted]


def main() -> int:
    """Run the chosen bench_*.py one after another and report which failed."""
    failed = []
    for script in scripts(sys.argv[1:]):
        print(f"\n=== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
