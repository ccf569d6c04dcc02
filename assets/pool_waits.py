"""A step waiting for a pool slot sleeps until its next check instead of spinning a core (a Dagster defect).

The report steps share the `report_rendering` pool (deploy/dagster.yaml): while one council renders, another
council's report step waits for the slot. Dagster checks a waiting step's claim against the instance at a
backoff (1 s, growing to 15 s) and, between checks, asks how long the run may sleep. In Dagster 1.13
`InstanceConcurrencyContext.interval_to_next_pending_claim_check` returns `min(0, ...)`, never more than 0,
so the executor never sleeps: the waiting run goes round its plan as fast as it can, taking a whole core
from the run that holds the slot and is rendering (found upstream and left unmerged,
dagster-io/dagster#20367). Measured with `rcs run --jobs 2` on four councils, the waiting loop was a
quarter of all the CPU the refresh used (docs/benchmarks.md).

`sleep_between_slot_checks()` puts the intended answer in its place (the time to the earliest pending
check, never below 0) and caps the backoff at `MAX_CHECK_INTERVAL_S`, so a freed slot is taken within
that time rather than up to 15 s later while both cores idle. It changes when the run looks again, not
who gets the slot: the instance still assigns slots in order (docs/deploy.md, section 6).
"""

from __future__ import annotations

import time

from dagster._core.execution.plan import instance_concurrency_context as concurrency

MAX_CHECK_INTERVAL_S = 1.0
"""Longest a waiting step sleeps between two checks of its claim (Dagster's own cap is 15 s)."""


def seconds_to_next_claim_check(context: concurrency.InstanceConcurrencyContext) -> float:
    """Seconds until the earliest pending claim is due to be checked again (0 when one is due now)."""
    pending = context._pending_claims
    timeouts = context._pending_timeouts
    due = [timeouts[step] for step in pending if step in timeouts]
    if len(due) < len(pending):
        return 0.0  # a claim not checked yet: check it now
    return max(0.0, min(due) - time.time()) if due else 0.0


def sleep_between_slot_checks() -> None:
    """Install the sleep (idempotent): every run executed in this process then waits for a slot without spinning."""
    concurrency.InstanceConcurrencyContext.interval_to_next_pending_claim_check = seconds_to_next_claim_check
    concurrency.MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL = MAX_CHECK_INTERVAL_S
