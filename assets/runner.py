"""Materialise the whole graph in process, stage by stage, for `rcs run`, `rcs demo` and the pipeline tests.

A Dagster run holds assets of one partitions definition, and an asset that reads other councils'
partitions (the all-councils comparator) must wait until every council has produced them. So the graph
is cut into stages: a new stage starts wherever an asset depends on a parent through anything but the
identity partition mapping. Wave × council stages run once per (wave, council); wave-wide stages once
per wave.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from assets.partitions import partition_key, wave_council_partitions, waves_partitions
from assets.resources import LinkageKey, RcsSettings
from rcs_pipeline.frame_stack import reserved_frame_stack
from rcs_pipeline.processes import end_with_parent


@dataclass(frozen=True)
class Stage:
    """Assets materialised together, once per partition of their partitions definition."""

    keys: tuple[dg.AssetKey, ...]
    wave_wide: bool


@dataclass
class RunOutcome:
    """What one in-process run did: its partition, success, the failed steps and their messages."""

    partition: str
    keys: tuple[str, ...]
    success: bool
    run_id: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    materialised: list[str] = field(default_factory=list)
    check_findings: dict[str, str] = field(default_factory=dict)  # failed check name → what it found
    interrupted: bool = False  # the run failed because rcs run was interrupted (SIGINT/SIGTERM)


class RunInterrupted(KeyboardInterrupt):
    """rcs run was interrupted: the run in progress failed and no later run was started."""

    def __init__(self, outcomes: list[RunOutcome]) -> None:
        """Keep what ran, so the caller can still report it."""
        super().__init__(f"interrupted during {outcomes[-1].partition}" if outcomes else "interrupted")
        self.outcomes = outcomes


def graph_stages(defs: dg.Definitions) -> list[Stage]:
    """Cut the asset graph into stages of one partitions definition each, in dependency order."""
    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    wide = {k: graph.get(k).partitions_def == waves_partitions for k in keys}
    level: dict[dg.AssetKey, int] = {}

    def crosses(child: dg.AssetKey, parent: dg.AssetKey) -> bool:
        """Whether the child reads partitions of the parent other than its own."""
        if wide[child] != wide[parent]:
            return True
        return not isinstance(graph.get_partition_mapping(child, parent), dg.IdentityPartitionMapping)

    def level_of(key: dg.AssetKey) -> int:
        if key not in level:
            parents = [p for p in graph.get(key).parent_keys if p in wide]
            level[key] = max((level_of(p) + crosses(key, p) for p in parents), default=int(wide[key]))
        return level[key]

    for key in keys:
        level_of(key)
    stages = []
    for n, is_wide in sorted({(level[k], wide[k]) for k in keys}):
        members = [k for k in keys if level[k] == n and wide[k] == is_wide]
        stages.append(Stage(tuple(sorted(members, key=lambda k: k.to_user_string())), wave_wide=is_wide))
    return stages


def prepare_dagster_home(dagster_home: Path) -> Path:
    """Create the instance folder with the project's one-machine settings (deploy/dagster.yaml) if it has none."""
    import shutil

    from rcs_pipeline.paths import project_root

    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(project_root() / "deploy" / "dagster.yaml", config)
    return dagster_home


_HELD_KEYS: dict[str, str] = {}
"""Linkage keys taken out of this process's environment for an in-process run (`key_out_of_environment`)."""


class HeldLinkageKey(LinkageKey):
    """The linkage key resource of an in-process run: the environment, else the key held in memory for the run."""

    def secret(self) -> bytes:
        """The key as bytes (validated like LinkageKey's), read only when the key holder's step asks."""
        from rcs_pipeline.linkage.keys import decode_linkage_key

        return decode_linkage_key(self.key or os.environ.get(self.env_var) or _HELD_KEYS.get(self.env_var))


