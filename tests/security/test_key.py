"""Finding 7: the key's reach. Only the key holder's step needs RCS_LINKAGE_KEY; weak keys are refused;
the demo's `.env` is private from its first byte and only the Makefile loads it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import dagster as dg
import pytest

from assets.defs.key_holder.assets import link_map
from assets.defs.landing.assets import landing
from assets.defs.separation.assets import separate_deliveries
from assets.partitions import partition_key, wave_council_partitions
from assets.resources import LinkageKey
from assets.runner import materialise, run_resources
from tests.contract.deliveries import LA_CODE, WAVE
from tests.security.hostile import write_delivery


def _run(assets: list, home: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Materialise `assets` for the hand-made partition with the resources `rcs run` uses."""
    return dg.materialize(
        assets,
        partition_key=partition_key(WAVE, LA_CODE),
        instance=instance,
        resources=run_resources(home),
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    """The text of a run's step or resource failures."""
    return " ".join(
        str(e.event_specific_data.error)
        for e in result.all_events
        if e.event_type_value in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE")
    )


@pytest.mark.xdist_group("security_dagster")
def test_only_the_key_holder_step_needs_the_key_and_weak_keys_stop_it(
    tiny_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Landing and separation run without RCS_LINKAGE_KEY; link_map stops with a clear error when the key is
    missing or weak ('00' * 32), and the error never shows the key."""
    home = tiny_home
    monkeypatch.delenv("RCS_LINKAGE_KEY", raising=False)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        upstream = _run([landing, separate_deliveries], home, instance)
        assert upstream.success, _failure(upstream)
        missing = _run([link_map], home, instance)
        monkeypatch.setenv("RCS_LINKAGE_KEY", "00" * 32)
        weak = _run([link_map], home, instance)
    assert not missing.success and "RCS_LINKAGE_KEY is missing" in _failure(missing)
    assert not weak.success and "is not random" in _failure(weak) and "0" * 16 not in _failure(weak)


def test_demo_env_file_is_created_private_and_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.env` is written to a 0600 temporary file and renamed into place: never readable by others."""
    from assets import cli

    monkeypatch.delenv("RCS_LINKAGE_KEY", raising=False)
    monkeypatch.setattr(os, "umask", os.umask)  # restored after the test
    os.umask(0o022)
    env_file = tmp_path / ".env"
    env_file.write_text("RCS_HOME=/somewhere\n")
    env_file.chmod(0o644)
    modes = []
    real_replace = os.replace
    monkeypatch.setattr(
        cli.os,
        "replace",
        lambda src, dst: modes.append(stat.S_IMODE(os.stat(src).st_mode)) or real_replace(src, dst),
    )
    cli.ensure_demo_key(env_file)
    assert modes == [0o600]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    lines = env_file.read_text().splitlines()
    assert (
        lines[0] == "RCS_HOME=/somewhere" and lines[1] == f"RCS_LINKAGE_KEY={os.environ['RCS_LINKAGE_KEY']}"
    )


def test_rcs_never_reads_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.env` in the working folder is not loaded by `rcs`, and `rcs demo` does not reuse a key from it."""
    from assets import cli

    monkeypatch.delenv("RCS_LINKAGE_KEY", raising=False)
    monkeypatch.delenv("RCS_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"RCS_LINKAGE_KEY={'ab' * 32}\nRCS_HOME={tmp_path / 'elsewhere'}\n")
    folder = write_delivery(tmp_path / "home")
    assert cli.main(["validate", str(folder)]) == 0
    assert "RCS_LINKAGE_KEY" not in os.environ and "RCS_HOME" not in os.environ
    with pytest.raises(SystemExit, match="make demo"):
        cli.ensure_demo_key(tmp_path / ".env")
    assert "RCS_LINKAGE_KEY" not in os.environ


SEEN: dict[str, object] = {}
"""What the probe step below saw inside an in-process run."""


def _environ_of(pid: int) -> str:
    """The environment a process was started with, as the kernel keeps it (not its later os.environ)."""
    return Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", errors="ignore")


@dg.asset(partitions_def=wave_council_partitions)
def render_worker_environment(linkage_key: LinkageKey) -> None:
    """Probe: start the kept report-rendering workers as the reports steps do, and note what they inherited."""
    from assets.defs.reports.pools import RENDER_POOLS

    RENDER_POOLS.close()  # workers spawned by an earlier test would carry that test's environment
    pool = RENDER_POOLS.get(2)
    assert pool is not None
    for future in [pool.submit(os.getpid) for _ in range(2)]:
        future.result()
    SEEN["workers"] = [_environ_of(pid) for pid in list(pool._processes)]
    SEEN["step_environ_has_key"] = "RCS_LINKAGE_KEY" in os.environ
    SEEN["secret"] = linkage_key.secret()
    RENDER_POOLS.close()


@pytest.mark.xdist_group("security_dagster")
def test_report_workers_of_an_in_process_run_never_inherit_the_key(tmp_path: Path, linkage_key: str) -> None:
    """Finding 7: `rcs run` (materialise) takes the key out of its environment for the run, so a rendering
    worker spawned by a step starts without it, while the key holder's resource still reads it; afterwards
    the environment has it again."""
    SEEN.clear()
    with dg.instance_for_test() as instance:
        outcomes = materialise(
            tmp_path,
            [(WAVE, LA_CODE)],
            defs=dg.Definitions(assets=[render_worker_environment], resources=run_resources(tmp_path)),
            instance=instance,
        )
    assert [o.success for o in outcomes] == [True], outcomes
    workers = SEEN["workers"]
    assert isinstance(workers, list) and len(workers) == 2
    assert all("PATH=" in env and linkage_key not in env and "RCS_LINKAGE_KEY" not in env for env in workers)
    assert SEEN["step_environ_has_key"] is False
    assert SEEN["secret"] == bytes.fromhex(linkage_key)
    assert os.environ["RCS_LINKAGE_KEY"] == linkage_key
