"""Production storage: deploy/dagster.postgres.yaml runs a tiny partition against a real local PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from assets.runner import materialise
from rcs_pipeline.paths import project_root
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("postgres")]


def _pg_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs, if the package is installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_port() -> Iterator[int]:
    """A throwaway PostgreSQL server on 127.0.0.1 with a `dagster` database; stopped and removed afterwards."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("Debian package postgresql is not installed (make test installs it)")
    root = Path(tempfile.mkdtemp(prefix="rcs-pg-", dir="/tmp"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True)  # noqa: E731
    run(str(pg_bin / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    run(str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "server.log"), "start")
    try:
        run(str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster")
        yield port
    finally:
        subprocess.run(
            _as_server_user([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_tiny_partition_runs_with_postgres_storage(
    postgres_port: int, tiny_home: Path, linkage_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the documented PostgreSQL dagster.yaml, a tiny partition materialises and its runs and events
    are stored in PostgreSQL, not in SQLite files under DAGSTER_HOME."""
    dagster_home = tmp_path / "dagster_home_pg"
    dagster_home.mkdir()
    shutil.copyfile(project_root() / "deploy" / "dagster.postgres.yaml", dagster_home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("DAGSTER_PG_URL", f"postgresql+psycopg2://dagster@127.0.0.1:{postgres_port}/dagster")
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        outcomes = materialise(tiny_home, [(TINY_WAVE, TINY_COUNCILS[0])], instance=instance)
    assert outcomes and all(o.success for o in outcomes), [o.failures for o in outcomes if not o.success]
    connection = psycopg2.connect(host="127.0.0.1", port=postgres_port, user="dagster", dbname="dagster")
    with connection, connection.cursor() as cursor:
        cursor.execute("select count(*) from runs where status = 'SUCCESS'")
        successes = cursor.fetchone()[0]
        cursor.execute("select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'")
        materialisations = cursor.fetchone()[0]
    connection.close()
    assert successes == len(outcomes)
    assert materialisations > 0
    assert not list(dagster_home.rglob("*.db")), "run and event storage should not fall back to SQLite"
