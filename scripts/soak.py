"""Soak test (`make soak`): the whole graph over many generated waves, then a kill drill.

Each wave is generated with its own seed and a council count cycling 1, 2, 3 (`rcs synth --councils`),
and run from scratch with `rcs run` in a process of its own; one line per wave says PASS or FAIL and, for
a failure, which gate and why (the lines `rcs run` prints for failed steps and checks).

The kill drill then runs one wave again in a fresh home, SIGKILLs `rcs run` (and its report workers) at
random moments, reruns it to the end, and checks that no partial or temporary file is left and that every
file in linkage/, analysis/, published/, services/ and reports/ is byte-identical to the uninterrupted run
of the same deliveries and key (docs/methods/reproducibility.md).

Not part of `make test` (it takes an hour on two cores): `make soak` or
`python scripts/soak.py --waves 21 --kills 20 --work /tmp/soak`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RCS = [sys.executable, "-m", "assets.cli"]
COMPARED = ("linkage", "analysis", "published", "services", "reports")
COUNCIL_COUNTS = (1, 2, 3)


@dataclass(frozen=True)
class Wave:
    """One generated wave of the soak: its number, seed, council count and home folder."""

    number: int
    seed: int
    councils: int
    home: Path


def environment(home: Path, key: str) -> dict[str, str]:
    """The environment of one `rcs` process: its own RCS_HOME and Dagster instance, the soak's key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RCS_", "DAGSTER_"))}
    env.update(RCS_HOME=str(home), DAGSTER_HOME=str(home / "dagster_home"), RCS_LINKAGE_KEY=key)
    env["RCS_CODE_VERSION"] = os.environ.get("RCS_CODE_VERSION", "soak")  # one code version for every run
    env["PYTHONPATH"] = str(ROOT)
    return env


def synthesise(wave: Wave, key: str, scale: str) -> None:
    """Write the wave's deliveries with `rcs synth`."""
    command = [*RCS, "synth", "--scale", scale, "--home", str(wave.home), "--seed", str(wave.seed)]
    subprocess.run(
        [*command, "--councils", str(wave.councils)],
        cwd=wave.home.parent,
        env=environment(wave.home, key),
        check=True,
        capture_output=True,
        text=True,
    )


def run(home: Path, key: str, log: Path) -> tuple[int, float]:
    """`rcs run` over the home to the end: (exit code, seconds); its output goes to `log`."""
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(
            [*RCS, "run", "--home", str(home)],
            cwd=home,
            env=environment(home, key),
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
    return code, time.monotonic() - started


def reason(log: Path) -> str:
    """The failing gates' lines `rcs run` printed (failed steps and checks), or its last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    picked = [line for line in lines if line.startswith(("check failed", "failed "))]
    return " | ".join(picked[:4]) if picked else (lines[-1] if lines else "no output")


def soak_waves(waves: list[Wave], key: str, scale: str) -> list[tuple[Wave, bool, float]]:
    """Generate and run every wave; print one line per wave."""
    results = []
    for wave in waves:
        try:
            synthesise(wave, key, scale)
        except subprocess.CalledProcessError as error:
            last = (error.stderr or error.stdout or "").strip().splitlines()[-1:] or ["no output"]
            print(
                f"wave {wave.number:02d} seed {wave.seed} councils {wave.councils}: FAIL: rcs synth: {last[0]}"
            )
            results.append((wave, False, 0.0))
            continue
        code, seconds = run(wave.home, key, wave.home / "run.log")
        verdict = "PASS" if code == 0 else "FAIL"
        line = (
            f"wave {wave.number:02d} seed {wave.seed} councils {wave.councils}: {verdict} ({seconds:.0f} s)"
        )
        print(line if code == 0 else f"{line}: {reason(wave.home / 'run.log')}", flush=True)
        results.append((wave, code == 0, seconds))
    return results


def digests(home: Path) -> dict[str, str]:
    """sha256 of every file in the compared zones, by path relative to the home."""
    found = {}
    for zone in COMPARED:
        for path in sorted((home / zone).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(home))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def partial_files(home: Path) -> list[str]:
    """Temporary or partial files left under the home (outside the Dagster instance)."""
    return [
        str(p.relative_to(home))
        for p in home.rglob("*")
        if p.is_file()
        and not p.is_relative_to(home / "dagster_home")
        and (p.name.endswith(".tmp") or p.name.startswith(".~") or p.name.endswith(".part"))
    ]


def kill_once(home: Path, key: str, after: float) -> bool:
    """Start `rcs run`, SIGKILL its whole process group after `after` seconds; False if it ended first."""
    process = subprocess.Popen(
        [*RCS, "run", "--home", str(home)],
        cwd=home,
        env=environment(home, key),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


def kill_drill(reference: Wave, key: str, kills: int, work: Path, seconds: float, rng: random.Random) -> bool:
    """SIGKILL `rcs run` `kills` times at random moments, rerun to the end, compare with the reference."""
    home = work / "kill-drill"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copytree(reference.home / "landing", home / "landing")
    done = 0
    while done < kills:
        after = rng.uniform(2.0, max(3.0, seconds * 0.95))
        if kill_once(home, key, after):
            done += 1
            print(f"  kill {done:02d} after {after:.1f} s", flush=True)
    code, _ = run(home, key, home / "run.log")
    partial = partial_files(home)
    want, got = digests(reference.home), digests(home)
    differing = sorted(p for p in set(want) | set(got) if want.get(p) != got.get(p))
    ok = code == 0 and not partial and not differing
    verdict = "PASS" if ok else "FAIL"
    print(
        f"kill drill ({kills} kills, wave {reference.number:02d}, {len(want)} files compared): {verdict}"
        + ("" if code == 0 else f"; the final run failed: {reason(home / 'run.log')}")
        + (f"; partial files: {partial[:5]}" if partial else "")
        + (f"; {len(differing)} file(s) differ, e.g. {differing[:5]}" if differing else ""),
        flush=True,
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the waves and the drill; exit 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--waves", type=int, default=21, help="generated waves (council counts cycle 1, 2, 3)"
    )
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs in the kill drill (0: no drill)")
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--work", default="/tmp/rcs-soak", help="folder for the waves' homes (emptied first)")
    args = parser.parse_args(argv)
    work = Path(args.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    key = secrets.token_hex(32)  # one random key for the whole soak, never written to disk
    waves = [
        Wave(i + 1, args.first_seed + i, COUNCIL_COUNTS[i % 3], work / f"wave-{i + 1:02d}")
        for i in range(args.waves)
    ]
    print(f"soak: {len(waves)} {args.scale} wave(s) under {work}", flush=True)
    results = soak_waves(waves, key, args.scale)
    passed = sum(ok for _, ok, _ in results)
    print(f"waves: {passed} of {len(results)} passed", flush=True)
    drill_ok = True
    if args.kills:
        # the drill reruns a passed one-council wave (the cheapest), else any passed wave
        candidates = sorted((w.councils != 1, w.number, w, s) for w, ok, s in results if ok)
        if not candidates:
            print("kill drill: FAIL (no wave passed to compare with)", flush=True)
            drill_ok = False
        else:
            _, _, reference, seconds = candidates[0]
            drill_ok = kill_drill(reference, key, args.kills, work, seconds, random.Random(args.first_seed))
    return 0 if passed == len(results) and drill_ok else 1


if __name__ == "__main__":
    sys.exit(main())
