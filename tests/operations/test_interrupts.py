"""An interrupted `rcs run` stops, and a killed run leaves no worker process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.partitions import wave_council_partitions
from assets.runner import RunInterrupted, materialise

WAVE = "2015-16"
FIRST, SECOND = "S12000005", "S12000006"


def _interrupting_defs(marker_dir: Path) -> dg.Definitions:
    """One council asset: the first council's run interrupts its own process, every run leaves a marker."""

    @dg.asset(partitions_def=wave_council_partitions)
    def probe(context) -> None:  # Dagster reads the context type from a real annotation, not a string
        """Write a marker for this council; the first council then receives SIGINT mid-step."""
        la_code = context.partition_key.keys_by_dimension["la_code"]
        (marker_dir / la_code).write_text("ran")
        if la_code == FIRST:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)

    return dg.Definitions(assets=[probe])


def test_an_interrupt_fails_the_run_in_progress_and_starts_no_other(tmp_path: Path) -> None:
    """SIGINT during the first council's run: RunInterrupted, that run marked interrupted, the second never ran."""
    markers = tmp_path / "markers"
    markers.mkdir()
    with dg.instance_for_test() as instance, pytest.raises(RunInterrupted) as stop:
        materialise(
            tmp_path, [(WAVE, FIRST), (WAVE, SECOND)], defs=_interrupting_defs(markers), instance=instance
        )
    outcomes = stop.value.outcomes
    assert [o.partition for o in outcomes] == [f"{WAVE}|{FIRST}"]
    assert outcomes[0].interrupted and not outcomes[0].success
    assert sorted(p.name for p in markers.iterdir()) == [FIRST]


def test_a_worker_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    """A process that called end_with_parent gets SIGTERM when its parent is SIGKILLed (no orphan)."""
    _assert_worker_ends_with_killed_parent(tmp_path, prelude="")


def test_a_worker_ends_with_its_parent_even_with_sigterm_inherited_ignored_and_blocked(
    tmp_path: Path,
) -> None:
    """An ignored or blocked SIGTERM survives fork and exec; end_with_parent undoes both, so the kernel's
    SIGTERM still ends the worker (the orphans this module exists to prevent)."""
    _assert_worker_ends_with_killed_parent(
        tmp_path,
        prelude="signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}); ",
    )


def _assert_worker_ends_with_killed_parent(tmp_path: Path, prelude: str) -> None:
    """Start parent -> worker (the worker calls end_with_parent), SIGKILL the parent, see the worker end.

    `prelude` runs in the parent before it starts the worker (its signal state is what the worker inherits).
    """
    pid_file = tmp_path / "worker.pid"
    worker = textwrap.dedent(
        f"""
        import os, time
        from rcs_pipeline.processes import end_with_parent
        end_with_parent(os.getppid())
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        time.sleep(120)
        """
    )
    starter = (
        f"import signal, subprocess, sys, time; {prelude}"
        f"subprocess.Popen([sys.executable, '-c', {worker!r}]); time.sleep(120)"
    )
    parent = subprocess.Popen([sys.executable, "-c", starter])
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.1)
    worker_pid = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(worker_pid):
        assert time.monotonic() < deadline, (
            f"the worker outlived its killed parent ({_signal_state(worker_pid)})"
        )
        time.sleep(0.1)


def _signal_state(pid: int) -> str:
    """The blocked and ignored signal masks of a process, to say why it did not end."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return "gone"
    return ", ".join(line for line in lines if line.startswith(("State", "SigBlk", "SigIgn", "PPid")))


def _alive(pid: int) -> bool:
    """Whether a process with this id exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