@contextmanager
def key_out_of_environment(env_var: str = "RCS_LINKAGE_KEY") -> Iterator[None]:
    """Hold the linkage key in memory, not in os.environ, while an in-process run goes on, then put it back.

    Every process a step spawns (the kept report-rendering workers, chart workers) starts with this process's
    environment; with the key out of it, only the key holder's step (through HeldLinkageKey) can read it.
    """
    key = os.environ.pop(env_var, None)
    if key is not None:
        _HELD_KEYS[env_var] = key
    try:
        yield
    finally:
        held = _HELD_KEYS.pop(env_var, None)
        if held is not None:
            os.environ[env_var] = held


def run_resources(home: Path) -> dict[str, object]:
    """Resources for an in-process run over `home`; the linkage key comes from the environment (or memory)."""
    return {
        "settings": RcsSettings(home=str(home)),
        "linkage_key": HeldLinkageKey(),  # reads the key only when the key holder's step runs
    }


def _failures(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    """(step, message) for every failed step of a run; a failed blocking check says what it found.

    Dagster's own message for a failed blocking check names only the check; the check's description (the
    failed expectations with column and rows, or the audit's pinned cells) is what the user needs.
    """
    found = []
    _, _, described = _check_evaluations(result)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            while (
                error is not None
                and error.cause is not None
                and "DagsterExecutionStepExecutionError" in (error.cls_name or "")
            ):
                # the wrapper says only "error occurred while executing op"; show the cause
                error = error.cause
            message = error.message.strip() if error else "failed"
            user = event.step_failure_data.user_failure_data
            if user and user.description:
                message = user.description.strip()
            if error is not None and "DagsterAssetCheckFailedError" in (error.cls_name or ""):
                message = _blocking_check_message(message, described)
            found.append((event.step_key or "?", message))
    return found


def _blocking_check_message(message: str, described: dict[str, str]) -> str:
    """Dagster's 'N blocking asset check(s) failed' message with each named check's findings after it."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    found = [f"{name}: {text}" for name, text in described.items() if any(name in line for line in lines)]
    return "; ".join(found) if found else message


def _materialised(result: dg.ExecuteInProcessResult) -> list[str]:
    """The assets a run materialised, in the order it did."""
    return [
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key
    ]


def _stage_job(everything: list, resources: dict[str, object], stage: Stage) -> dg.JobDefinition:
    """The job `dg.materialize` would build for the stage, built once so every partition reuses it."""
    name = "rcs_stage"
    definitions = dg.Definitions(
        jobs=[dg.define_asset_job(name=name, selection=list(stage.keys))],
        assets=everything,
        resources=resources,
    )
    return definitions.resolve_job_def(name)


def _asset_listener(label: str, on_asset: Callable[[str, str], None]) -> Callable[[dg.EventLogEntry], None]:
    """An instance event listener that reports each asset of the run as it is materialised."""

    def listen(entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is not None and event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key:
            on_asset(label, event.asset_key.to_user_string())

    return listen


def _check_results(result: dg.ExecuteInProcessResult) -> tuple[int, list[str]]:
    """Count passed checks and name failed ones."""
    passed, failed, _ = _check_evaluations(result)
    return passed, failed


def _check_evaluations(result: dg.ExecuteInProcessResult) -> tuple[int, list[str], dict[str, str]]:
    """Checks passed, failed check names (asset:check), and each failed check's description by check name."""
    passed, failed, described = 0, [], {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
                described[evaluation.check_name] = (evaluation.description or "no description").strip()
    return passed, failed, described


def remove_partial_files(home: Path, deliveries: Iterable[tuple[str, str]]) -> list[Path]:
    """Delete the temporary files a killed run left for these partitions (never a finished file).

    Every file is written to `.<name>.<random>.tmp` in its folder and moved into place (rcs_pipeline.storage);
    a SIGKILL between the two leaves the temporary file. Only files of the partitions about to be run are
    removed (their folder path holds the wave and the council, or the name starts with the council), so a
    run of other partitions going on at the same time keeps its own.
    """
    removed = []
    for wave, la_code in deliveries:
        for path in home.rglob(".*.tmp"):
            parts = path.relative_to(home).parts
            if parts[0] in ("landing", "dagster_home") or wave not in parts:
                continue
            if la_code in parts or path.name.startswith((f".{la_code}.", f".{wave}.")):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_killed_runs(instance: dg.DagsterInstance) -> list[str]:
    """Runs of this runner whose process is gone (SIGKILL): mark them failed and free their pool slots.

    A killed run never releases the concurrency slot its report step claimed (pool `report_rendering`,
    one slot), so every later run would wait for it forever. The runner tags each run with its process id
    and host; a run still in progress whose process no longer exists on this host is dead.
    """
    in_progress = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]
    released = []
    for run in instance.get_runs(
        filters=dg.RunsFilter(statuses=in_progress, tags={"rcs/runner": "in-process"})
    ):
        pid, host = run.tags.get("rcs/pid", ""), run.tags.get("rcs/host", "")
        if host != socket.gethostname() or not pid.isdigit() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, "the process running it was killed; a later rcs run released it")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run, so a later rcs run can release it if it was killed."""
    return {"rcs/runner": "in-process", "rcs/pid": str(os.getpid()), "rcs/host": socket.gethostname()}


@reserved_frame_stack  # every step of the run: docs/benchmarks.md, "The frame stack"
def _execute(
    job: dg.JobDefinition,
    stage: Stage,
    instance: dg.DagsterInstance,
    target: tuple[str, object, tuple[str, str] | None],
    run_id: str,
) -> RunOutcome:
    """Run one stage job for one partition in this process and say what it did."""
    label, key, delivery = target
    result = job.execute_in_process(
        partition_key=str(key) if stage.wave_wide else key,
        instance=instance,
        raise_on_error=False,
        run_config=QUIET,
        run_id=run_id,
        tags={
            "rcs/wave": label.split("|")[0],
            **({"rcs/la_code": delivery[1]} if delivery else {}),
            **_process_tags(),
        },
    )
    passed, checks_failed, findings = _check_evaluations(result)
    return RunOutcome(
        partition=label,
        keys=tuple(k.to_user_string() for k in stage.keys),
        success=result.success,
        run_id=result.run_id,
        failures=_failures(result),
        checks_passed=passed,
        checks_failed=checks_failed,
        materialised=_materialised(result),
        check_findings=findings,
        interrupted=_interrupted(result),
    )


def _interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Whether the run failed because its process was interrupted (Dagster's unexpected-termination failure)."""
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.RUN_FAILURE:
            reason = getattr(event.event_specific_data, "failure_reason", None)
            return getattr(reason, "value", reason) == "UNEXPECTED_TERMINATION"
    return False


