"""Councils at the same time on one machine: `rcs run --jobs 2` over the tiny wave's two councils.

Both councils' runs go on at once, in two processes, against one Dagster instance; every run succeeds
and the files in linkage/, analysis/, published/, services/ and reports/ are byte-identical to a run of
one council after the other (docs/deploy.md, docs/methods/reproducibility.md).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import dagster as dg
import pytest

from assets.runner import materialise
from rcs_pipeline.paths import project_root
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whole_graph")]

CODE_VERSION = "test-concurrent"


def _soak() -> ModuleType:
    """scripts/soak.py (its digests of the compared zones)."""
    if "soak" not in sys.modules:
        spec = importlib.util.spec_from_file_location("soak", project_root() / "scripts" / "soak.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["soak"] = module
        spec.loader.exec_module(module)
    return sys.modules["soak"]


def _sequential(home: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference: every stage of one council after the other's, in this process."""
    monkeypatch.setenv("RCS_LINKAGE_KEY", key)
    monkeypatch.setenv("RCS_CODE_VERSION", CODE_VERSION)
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    (home / "dagster_home").mkdir()
    with dg.DagsterInstance.get() as instance:
        outcomes = materialise(home, [(TINY_WAVE, la) for la in TINY_COUNCILS], instance=instance)
    assert [(o.partition, o.failures) for o in outcomes if not o.success] == []


def _concurrent(home: Path, key: str) -> subprocess.CompletedProcess[str]:
    """`rcs run --jobs 2` over the home in a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RCS_", "DAGSTER_"))}
    env.update(RCS_LINKAGE_KEY=key, DAGSTER_HOME=str(home / "dagster_home"), RCS_CODE_VERSION=CODE_VERSION)
    env["PYTHONPATH"] = str(project_root())
    command = [sys.executable, "-m", "assets.cli", "run", "--home", str(home), "--jobs", "2"]
    return subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=1800)


def _first_stage_runs(dagster_home: Path) -> list[dg.RunRecord]:
    """The run record of each council's first stage (its earlier run: landing to the published tables)."""
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        records = []
        for la_code in TINY_COUNCILS:
            runs = instance.get_run_records(dg.RunsFilter(tags={"rcs/la_code": la_code}))
            assert len(runs) == 2, f"{la_code}: {len(runs)} runs, expected its two stages"
            records.append(min(runs, key=lambda r: r.create_timestamp))
        return records


def test_two_councils_at_once_match_one_after_the_other(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rcs run --jobs 2`: both councils' runs overlap in two processes, succeed, and write the same bytes."""
    soak = _soak()
    key = secrets.token_hex(32)
    homes = {name: tmp_path / name for name in ("sequential", "concurrent")}
    for home in homes.values():
        shutil.copytree(tiny_source / "landing", home / "landing")
    _sequential(homes["sequential"], key, monkeypatch)
    done = _concurrent(homes["concurrent"], key)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "runs: 4 (0 failed)" in done.stdout, done.stdout[-2000:]
    first, second = _first_stage_runs(homes["concurrent"] / "dagster_home")
    assert first.dagster_run.tags["rcs/pid"] != second.dagster_run.tags["rcs/pid"]
    assert first.start_time < second.end_time and second.start_time < first.end_time, "not at the same time"
    want = soak.digests(homes["sequential"])
    assert sum(p.startswith("reports/") and p.endswith(".pdf") for p in want) >= 2
    got = soak.digests(homes["concurrent"])
    differing = sorted(p for p in set(want) | set(got) if want.get(p) != got.get(p))
    assert differing == [], "\n".join(differing)
