"""Every job of the code location runs its steps in the run's one process (docs/deploy.md, section 6).

Dagster's default executor starts a Python process per step; each re-imported Dagster and this code
location, which cost more than the steps themselves for a council's ~40 steps.
"""

from __future__ import annotations

import dagster as dg

from assets.definitions import defs


def test_daemon_and_ui_runs_execute_their_steps_in_process() -> None:
    """The sensor's and schedule's refresh job and the UI's ad hoc asset job use the in-process executor."""
    loaded = defs()
    jobs = [loaded.resolve_job_def("partition_refresh_job"), loaded.resolve_implicit_global_asset_job_def()]
    assert [job.executor_def.name for job in jobs] == [dg.in_process_executor.name] * 2
    assert dg.in_process_executor.name != dg.multi_or_in_process_executor.name  # the default it replaces