FULL_COLLECTIONS_BETWEEN_RUNS = (700, 10, 1_000_000)
"""A council worker's collector thresholds: young collections as CPython's defaults, full ones after each run.

A full collection walks everything the process holds; CPython's defaults start one every hundred young
collections (once survivors have grown by a quarter), seven in one council's two runs. After a run its
garbage is all there is to find, so the worker collects once then (docs/benchmarks.md, "The collector in
council workers"): 2.6 -> 1.2 CPU s of collection for two councils.
"""

# One council-run worker's state: the definitions, their stage jobs and the instance, built once per worker.
_worker: dict[str, object] = {}


def _start_worker(instance_ref: object, home: str, key: str | None, parent_pid: int) -> None:
    """Pool initialiser: hold the key in memory, load the definitions, build the stage jobs, open the instance.

    The key comes through the pool's start-up pipe and is kept out of the worker's environment, so the
    rendering processes the worker spawns never inherit it (as in `key_out_of_environment`).
    """
    from multiprocessing import util

    from assets.definitions import defs as load_defs
    from assets.defs.reports.pools import RENDER_POOLS

    # A pool worker joins its child processes before Python's exit handlers stop executors, so the kept
    # rendering pool must be closed first, or the worker (and `rcs run`) would wait on it for ever; and
    # before the finalizers (priority 10) that close its queues, or its workers never hear the shutdown.
    util.Finalize(None, RENDER_POOLS.close, exitpriority=100)
    end_with_parent(parent_pid)  # a SIGKILLed rcs run leaves no council worker behind
    os.environ.pop("RCS_LINKAGE_KEY", None)
    if key:
        _HELD_KEYS["RCS_LINKAGE_KEY"] = key
    defs = load_defs()

    everything = [*defs.assets, *(defs.asset_checks or [])]
    resources = run_resources(Path(home))
    stages = graph_stages(defs)
    _worker["jobs"] = {stage.keys: (stage, _stage_job(everything, resources, stage)) for stage in stages}
    _worker["instance"] = dg.DagsterInstance.from_ref(instance_ref)
    # What the worker keeps for every run (imports, definitions, stage jobs) is moved out of the cyclic
    # collector's sight, so its collections during a run walk only what that run allocates.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*FULL_COLLECTIONS_BETWEEN_RUNS)


