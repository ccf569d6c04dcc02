"""Benchmark: `rcs run` over the national synthetic wave from an empty home, landing to PDFs, through Dagster.

From an empty work folder it generates the wave (`rcs synth`), times `rcs run` over every council, then
corrects a few survey rows of one council's delivery and times the update a corrected delivery gets
(`rcs run --wave W --la CODE`, what the landing sensor's run does for one partition) to refreshed reports.
It prints plain figures and writes them as JSON beside the work folder (`<work>.json`):

- whole wall time and CPU time of the process tree (every process `rcs` started and waited for);
- time per stage and per step (asset or check) summed over councils, from the Dagster event log
  (step start to step success or failure), and Dagster's own overhead (run wall time minus step time);
- peak memory of the whole process tree (sum of resident set sizes, sampled every 0.5 s from /proc),
  and per step the peak of the tree while that step was in progress (with runs one after another, one
  step is in progress at a time; with concurrent runs, `--jobs`, the figure is an upper bound shared by
  the steps in progress together);
- reports written (PDFs and spreadsheets) and every gate (asset check) passed or failed;
- for the corrected delivery: wall time, reports re-rendered (report assets' metadata) and report files
  changed or unchanged (by content), and whether any other council's files changed.

Targets (docs/benchmarks.md): whole refresh <= 15 min, corrected council <= 60 s, every asset <= 4 GB.

    .venv/bin/python benchmarks/bench_national.py --scale tiny --work /tmp/bench-tiny        # minutes
    .venv/bin/python benchmarks/bench_national.py --scale national --seed 3 --work /tmp/bench-national
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RCS = Path(sys.executable).parent / "rcs"
MARKER = ".bench_national"  # a work folder holding this file may be emptied by the benchmark
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024
TARGETS = {"whole_refresh_s": 15 * 60, "corrected_council_s": 60, "asset_peak_mb": 4 * 1024}
STEP_END = ("STEP_SUCCESS", "STEP_FAILURE")
POOL_BLOCKED = "Step blocked by limit for pool"  # the engine event of a step waiting for a pool slot
RUN_END = ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED")  # Dagster's stored names for RUN_*


@dataclass
class Sample:
    """The process tree's summed resident memory at one moment, the root process's own, and the largest run's.

    `run_mb` is the largest memory of one process that runs Dagster steps together with its children (its
    render workers): with `--jobs N` each council's run is a worker of `rcs run` with its own subtree; run
    one after another, the whole tree is the one run.
    """

    at: float
    tree_mb: float
    root_mb: float
    run_mb: float = 0.0


@dataclass
class Phase:
    """One timed command: wall and CPU seconds of its process tree, memory samples, exit code."""

    name: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    returncode: int = 0
    samples: list[Sample] = field(default_factory=list)

    def peak_tree_mb(self) -> float:
        """Largest summed RSS of the tree seen during the phase."""
        return max((s.tree_mb for s in self.samples), default=0.0)


def _parents() -> dict[int, int]:
    """Parent pid of every process on the machine, from /proc/<pid>/stat."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        found[int(entry.name)] = int(text[text.rindex(")") + 2 :].split()[1])
    return found


def _rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it has gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / MB
    except (OSError, IndexError, ValueError):
        return 0.0


def _children() -> dict[int, list[int]]:
    """Child pids of every process on the machine."""
    children: dict[int, list[int]] = defaultdict(list)
    for pid, parent in _parents().items():
        children[parent].append(pid)
    return children


