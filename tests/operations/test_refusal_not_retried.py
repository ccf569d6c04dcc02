"""A delivery that fails validation gives one failed run with its message, never a retry storm."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.definitions import defs
from assets.partitions import partition_key
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = pytest.mark.xdist_group("landing")


def test_refused_delivery_fails_once_without_retry(
    tiny_home: Path, linkage_key: str, dagster_instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh job (which retries transient failures) does not retry a refused delivery."""
    monkeypatch.setenv("RCS_HOME", str(tiny_home))
    la_code = TINY_COUNCILS[0]
    admin = tiny_home / "landing" / TINY_WAVE / la_code / "admin_extract.csv"
    pl.read_csv(admin, infer_schema=False).drop("postcode").write_csv(admin)
    job = defs().resolve_job_def("partition_refresh_job")
    result = job.execute_in_process(
        partition_key=str(partition_key(TINY_WAVE, la_code)), instance=dagster_instance, raise_on_error=False
    )
    types = [e.event_type_value for e in result.all_events]
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert not result.success
    assert "STEP_UP_FOR_RETRY" not in types
    assert len(failures) == 1 and failures[0].step_key == "landing"
    description = failures[0].step_failure_data.user_failure_data.description
    assert "admin_extract.csv" in description and "postcode" in description
    assert not (tiny_home / "analysis").exists(), "nothing downstream may run"