def _run_in_worker(
    args: tuple[tuple[str, ...], tuple[str, object, tuple[str, str] | None], str, str],
) -> RunOutcome:
    """Pool entry point: one stage of one council under the submitting process's code version."""
    keys, target, run_id, version = args
    if version:
        os.environ["RCS_CODE_VERSION"] = version  # the report files carry it: the same as a sequential run
    stage, job = _worker["jobs"][tuple(dg.AssetKey.from_user_string(k) for k in keys)]
    try:
        return _execute(job, stage, _worker["instance"], target, run_id)
    finally:
        gc.collect()  # the run's garbage, all of it now: the one full collection of the run


def _council_pool(jobs: int, instance: dg.DagsterInstance, home: Path) -> ProcessPoolExecutor:
    """A spawned pool of `jobs` processes, each running whole council stages against the same instance."""
    ref = instance.get_ref()
    key = os.environ.get("RCS_LINKAGE_KEY") or _HELD_KEYS.get("RCS_LINKAGE_KEY")
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(ref, str(home), key, os.getpid())
    )


def materialise(
    home: Path,
    deliveries: Iterable[tuple[str, str]],
    *,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
    on_run: Callable[[RunOutcome], None] | None = None,
    on_asset: Callable[[str, str], None] | None = None,
    stop_on_failure: bool = False,
    jobs: int = 1,
) -> list[RunOutcome]:
    """Materialise every asset for the given (wave, council) deliveries, stage by stage.

    `on_run` receives each run's outcome when it ends; `on_asset` receives (partition, asset key) as each
    asset is materialised, while the run goes on (from the instance's event stream). With `jobs` > 1 the
    councils of a (wave, council) stage run `jobs` at a time, each in a spawned process of a kept pool with
    the project's definitions (`defs` must then be left out); their report steps still take the
    `report_rendering` pool's one slot in turn, and `on_asset` hears of a council's assets when its run ends.
    """
    from assets.definitions import defs as load_defs

    if jobs > 1 and defs is not None:
        raise ValueError("concurrent council runs (jobs > 1) load the project's definitions: leave defs out")
    defs = defs or load_defs()
    deliveries = sorted(set(deliveries))
    waves = sorted({wave for wave, _ in deliveries})
    remove_partial_files(home, deliveries)
    owned = instance is None
    if owned:
        os.environ.setdefault("DAGSTER_HOME", str(home / "dagster_home"))
        prepare_dagster_home(Path(os.environ["DAGSTER_HOME"]))
        instance = dg.DagsterInstance.get()
    release_killed_runs(instance)
    known = set(instance.get_dynamic_partitions(waves_partitions.name))
    if missing := [w for w in waves if w not in known]:
        instance.add_dynamic_partitions(waves_partitions.name, missing)
    everything = [*defs.assets, *(defs.asset_checks or [])]
    resources = run_resources(home)
    outcomes: list[RunOutcome] = []
    failed_partitions: set[tuple[str, str]] = set()
    stages = graph_stages(defs)
    stage_jobs = {stage.keys: _stage_job(everything, resources, stage) for stage in stages}
    pool = _council_pool(jobs, instance, home) if jobs > 1 and len(deliveries) > 1 else None
    holding = key_out_of_environment()  # the key stays in memory, out of every spawned worker's environment
    holding.__enter__()
    try:
        for stage in stages:
            targets: list[tuple[str, object, tuple[str, str] | None]]
            if stage.wave_wide:
                targets = [(w, w, None) for w in waves]
            else:
                targets = [(f"{w}|{la}", partition_key(w, la), (w, la)) for w, la in deliveries]
            # A failed council stops its own later stages; the wave-wide comparator still runs over
            # the councils that succeeded (its metadata lists which were included).
            targets = [t for t in targets if t[2] not in failed_partitions]
            if pool is not None and not stage.wave_wide:
                ran = _run_concurrently(pool, stage, targets, on_run, on_asset, stop_on_failure)
            else:
                ran = _run_in_turn(
                    stage_jobs[stage.keys], stage, instance, targets, on_run, on_asset, stop_on_failure
                )
            outcomes.extend(ran)
            if any(outcome.interrupted for outcome in ran):  # stop here: start no later run
                raise RunInterrupted(outcomes)
            for outcome in ran:
                if not outcome.success:
                    if outcome.partition in waves:
                        failed_partitions.update((w, la) for w, la in deliveries if w == outcome.partition)
                    else:
                        wave, _, la_code = outcome.partition.partition("|")
                        failed_partitions.add((wave, la_code))
                    if stop_on_failure:
                        return outcomes
    finally:
        holding.__exit__(None, None, None)
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if owned:
            instance.dispose()
    return outcomes


