"""The landing sensor requests exactly one run for a new complete delivery and none otherwise."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from assets.defs.operations.sensors import landing_delivery_sensor
from assets.resources import RcsSettings
from rcs_pipeline.deliveries import READY_MARKER, delivery_fingerprint, mark_ready

WAVE, LA = "2016-17", "S12000014"


def _deliver(home: Path, *, ready: bool) -> Path:
    folder = home / "landing" / WAVE / LA
    folder.mkdir(parents=True)
    (folder / "admin_extract.csv").write_text("pupil_ref\n")
    (folder / "schools.csv").write_text("seed_code\n")
    if ready:
        mark_ready(folder)
    return folder


def _tick(instance: dg.DagsterInstance, home: Path, cursor: str | None) -> dg.SensorResult:
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"settings": RcsSettings(home=str(home))}
    ) as context:
        return landing_delivery_sensor(context)


def test_incomplete_delivery_requests_nothing(tmp_path: Path) -> None:
    """Without the `_READY` marker the delivery is still arriving: no run, no new wave."""
    _deliver(tmp_path, ready=False)
    with dg.instance_for_test() as instance:
        result = _tick(instance, tmp_path, None)
    assert result.run_requests == []
    assert result.dynamic_partitions_requests == []


def test_new_complete_delivery_requests_one_run_and_registers_its_wave(tmp_path: Path) -> None:
    """A complete delivery of a new wave: the wave is added and one run of exactly that partition requested."""
    _deliver(tmp_path, ready=True)
    with dg.instance_for_test() as instance:
        result = _tick(instance, tmp_path, None)
    assert [r.partition_key for r in result.run_requests] == [f"{LA}|{WAVE}"]
    assert result.run_requests[0].tags["rcs/la_code"] == LA
    assert [list(r.partition_keys) for r in result.dynamic_partitions_requests] == [[WAVE]]


def test_unchanged_delivery_requests_nothing_and_a_changed_one_requests_again(tmp_path: Path) -> None:
    """The cursor remembers the fingerprint: the next tick is quiet; a corrected file triggers one new run."""
    folder = _deliver(tmp_path, ready=True)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        first = _tick(instance, tmp_path, None)
        quiet = _tick(instance, tmp_path, first.cursor)
        before = delivery_fingerprint(folder)
        time.sleep(0.01)
        (folder / "admin_extract.csv").write_text("pupil_ref\nAB12345678\n")
        os.utime(folder / READY_MARKER)
        changed = _tick(instance, tmp_path, quiet.cursor)
    assert len(first.run_requests) == 1
    assert quiet.run_requests == []
    assert delivery_fingerprint(folder) != before
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
