"""Shared fixtures: tiny synthetic deliveries generated once per worker, a fresh RCS_HOME per test."""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

TINY_WAVE = "2015-16"
TINY_COUNCILS = ("S12000005", "S12000040")
TINY_SEED = 2015


@pytest.fixture(scope="session")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding the tiny synthetic landing folders and ground truth (never modified by tests)."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("tiny_source")
    generate(home, scale="tiny", seed=TINY_SEED)
    return home


@pytest.fixture
def tiny_home(tiny_source: Path, tmp_path: Path) -> Path:
    """A fresh RCS_HOME for one test with a copy of the tiny deliveries (landing + ground truth)."""
    home = tmp_path / "home"
    for folder in ("landing", "synthetic_truth"):
        if (tiny_source / folder).exists():
            shutil.copytree(tiny_source / folder, home / folder)
    return home


@pytest.fixture
def linkage_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A random 32-byte linkage key in RCS_LINKAGE_KEY for this test only."""
    key = secrets.token_hex(32)
    monkeypatch.setenv("RCS_LINKAGE_KEY", key)
    return key


@pytest.fixture
def dagster_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A real on-disk Dagster instance in the test's folder, with the tiny wave registered."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [TINY_WAVE])
            yield instance
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old


_last_test: list[str] = ["(none)"]
_open_instances: dict[int, dg.DagsterInstance] = {}


def _track_instances() -> None:
    """Record every Dagster instance entered with `with` until it is exited (public context-manager protocol).

    An instance left open stays Dagster's current definitions-state storage for the whole worker; once it is
    garbage collected, every later `load_from_defs_folder` in that worker fails on its dead weakref, far from
    the cause (git log 5db1b40). Holding the open ones here keeps the garbage collector from closing them
    inside a later test; the fixture below closes them and names the test that left them.
    """
    cls = dg.DagsterInstance
    if getattr(cls, "_rcs_tracked", False):
        return
    enter, exit_ = cls.__enter__, cls.__exit__

    def tracked_enter(self: dg.DagsterInstance) -> dg.DagsterInstance:
        _open_instances[id(self)] = self
        return enter(self)

    def tracked_exit(self: dg.DagsterInstance, *exc: object) -> None:
        _open_instances.pop(id(self), None)
        return exit_(self, *exc)

    cls.__enter__, cls.__exit__, cls._rcs_tracked = tracked_enter, tracked_exit, True


def _close_open_instances() -> int:
    """Exit every instance entered and not exited (in reverse order of entry); how many there were."""
    left = list(_open_instances.values())
    for instance in reversed(left):
        instance.__exit__(None, None, None)
    return len(left)


_track_instances()


@pytest.fixture(autouse=True)
def no_open_dagster_instance(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a Dagster instance open (entered with `with` but not exited), and close it.

    One found open before a test starts (left by a fixture's teardown) is not that test's doing: it is closed
    and reported as a warning naming the test before.
    """
    previous, _last_test[0] = _last_test[0], request.node.nodeid
    if _close_open_instances():
        warnings.warn(
            f"a Dagster instance was left open after {previous} (or its fixtures' teardown)", stacklevel=1
        )
    yield
    assert _close_open_instances() == 0, "a Dagster instance was left open: exit its `with` before yielding"