def _run_in_turn(
    job: dg.JobDefinition,
    stage: Stage,
    instance: dg.DagsterInstance,
    targets: list[tuple[str, object, tuple[str, str] | None]],
    on_run: Callable[[RunOutcome], None] | None,
    on_asset: Callable[[str, str], None] | None,
    stop_on_failure: bool,
) -> list[RunOutcome]:
    """Run the stage for each target one after another in this process."""
    outcomes = []
    for target in targets:
        run_id = str(uuid.uuid4())
        if on_asset:
            instance.add_event_listener(run_id, _asset_listener(target[0], on_asset))
        outcome = _execute(job, stage, instance, target, run_id)
        outcomes.append(outcome)
        if on_run:
            on_run(outcome)
        if outcome.interrupted or (not outcome.success and stop_on_failure):
            break
    return outcomes


def _run_concurrently(
    pool: ProcessPoolExecutor,
    stage: Stage,
    targets: list[tuple[str, object, tuple[str, str] | None]],
    on_run: Callable[[RunOutcome], None] | None,
    on_asset: Callable[[str, str], None] | None,
    stop_on_failure: bool,
) -> list[RunOutcome]:
    """Run the stage for every target in the council pool; outcomes in the targets' order."""
    from rcs_pipeline.reports.render import code_version

    keys = tuple(k.to_user_string() for k in stage.keys)
    version = code_version()
    futures = {
        pool.submit(_run_in_worker, (keys, target, str(uuid.uuid4()), version)): n
        for n, target in enumerate(targets)
    }
    done: dict[int, RunOutcome] = {}
    for future in as_completed(futures):
        outcome = future.result()
        done[futures[future]] = outcome
        for asset in outcome.materialised if on_asset else ():
            on_asset(outcome.partition, asset)
        if on_run:
            on_run(outcome)
        if not outcome.success and stop_on_failure:
            for other in futures:
                other.cancel()
            break
    return [done[n] for n in sorted(done)]


__all__ = ["RunOutcome", "Stage", "graph_stages", "materialise", "wave_council_partitions"]
