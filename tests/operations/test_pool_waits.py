"""A run whose step waits for the report_rendering slot sleeps between checks instead of spinning a core.

The slot is held by another run for a while; the waiting run is a real `execute_in_process` on a real SQLite
instance with the pool limited to 1. How often the executor went round its plan while it waited tells a
sleeping wait (about one round per check, a check a second) from a spinning one (thousands of rounds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.plan import instance_concurrency_context as concurrency
from dagster._core.execution.plan.active import ActiveExecution

import assets.definitions  # noqa: F401 - installs the sleeping wait, as every run process of the project does
from assets.pool_waits import MAX_CHECK_INTERVAL_S, seconds_to_next_claim_check

POOL = "report_rendering"
HELD_FOR_S = 2.5


@dg.op(pool=POOL)
def render_step() -> str:
    """A report step: runs once it holds the slot."""
    return "rendered"


@dg.job(executor_def=dg.in_process_executor)
def waiting_job() -> None:
    """One step in the report_rendering pool."""
    render_step()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A SQLite instance whose report_rendering pool has one slot, held by another run for HELD_FOR_S."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(POOL, 1)
        assert storage.claim_concurrency_slot(POOL, "other-council-run", "school_reports").is_claimed
        timer = threading.Timer(
            HELD_FOR_S, storage.free_concurrency_slot_for_step, ("other-council-run", "school_reports")
        )
        timer.start()
        yield instance
        timer.cancel()


def rounds_while_waiting(instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the waiting job to success; return how many times the executor asked for its next steps."""
    rounds = 0
    original = ActiveExecution.get_steps_to_execute

    def counted(self: ActiveExecution, limit: int | None = None) -> object:
        nonlocal rounds
        rounds += 1
        return original(self, limit)

    monkeypatch.setattr(ActiveExecution, "get_steps_to_execute", counted)
    result = waiting_job.execute_in_process(instance=instance)
    assert result.success and result.output_for_node("render_step") == "rendered"
    blocked = [
        e for e in result.all_events if (e.message or "").startswith(f"Step blocked by limit for pool {POOL}")
    ]
    assert blocked, "the step never waited for the slot: the test would show nothing"
    return rounds


def test_the_code_location_installs_the_sleeping_wait() -> None:
    """Importing the definitions (what every run process does) replaces Dagster's zero interval."""
    assert concurrency.InstanceConcurrencyContext.interval_to_next_pending_claim_check is (
        seconds_to_next_claim_check
    )
    assert concurrency.MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL == MAX_CHECK_INTERVAL_S


def test_a_waiting_run_sleeps_between_checks(
    instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waiting ~2.5 s for the slot takes a handful of rounds (a check a second), and the step then runs."""
    rounds = rounds_while_waiting(instance, monkeypatch)  # it waited: the step was blocked by the pool
    assert rounds <= 4 * (HELD_FOR_S / MAX_CHECK_INTERVAL_S + 2)


def test_dagsters_own_interval_spins(instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the fix (Dagster 1.13 answers `min(0, ...)`), the same wait goes round the plan thousands of times."""

    def dagster_1_13(self: concurrency.InstanceConcurrencyContext) -> float:
        now = time.time()
        return min([0, *[ready_at - now for ready_at in self._pending_timeouts.values()]])

    monkeypatch.setattr(
        concurrency.InstanceConcurrencyContext, "interval_to_next_pending_claim_check", dagster_1_13
    )
    assert rounds_while_waiting(instance, monkeypatch) > 200


def test_seconds_to_next_check() -> None:
    """The earliest due check of the pending claims, 0 when one is due or not yet checked, never negative."""

    class Pending:
        def __init__(self, claims: set[str], timeouts: dict[str, float]) -> None:
            self._pending_claims, self._pending_timeouts = claims, timeouts

    now = time.time()
    assert seconds_to_next_claim_check(Pending(set(), {})) == 0.0  # type: ignore[arg-type]
    assert seconds_to_next_claim_check(Pending({"a"}, {})) == 0.0  # type: ignore[arg-type]
    assert seconds_to_next_claim_check(Pending({"a"}, {"a": now - 5})) == 0.0  # type: ignore[arg-type]
    wait = seconds_to_next_claim_check(Pending({"a", "b"}, {"a": now + 9, "b": now + 3}))  # type: ignore[arg-type]
    assert 2.0 < wait <= 3.0
    # a stale timeout of a claim no longer pending does not count
    assert 2.0 < seconds_to_next_claim_check(Pending({"b"}, {"a": now - 1, "b": now + 3})) <= 3.0  # type: ignore[arg-type]