def _tree(root: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """The root pid and all its descendants."""
    children = _children() if children is None else children
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _sample(root: int) -> Sample:
    """Memory of the tree, of the root, and of the largest run subtree (a root child that has children)."""
    children = _children()
    tree = _tree(root, children)
    rss = {pid: _rss_mb(pid) for pid in tree}
    runs = [c for c in children.get(root, []) if children.get(c)]
    run_mb = max((sum(rss.get(p, 0.0) for p in _tree(c, children)) for c in runs), default=0.0)
    total = sum(rss.values())
    return Sample(time.time(), total, rss.get(root, 0.0), run_mb if runs else total)


def timed(name: str, command: list[str], env: dict[str, str], log: Path) -> Phase:
    """Run a command with its output in `log`, sampling its tree's memory; wall and CPU seconds of the tree."""
    phase = Phase(name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    phase.started = time.time()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                phase.samples.append(_sample(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        phase.returncode = process.wait()
        done.set()
        sampler.join()
    phase.ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    phase.wall_s = phase.ended - phase.started
    phase.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return phase


def prepare_work(work: Path) -> Path:
    """Empty (or create) the work folder; refuse a non-empty folder this benchmark did not create."""
    if work.exists():
        if any(work.iterdir()) and not (work / MARKER).exists():
            raise SystemExit(f"{work} is not empty and was not made by this benchmark; choose another --work")
        shutil.rmtree(work)
    work.mkdir(parents=True)
    (work / MARKER).write_text("made by benchmarks/bench_national.py; emptied on each run\n")
    return work / "home"


def correct_delivery(folder: Path, rows: int) -> str:
    """Correct a few rows of a delivery as a sender would: one WEMWBS item of `rows` secondary pupils.

    The `_READY` marker is removed first and written last, as the README's corrected-extract steps say.
    """
    ready = folder / "_READY"
    marker = ready.read_text() if ready.exists() else "complete"
    ready.unlink(missing_ok=True)
    path = folder / "secondary_survey.csv"
    raw = path.read_bytes()
    newline = "\r\n" if b"\r\n" in raw[:4096] else "\n"
    table = list(csv.reader(raw.decode("utf-8").splitlines()))
    column = table[0].index("wemwbs_01")
    changed = 0
    for row in table[1:]:
        if changed == rows:
            break
        if row[column].strip().isdigit():
            row[column] = str(int(row[column]) % 5 + 1)  # a keying error corrected (1-5 scale)
            changed += 1
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator=newline).writerows(table)
    ready.write_text(marker)
    return f"{changed} rows of {path.name}, column wemwbs_01"


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every report file (PDF, spreadsheet) under a folder, by relative path."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".pdf", ".xlsx") and p.is_file()
    }


def event_log(dagster_home: Path, since: float) -> list[dict]:
    """Every run of the instance that started after `since`: its tags, steps, checks and report metadata."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    runs = []
    with dg.DagsterInstance.get() as instance:
        for record in instance.get_run_records():
            run = record.dagster_run
            entries = instance.all_logs(run.run_id)
            if not entries or entries[0].timestamp < since:
                continue
            runs.append(_run_summary(run, entries))
    return sorted(runs, key=lambda r: r["start"])


def _run_summary(run, entries) -> dict:
    """Timings of one run's steps, its checks, the assets it materialised and the report counts."""
    starts: dict[str, float] = {}
    blocked: dict[str, float] = {}
    waits: list[tuple[float, float]] = []
    steps: dict[str, list[float]] = {}
    start, end = entries[0].timestamp, None  # a run's first event (planning) to its success or failure
    checks, assets, rendered, unchanged = [], [], 0, 0
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind in RUN_END:
            end = entry.timestamp
        elif (
            kind == "ENGINE_EVENT" and event.step_key and (entry.user_message or "").startswith(POOL_BLOCKED)
        ):
            blocked.setdefault(event.step_key, entry.timestamp)
        elif kind == "STEP_START":
            starts[event.step_key] = entry.timestamp
            if event.step_key in blocked:
                waits.append((blocked[event.step_key], entry.timestamp))
        elif kind in STEP_END and event.step_key in starts:
            steps[event.step_key] = [starts[event.step_key], entry.timestamp]
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            checks.append([f"{data.asset_key.to_user_string()}:{data.check_name}", bool(data.passed)])
        elif kind == "ASSET_MATERIALIZATION":
            assets.append(event.asset_key.to_user_string())
            metadata = event.event_specific_data.materialization.metadata
            for name, value in metadata.items():
                if name == "reports_rendered_now":
                    rendered += int(value.value)
                elif name == "reports_unchanged":
                    unchanged += int(value.value)
    end = end if end is not None else entries[-1].timestamp
    return {
        "run_id": run.run_id,
        "partition": f"{run.tags.get('rcs/wave', '')}|{run.tags.get('rcs/la_code', '*')}",
        "success": run.status.value == "SUCCESS",
        "start": start,
        "end": end,
        "first_event": entries[0].timestamp,
        "steps": steps,
        "pool_waits": waits,
        "checks": checks,
        "assets": assets,
        "reports_rendered": rendered,
        "reports_unchanged": unchanged,
    }


def stage_names() -> dict[str, str]:
    """Stage label of every asset key (the runner's cut of the graph, docs/methods/reproducibility.md)."""
    from assets.definitions import defs as load_defs
    from assets.runner import graph_stages

    names = {}
    for n, stage in enumerate(graph_stages(load_defs()), start=1):
        label = f"{n}:{'wave' if stage.wave_wide else 'council'}:{stage.keys[0].to_user_string()}"
        label += f"+{len(stage.keys) - 1}" if len(stage.keys) > 1 else ""
        for key in stage.keys:
            names[key.to_user_string()] = label
    return names


def _peak_during(samples: list[Sample], begin: float, end: float, what: str = "tree_mb") -> float:
    """Largest memory (`what` of a sample) while a step ran; the last sample before its end for a step under 0.5 s."""
    during = [getattr(s, what) for s in samples if begin <= s.at <= end]
    if during:
        return max(during)
    return next((getattr(s, what) for s in reversed(samples) if s.at <= end), 0.0)


def _union(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by at least one of the spans (runs that overlap when councils run concurrently)."""
    covered, reach = 0.0, float("-inf")
    for begin, end in sorted(spans):
        if end > reach:
            covered += end - max(begin, reach)
            reach = end
    return covered


def _waiting_only(waits: list[tuple[float, float]], steps: list[list[float]]) -> float:
    """Seconds a run waited for a pool slot with none of its own steps in progress.

    A report step is "blocked" from the run's start, while the run's other steps still execute; and
    several report steps wait for the same slot together. So the wait is the union of the waits minus the
    run's step time: |W ∪ S| - |S|.
    """
    spans = [tuple(span) for span in steps]
    return _union([*waits, *spans]) - _union(spans)


def analyse(runs: list[dict], phase: Phase, stages: dict[str, str]) -> dict:
    """Summed step and stage times, Dagster overhead, gates and per-step peak memory over a phase's runs."""
    step_s: dict[str, float] = defaultdict(float)
    step_n: dict[str, int] = defaultdict(int)
    step_peak: dict[str, float] = defaultdict(float)
    step_run_peak: dict[str, float] = defaultdict(float)
    pool_wait = 0.0
    stage_s: dict[str, float] = defaultdict(float)
    stage_runs: dict[str, int] = defaultdict(int)
    checks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    run_wall = step_total = 0.0
    for run in runs:
        wall = run["end"] - run["start"]
        run_wall += wall
        stage = next((stages[a] for a in run["assets"] if a in stages), "?")
        stage_s[stage] += wall
        stage_runs[stage] += 1
        for step, (begin, end) in run["steps"].items():
            step_s[step] += end - begin
            step_n[step] += 1
            step_total += end - begin
            step_peak[step] = max(step_peak[step], _peak_during(phase.samples, begin, end))
            step_run_peak[step] = max(step_run_peak[step], _peak_during(phase.samples, begin, end, "run_mb"))
        pool_wait += _waiting_only(run["pool_waits"], list(run["steps"].values()))
        for name, passed in run["checks"]:
            checks[name][0 if passed else 1] += 1
    return {
        "runs": len(runs),
        "runs_failed": sorted(r["partition"] for r in runs if not r["success"]),
        "run_wall_s": run_wall,
        "step_s": step_total,
        "pool_wait_s": pool_wait,
        "dagster_overhead_s": run_wall - step_total - pool_wait,
        "runs_union_s": _union([(r["start"], r["end"]) for r in runs]),
        "outside_runs_s": phase.wall_s - _union([(r["start"], r["end"]) for r in runs]),
        "stages": {k: {"seconds": stage_s[k], "runs": stage_runs[k]} for k in sorted(stage_s)},
        "steps": {
            k: {
                "seconds": step_s[k],
                "count": step_n[k],
                "peak_tree_mb": step_peak[k],
                "peak_run_mb": step_run_peak[k],
            }
            for k in sorted(step_s, key=lambda k: -step_s[k])
        },
        "checks_passed": sum(v[0] for v in checks.values()),
        "checks_failed": sum(v[1] for v in checks.values()),
        "checks": {k: {"passed": v[0], "failed": v[1]} for k, v in sorted(checks.items())},
        "failed_checks": sorted({f"{r['partition']} {n}" for r in runs for n, ok in r["checks"] if not ok}),
        "reports_rendered": sum(r["reports_rendered"] for r in runs),
        "reports_unchanged": sum(r["reports_unchanged"] for r in runs),
    }


def summary_lines(log: Path) -> list[str]:
    """What `rcs run` printed from its summary rule on (the per-partition table and totals)."""
    lines = log.read_text(errors="replace").splitlines()
    at = next((i for i, line in enumerate(lines) if "summary" in line and "─" in line), len(lines))
    return lines[at:]


def count_reports(reports: Path) -> dict[str, int]:
    """PDFs and spreadsheets under the reports folder."""
    return {
        "pdf": sum(1 for _ in reports.rglob("*.pdf")) if reports.exists() else 0,
        "xlsx": sum(1 for _ in reports.rglob("*.xlsx")) if reports.exists() else 0,
    }


def print_run(title: str, phase: Phase, figures: dict, top: int) -> None:
    """Print one phase's figures as plain lines."""
    print(f"\n== {title}")
    print(
        f"wall {phase.wall_s:.1f} s, CPU of the process tree {phase.cpu_s:.1f} s, exit code {phase.returncode}"
    )
    print(f"peak memory of the process tree (sum of RSS): {phase.peak_tree_mb():.0f} MB")
    print(
        f"Dagster runs {figures['runs']} ({len(figures['runs_failed'])} failed); run wall summed "
        f"{figures['run_wall_s']:.1f} s, step time summed {figures['step_s']:.1f} s, waiting for a pool slot "
        f"(report_rendering, held by another council's run) {figures['pool_wait_s']:.1f} s, Dagster overhead "
        f"(run wall - step time - pool waits) {figures['dagster_overhead_s']:.1f} s, outside runs (start-up, imports, "
        f"job building, between runs) {figures['outside_runs_s']:.1f} s; runs in progress "
        f"{figures['runs_union_s']:.1f} s of the wall time"
    )
    print("time per stage (run wall summed over partitions):")
    for name, stage in figures["stages"].items():
        print(f"  {stage['seconds']:9.1f} s  {stage['runs']:4d} runs  {name}")
    print(
        f"time per step (asset or check) summed over partitions, top {top}; peak memory while it ran: of the "
        "largest run (its process and render workers) / of the whole tree:"
    )
    for name, step in list(figures["steps"].items())[:top]:
        print(
            f"  {step['seconds']:9.1f} s  x{step['count']:<4d} {step['peak_run_mb']:7.0f} / "
            f"{step['peak_tree_mb']:5.0f} MB  {name}"
        )
    heaviest = max(figures["steps"].items(), key=lambda kv: kv[1]["peak_run_mb"], default=None)
    if heaviest:
        print(
            f"heaviest step: {heaviest[0]} at {heaviest[1]['peak_run_mb']:.0f} MB of the largest run "
            f"({heaviest[1]['peak_tree_mb']:.0f} MB of the whole tree)"
        )
    print(f"asset checks passed {figures['checks_passed']}, failed {figures['checks_failed']}")
    for line in figures["failed_checks"]:
        print(f"  FAILED {line}")
    for partition in figures["runs_failed"]:
        print(f"  run FAILED {partition}")
    print(
        f"report assets: {figures['reports_rendered']} reports rendered now, "
        f"{figures['reports_unchanged']} unchanged"
    )


def main() -> int:
    """Generate, run, correct one council, re-run it; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-national"))
    parser.add_argument("--councils", default=None, help="a count or la_codes (rcs synth --councils)")
    parser.add_argument("--correct-la", default=None, help="council to correct (default: the first)")
    parser.add_argument("--correct-rows", type=int, default=5)
    parser.add_argument("--top", type=int, default=25, help="steps listed")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="rcs run --jobs N (default: 2 on a machine of 2 cores or more, as docs/deploy.md advises; 0: rcs run's own)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they come when the output is a file
    work = args.work.resolve()
    home = prepare_work(work)
    dagster_home = home / "dagster_home"
    env = {
        **os.environ,
        "RCS_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "COLUMNS": "200",
        "RCS_LINKAGE_KEY": os.environ.get("RCS_LINKAGE_KEY") or secrets.token_hex(32),
    }
    started = time.time()
    synth_cmd = [str(RCS), "synth", "--scale", args.scale, "--seed", str(args.seed), "--home", str(home)]
    if args.councils:
        synth_cmd += ["--councils", args.councils]
    synth = timed("synth", synth_cmd, env, work / "synth.log")
    if synth.returncode:
        print((work / "synth.log").read_text())
        return 1
    deliveries = sorted(
        (w.name, la.name)
        for w in (home / "landing").iterdir()
        if w.is_dir()
        for la in w.iterdir()
        if la.is_dir()
    )
    print(f"bench_national: scale {args.scale}, seed {args.seed}, {len(deliveries)} deliveries, work {work}")
    print(f"synth: wall {synth.wall_s:.1f} s, CPU {synth.cpu_s:.1f} s")

    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    run = timed("run", [str(RCS), "run", "--home", str(home), *jobs], env, work / "rcs_run.log")
    if not dagster_home.exists():
        print((work / "rcs_run.log").read_text()[-4000:])
        return 1
    stages = stage_names()
    run_figures = analyse(event_log(dagster_home, run.started - 1), run, stages)
    reports = count_reports(home / "reports")
    print_run("rcs run, every council from empty", run, run_figures, args.top)
    print(f"reports written: {reports['pdf']} PDFs, {reports['xlsx']} spreadsheets")
    print("rcs run's summary lines:")
    rcs_summary = summary_lines(work / "rcs_run.log")
    for line in rcs_summary:
        print(f"  | {line}")

    wave, la_code = next(((w, la) for w, la in deliveries if la == args.correct_la), deliveries[0])
    report_folder = home / "reports" / wave / la_code
    before_own, before_all = file_hashes(report_folder), file_hashes(home / "reports")
    corrected = correct_delivery(home / "landing" / wave / la_code, args.correct_rows)
    fix = timed(
        "correction",
        [str(RCS), "run", "--home", str(home), "--wave", wave, "--la", la_code],
        env,
        work / "rcs_run_correction.log",
    )
    fix_figures = analyse(event_log(dagster_home, fix.started - 1), fix, stages)
    after_own, after_all = file_hashes(report_folder), file_hashes(home / "reports")
    own_changed = sorted(k for k in after_own if before_own.get(k) != after_own[k])
    others_changed = sorted(
        k
        for k in set(after_all) | set(before_all)
        if before_all.get(k) != after_all.get(k) and not k.startswith(f"{wave}/{la_code}/")
    )
    print_run(f"corrected delivery {wave}|{la_code} ({corrected}): rcs run --wave --la", fix, fix_figures, 15)
    print(
        f"report files of {la_code}: {len(own_changed)} changed, {len(after_own) - len(own_changed)} unchanged "
        f"(of {len(after_own)}); files of other councils changed: {len(others_changed)}"
    )
    for line in summary_lines(work / "rcs_run_correction.log")[-6:]:
        print(f"  | {line}")

    total = time.time() - started
    whole_ok = run.wall_s <= TARGETS["whole_refresh_s"]
    fix_ok = fix.wall_s <= TARGETS["corrected_council_s"]
    heaviest = max((s["peak_run_mb"] for s in run_figures["steps"].values()), default=0.0)
    print("\n== against the targets")
    print(
        f"whole national refresh {run.wall_s / 60:.1f} min (target <= 15 min): {'met' if whole_ok else 'NOT met'}"
    )
    print(f"corrected council {fix.wall_s:.1f} s (target <= 60 s): {'met' if fix_ok else 'NOT met'}")
    print(
        f"largest step peak {heaviest:.0f} MB, the largest run while it ran (target <= 4096 MB per asset): "
        f"{'met' if heaviest <= TARGETS['asset_peak_mb'] else 'NOT met'}"
    )
    gates_ok = not run_figures["checks_failed"] and not run_figures["runs_failed"] and run.returncode == 0
    print(f"every gate passed and every run succeeded: {'yes' if gates_ok else 'NO'}")
    print(f"benchmark total {total:.1f} s")
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "councils_option": args.councils,
        "deliveries": len(deliveries),
        "work": str(work),
        "cpu_count": os.cpu_count(),
        "targets": TARGETS,
        "synth": {"wall_s": synth.wall_s, "cpu_s": synth.cpu_s},
        "run": {
            "wall_s": run.wall_s,
            "cpu_s": run.cpu_s,
            "returncode": run.returncode,
            "peak_tree_mb": run.peak_tree_mb(),
            "reports": reports,
            "rcs_summary": rcs_summary,
            **run_figures,
        },
        "correction": {
            "partition": f"{wave}|{la_code}",
            "change": corrected,
            "wall_s": fix.wall_s,
            "cpu_s": fix.cpu_s,
            "returncode": fix.returncode,
            "peak_tree_mb": fix.peak_tree_mb(),
            "report_files_changed": len(own_changed),
            "report_files_unchanged": len(after_own) - len(own_changed),
            "other_councils_files_changed": len(others_changed),
            **fix_figures,
        },
        "total_s": total,
    }
    out = work.with_name(work.name + ".json")
    out.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(f"figures written to {out}; logs in {work}")
    return 0 if run.returncode == 0 and fix.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
