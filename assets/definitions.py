"""The code location: every zone module under assets/defs, plus the resources from the environment."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.pool_waits import sleep_between_slot_checks
from assets.resources import default_resources

# Every process that executes this code location's runs (rcs run's workers, the daemon's run workers, the
# UI's code server) waits for the report_rendering slot asleep, not spinning (assets/pool_waits.py).
sleep_between_slot_checks()


@dg.definitions
def defs() -> dg.Definitions:
    """Load each zone's assets, checks, sensors and schedules from assets/defs.

    Every job runs its steps in the run's own process (in-process executor): Dagster's default starts a
    process per step, and each paid Python, Dagster and this code location's imports again (docs/deploy.md,
    "How long a refresh takes"); councils run side by side as separate runs instead (the run queue).
    """
    zones = dg.load_from_defs_folder(path_within_project=Path(__file__).parent.parent)
    return dg.Definitions.merge(
        zones, dg.Definitions(resources=default_resources(), executor=dg.in_process_executor)
    )
