"""Benchmark: per-step times of one council through the whole graph, cold (first in the process) and warm.

A national refresh runs every council in one `rcs run` process, so a council's real cost is its warm
cost: imports, fonts and Great Expectations' templates are paid once per process by the first council.
This runs the same council twice in one process (the second time from a fresh copy of its delivery, so
every asset and report is computed again) and prints each step's seconds from Dagster's event log, the
run wall times, the per-run overhead (run wall time minus step time) and the process start-up cost.
It then times a corrected delivery (one answer changed at one school) and says which reports were
re-rendered, and an unchanged rerun.

    RCS_LINKAGE_KEY=... .venv/bin/python benchmarks/bench_council.py                # demo-size Clackmannanshire
    RCS_LINKAGE_KEY=... .venv/bin/python benchmarks/bench_council.py --scale tiny   # quick
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()

COUNCIL = "S12000005"
WAVE = "2015-16"


def step_seconds(instance, run_id: str) -> tuple[dict[str, float], float]:
    """Seconds per step of a run (start to success or failure) and the run's wall time from its event log."""
    import dagster as dg

    begun: dict[str, float] = {}
    steps: dict[str, float] = {}
    records = instance.all_logs(run_id)
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            begun[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = record.timestamp - begun.get(event.step_key, record.timestamp)
    stamps = [r.timestamp for r in records]
    return steps, (max(stamps) - min(stamps)) if stamps else 0.0


def cpu_clock(instance) -> dict[str, float]:
    """CPU seconds of this process per step, from the instance's own event handling (steps run in process).

    Wall times on a machine shared with other work say little; a step's CPU time in this process does not
    depend on the load (the report steps' rendering workers are other processes: not counted here).
    """
    import dagster as dg

    spent: dict[str, float] = collections.Counter()
    begun: dict[str, float] = {}
    handle = instance.handle_new_event

    def handle_and_clock(entry, *args, **kwargs):
        event = entry.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.STEP_START:
            begun[event.step_key] = time.process_time()
        elif event is not None and event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            spent[event.step_key] += time.process_time() - begun.pop(event.step_key, time.process_time())
        return handle(entry, *args, **kwargs)

    instance.handle_new_event = handle_and_clock
    return spent


def run_once(home: Path, instance, label: str, cpu: dict[str, float]) -> dict[str, float]:
    """Materialise the council's partition once; print and return its seconds per step (summed over runs)."""
    from assets.runner import materialise

    cpu.clear()
    started, started_cpu = time.perf_counter(), time.process_time()
    outcomes = materialise(home, [(WAVE, COUNCIL)], instance=instance)
    wall = time.perf_counter() - started
    used_cpu = time.process_time() - started_cpu
    failed = [(o.partition, o.failures) for o in outcomes if not o.success]
    if failed:
        raise SystemExit(f"{label}: a run failed: {failed}")
    totals: dict[str, float] = collections.Counter()
    run_wall = 0.0
    for outcome in outcomes:
        steps, seconds = step_seconds(instance, outcome.run_id)
        run_wall += seconds
        for key, value in steps.items():
            totals[key] += value
    step_total = sum(totals.values())
    print(
        f"{label}: materialise {wall:.1f} s; {len(outcomes)} run(s), run wall {run_wall:.1f} s, steps "
        f"{step_total:.1f} s, outside steps {run_wall - step_total:.1f} s, outside runs {wall - run_wall:.1f} s",
        flush=True,
    )
    totals["(outside steps)"] = run_wall - step_total
    totals["(outside runs)"] = wall - run_wall
    totals["(materialise)"] = wall
    for key, value in cpu.items():
        totals[f"cpu {key}"] = value
    totals["cpu (materialise, this process)"] = used_cpu
    return dict(totals)


def reports_rendered(home: Path) -> dict[str, str]:
    """Input hash of every report in the council's contents.json (to tell which were re-rendered)."""
    from rcs_pipeline.paths import RcsHome

    path = RcsHome(home).reports(WAVE, COUNCIL) / "contents.json"
    entries = json.loads(path.read_text())["reports"] if path.exists() else []
    return {f"{e['kind']}:{e['code']}": e["input_hash"] for e in entries}


def file_times(home: Path) -> dict[str, float]:
    """Modification time of every report file of the council (services report included)."""
    from rcs_pipeline.paths import RcsHome

    folder = RcsHome(home).reports(WAVE, COUNCIL)
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.*")}


def correct_one_answer(home: Path) -> str:
    """Change one secondary pupil's answer to one WEMWBS item (a corrected delivery); return the school."""
    from rcs_pipeline.deliveries import READY_MARKER

    folder = home / "landing" / WAVE / COUNCIL
    path = folder / "secondary_survey.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    column = next(i for i, name in enumerate(header) if name.lower().startswith("wemwbs"))
    school = header.index("seed_code")
    row = rows[1]
    row[column] = "5" if row[column] != "5" else "4"
    (folder / READY_MARKER).unlink(missing_ok=True)
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (folder / READY_MARKER).write_text("")
    return row[school]


def main() -> None:
    """Run the council cold and warm, then a corrected delivery and an unchanged rerun; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", choices=["tiny", "small", "demo"])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("RCS_LINKAGE_KEY", secrets.token_hex(32))
    os.environ.setdefault("RCS_CODE_VERSION", "bench-council")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_council_"))
    source = work / "source"
    if not (source / "landing").exists():
        from rcs_pipeline.synthetic import generate

        generate(source, scale=args.scale, seed=args.seed, councils=[COUNCIL], waves=[WAVE])
    homes = [work / f"home{i}" for i in range(2)]
    for home in homes:
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(source / "landing", home / "landing")
    os.environ["DAGSTER_HOME"] = str(work / "dagster_home")
    shutil.rmtree(work / "dagster_home", ignore_errors=True)
    from assets.runner import prepare_dagster_home

    prepare_dagster_home(work / "dagster_home")
    import dagster as dg

    from assets.definitions import defs

    print(f"process start-up (imports, definitions): {time.perf_counter() - STARTED:.1f} s", flush=True)
    del defs
    with dg.DagsterInstance.get() as instance:
        cpu = cpu_clock(instance)
        cold = run_once(homes[0], instance, "cold (first council in the process)", cpu)
        warm = run_once(homes[1], instance, "warm (same council again, fresh home)", cpu)
        before = file_times(homes[1])
        hashes = reports_rendered(homes[1])
        school = correct_one_answer(homes[1])
        corrected = run_once(homes[1], instance, f"corrected delivery (one answer at school {school})", cpu)
        after = file_times(homes[1])
        changed = reports_rendered(homes[1])
        rewritten = sorted({Path(p).with_suffix("").as_posix() for p in after if after[p] != before.get(p)})
        print(
            f"  reports re-rendered: {sum(changed[k] != hashes.get(k) for k in changed)} of {len(changed)}; "
            f"report files rewritten: {', '.join(rewritten) or 'none'}"
        )
        unchanged = run_once(homes[1], instance, "unchanged rerun", cpu)
    runs = (cold, warm, corrected, unchanged)
    for title, cpu_rows in (("wall seconds", False), ("CPU seconds", True)):
        print()
        print(f"{title + ' per step':48s} {'cold':>7s} {'warm':>7s} {'correct':>7s} {'rerun':>7s}")
        keys = sorted(
            {k for d in runs for k in d if k.startswith("cpu ") == cpu_rows}, key=lambda k: -warm.get(k, 0)
        )
        for key in keys:
            values = [d.get(key, 0.0) for d in runs]
            if max(values) >= 0.2 or "(" in key:
                print(f"{key.removeprefix('cpu '):48s} " + " ".join(f"{v:7.2f}" for v in values))
        steps = [
            sum(v for k, v in d.items() if k.startswith("cpu ") == cpu_rows and "(" not in k) for d in runs
        ]
        print(f"{'(all steps)':48s} " + " ".join(f"{v:7.2f}" for v in steps))
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
