"""Run monitoring in deploy/dagster.yaml: the daemon fails a run whose worker was killed and frees its slot.

A run killed while its report step holds the `report_rendering` pool's only slot would otherwise keep it,
and every later report step would wait forever (`rcs run` frees such slots itself: assets/runner.py
release_killed_runs). This runs the real `dagster-daemon` over the shipped settings, with only the waits
shortened so the test does not take an hour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
import yaml

from rcs_pipeline.paths import project_root

pytestmark = pytest.mark.slow

POOL = "report_rendering"
JOB_FILE = Path(__file__).with_name("pool_job.py")


def _settings(dagster_home: Path) -> dict:
    """deploy/dagster.yaml with the monitoring waits shortened (what it checks and frees is unchanged)."""
    settings = yaml.safe_load((project_root() / "deploy" / "dagster.yaml").read_text())
    settings["run_monitoring"].update(
        max_runtime_seconds=5, poll_interval_seconds=1, free_slots_after_run_end_seconds=1
    )
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    return settings


def _wait_for(condition, seconds: float, what: str, log: Path | None = None) -> None:
    """Poll `condition` until it holds; fail naming `what` (and the end of `log`) when it does not in `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = (
                "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log and log.exists() else ""
            )
            pytest.fail(f"gave up waiting: {what}" + (f"\nthe daemon's last lines:\n{tail}" if tail else ""))
        time.sleep(1)


def _holders(instance: dg.DagsterInstance) -> set[str]:
    """Run ids holding a slot of the report_rendering pool."""
    info = instance.event_log_storage.get_concurrency_info(POOL)
    return {slot.run_id for slot in info.claimed_slots}


def test_shipped_settings_turn_run_monitoring_on() -> None:
    """deploy/dagster.yaml and the PostgreSQL variant both enable monitoring and free a failed run's slots."""
    for name in ("dagster.yaml", "dagster.postgres.yaml"):
        monitoring = yaml.safe_load((project_root() / "deploy" / name).read_text())["run_monitoring"]
        assert monitoring["enabled"] is True, name
        assert monitoring["free_slots_after_run_end_seconds"] > 0, name
        assert monitoring["max_runtime_seconds"] > 0, (
            name
        )  # the default launcher's only way to see a dead run


def test_daemon_fails_a_killed_run_and_frees_its_rendering_slot(tmp_path: Path) -> None:
    """SIGKILL a run holding the rendering slot; the daemon marks it failed and the slot becomes free."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    _settings(dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "PYTHONPATH": str(project_root())}
    run_id = str(uuid.uuid4())
    worker = subprocess.Popen([sys.executable, str(JOB_FILE), run_id], env=env, cwd=tmp_path)
    daemon = None
    try:
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            _wait_for(lambda: run_id in _holders(instance), 180, "the run to claim the rendering slot")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED  # orphaned
            daemon_log = tmp_path / "daemon.log"
            with daemon_log.open("w") as log:
                daemon = subprocess.Popen(
                    [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-f", str(JOB_FILE)],
                    env=env,
                    cwd=tmp_path,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            _wait_for(
                lambda: instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE,
                240,
                "the daemon to mark the killed run failed",
                daemon_log,
            )
            _wait_for(lambda: run_id not in _holders(instance), 120, "the daemon to free the slot")
            assert _holders(instance) == set()
    finally:
        for process in (worker, daemon):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)
