"""Whole-graph runs beyond the two-council tiny wave: a one-council wave, reruns, kills and a failing gate.

One module-scoped in-process run of a one-council tiny wave is the reference: a second run from scratch
through `rcs run` must give byte-identical files in linkage/, analysis/, published/, services/ and
reports/, and so must a run that was SIGKILLed a few times and then rerun to the end
(docs/methods/reproducibility.md). `make soak` does the same over many waves and 20 kills.
"""

from __future__ import annotations

import importlib.util
import os
import random
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dagster as dg
import polars as pl
import pytest

from assets.cli import main
from assets.runner import RunOutcome, materialise
from rcs_pipeline.paths import RcsHome, project_root
from tests.conftest import TINY_SEED, TINY_WAVE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whole_graph")]

COUNCIL = "S12000005"  # the tiny scale's first council: `--councils 1`
CODE_VERSION = "test-waves"  # every run of this module reports one code version, whatever git says


def _soak() -> ModuleType:
    """scripts/soak.py (its file digests, partial-file scan and kill helper)."""
    spec = importlib.util.spec_from_file_location("soak", project_root() / "scripts" / "soak.py")
    assert spec and spec.loader
    if "soak" not in sys.modules:
        module = importlib.util.module_from_spec(spec)
        sys.modules["soak"] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules["soak"]


class OneCouncilRun:
    """The reference home of the one-council wave, the run's outcomes and its key."""

    def __init__(self, home: Path, outcomes: list[RunOutcome], key: str) -> None:
        self.home, self.outcomes, self.key = home, outcomes, key


@pytest.fixture(scope="module")
def one_council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OneCouncilRun]:
    """Generate a one-council tiny wave and materialise the whole graph in process."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("one_council")
    summary = generate(home, scale="tiny", seed=TINY_SEED, councils=1)
    assert summary.deliveries == ((TINY_WAVE, COUNCIL),)
    key = secrets.token_hex(32)
    names = ("RCS_LINKAGE_KEY", "DAGSTER_HOME", "RCS_CODE_VERSION")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        RCS_LINKAGE_KEY=key, DAGSTER_HOME=str(home / "dagster_home"), RCS_CODE_VERSION=CODE_VERSION
    )
    (home / "dagster_home").mkdir()
    try:
        with dg.DagsterInstance.get() as instance:
            outcomes = materialise(home, summary.deliveries, instance=instance)
        yield OneCouncilRun(home, outcomes, key)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _fresh_home(reference: OneCouncilRun, tmp_path: Path) -> Path:
    """A new home holding only the reference's deliveries."""
    home = tmp_path / "home"
    shutil.copytree(reference.home / "landing", home / "landing")
    return home


def _rcs_run(home: Path, key: str) -> subprocess.CompletedProcess[str]:
    """`rcs run` over the home in a process of its own (its own Dagster instance)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RCS_", "DAGSTER_"))}
    env.update(RCS_LINKAGE_KEY=key, DAGSTER_HOME=str(home / "dagster_home"), RCS_CODE_VERSION=CODE_VERSION)
    env["PYTHONPATH"] = str(project_root())
    command = [sys.executable, "-m", "assets.cli", "run", "--home", str(home)]
    return subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=1800)


def _differing(want: dict[str, str], got: dict[str, str]) -> list[str]:
    """Paths whose digests differ or that only one side has."""
    return sorted(p for p in set(want) | set(got) if want.get(p) != got.get(p))


def test_one_council_wave_passes_every_gate_and_publishes_no_comparator(one_council: OneCouncilRun) -> None:
    """Every stage succeeds, the council report is written, and the all-councils comparator is empty."""
    assert [(o.partition, o.failures) for o in one_council.outcomes if not o.success] == []
    assert [c for o in one_council.outcomes for c in o.checks_failed] == []
    layout = RcsHome(one_council.home)
    assert (layout.reports(TINY_WAVE, COUNCIL) / "council_report.pdf").exists()
    comparator = pl.read_parquet(
        layout.table("published", "published_comparator_estimates", TINY_WAVE, COUNCIL)
    )
    assert comparator.height == 0
    published = pl.read_parquet(layout.table("published", "published_estimates", TINY_WAVE, COUNCIL))
    assert published.height > 0


def test_one_council_comparator_says_why_it_is_withheld(one_council: OneCouncilRun) -> None:
    """The comparator's materialisation metadata gives the reason in words (visible in the Dagster UI)."""
    with dg.DagsterInstance.from_config(str(one_council.home / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("published_comparator_estimates"))
    assert event is not None and event.asset_materialization is not None
    reason = event.asset_materialization.metadata["withheld_reason"].value
    assert "one council" in str(reason)


def test_rerun_from_scratch_is_byte_identical(one_council: OneCouncilRun, tmp_path: Path) -> None:
    """`rcs run` from scratch over the same deliveries with the same key writes the same bytes."""
    soak = _soak()
    home = _fresh_home(one_council, tmp_path)
    done = _rcs_run(home, one_council.key)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "runs: 2 (0 failed)" in done.stdout
    want = soak.digests(one_council.home)
    assert any(p.startswith("reports/") and p.endswith(".pdf") for p in want)
    differing = _differing(want, soak.digests(home))
    assert differing == [], "\n".join(differing)


def test_killed_runs_leave_no_partial_file_and_end_identical(
    one_council: OneCouncilRun, tmp_path: Path
) -> None:
    """SIGKILL `rcs run` three times at random moments, rerun: no temporary file, the same bytes as one run."""
    soak = _soak()
    home = _fresh_home(one_council, tmp_path)
    rng = random.Random(16)
    kills = 0
    for _ in range(6):
        kills += soak.kill_once(home, one_council.key, rng.uniform(3.0, 40.0))
        if kills == 3:
            break
    assert kills >= 1, "every run ended before its kill: the kill moments are too late"
    done = _rcs_run(home, one_council.key)
    assert done.returncode == 0, done.stdout[-3000:]
    assert soak.partial_files(home) == []
    differing = _differing(soak.digests(one_council.home), soak.digests(home))
    assert differing == [], "\n".join(differing)


def test_a_failing_gate_names_expectation_column_and_rows_in_rcs_run(
    one_council: OneCouncilRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A real GX suite (estimates, with one stricter expectation added) fails: `rcs run` says which and where."""
    from rcs_pipeline.quality import validation
    from rcs_pipeline.quality.suites import load_suite

    def stricter(name: str, suites_dir: Path | None = None) -> dict:
        """The packaged suite; for estimates, also at most 5 respondents in any group (the tiny data have more)."""
        suite = load_suite(name, suites_dir)
        if name == "estimates":
            extra = {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "max_value": 5}}
            suite = {**suite, "expectations": [*suite["expectations"], extra]}
        return suite

    monkeypatch.setattr(validation, "load_suite", stricter)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("RCS_LINKAGE_KEY", one_council.key)
    home = _fresh_home(one_council, tmp_path)
    assert main(["run", "--home", str(home)]) == 1
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "estimates_expectations" in out
    line = out[out.index("check failed") :]
    assert "expect_column_values_to_be_between on column n (" in line
    rows = line.split("expect_column_values_to_be_between on column n (")[1].split(" row(s)")[0]
    assert rows.isdigit() and int(rows) > 0
    assert f"failed {TINY_WAVE}|{COUNCIL} estimates_estimates_expectations: estimates_expectations:" in out
