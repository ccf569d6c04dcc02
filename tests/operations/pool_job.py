"""A one-step job whose step holds the `report_rendering` pool's slot until it is killed (test_run_monitoring).

`python tests/operations/pool_job.py RUN_ID` runs it in process against $DAGSTER_HOME's instance; the
daemon loads this file as its code location.
"""

from __future__ import annotations

import sys
import time

import dagster as dg


@dg.op(pool="report_rendering")
def hold_the_rendering_slot() -> None:
    """Wait, holding the slot, until the test kills this process."""
    time.sleep(900)


@dg.job
def rendering_job() -> None:
    """The report step of a run, alone."""
    hold_the_rendering_slot()


defs = dg.Definitions(jobs=[rendering_job])

if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        rendering_job.execute_in_process(instance=instance, run_id=sys.argv[1], raise_on_error=False)
