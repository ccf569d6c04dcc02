"""Start `dagster dev` on a free local port for a browser test, and stop its whole process group."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rcs_pipeline.paths import project_root

LOCATION = "assets.definitions"

_LOCATION_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message }
      ... on RepositoryLocation { repositories { assetGroups { groupName } } } }
} } } }
"""


class WebserverError(RuntimeError):
    """The webserver or its code location did not come up; the message holds the log tail."""


@dataclass
class DagsterDev:
    """A running `dagster dev`: its process (leader of its own session), URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, without the repeated warnings, for failure messages."""
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        kept = [line for line in text if "code location name" not in line]
        return "\n".join(kept[-lines:])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(dagster_home: Path, env: dict[str, str], log: Path) -> DagsterDev:
    """Start `dagster dev` on the project's code location in a new session (its own process group).

    It runs from a folder of its own beside the log, with a workspace file naming the project root: Dagster
    injects a `.env` of its working directory into the code location over the environment given here, and
    the checkout's `.env` (written by `make demo`) would point it at the demo's RCS_HOME and deliveries.
    """
    root = project_root()
    port = free_port()
    folder = log.parent / "dagster_dev_cwd"
    folder.mkdir(parents=True, exist_ok=True)
    workspace = folder / "workspace.yaml"
    workspace.write_text(
        f"load_from:\n  - python_module:\n      module_name: {LOCATION}\n      working_directory: {root}\n"
    )
    child_env = {**os.environ, **env, "DAGSTER_HOME": str(dagster_home)}
    command = [str(root / ".venv/bin/dagster"), "dev", "-w", str(workspace)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "-h", "127.0.0.1", "-p", str(port)],
            cwd=folder,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return DagsterDev(process=process, url=f"http://127.0.0.1:{port}", log=log)


def _graphql(url: str, query: str) -> dict:
    """POST one GraphQL query to the webserver and return its data."""
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def wait_until_loaded(server: DagsterDev, timeout: float) -> list[str]:
    """Wait for /server_info and for the code location to load; return its asset group names."""
    deadline = time.monotonic() + timeout
    state = "the webserver did not answer /server_info"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise WebserverError(f"dagster dev exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/server_info", timeout=10):
                pass
            entries = _graphql(server.url, _LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, OSError, KeyError, TypeError, ValueError):
            time.sleep(2)
            continue
        entry = next((e for e in entries if e["name"] == LOCATION), None)
        loaded = entry and entry["loadStatus"] == "LOADED" and entry["locationOrLoadError"]
        if loaded and loaded["__typename"] == "PythonError":
            raise WebserverError(f"code location {LOCATION} failed to load:\n{loaded['message'][:3000]}")
        if loaded and loaded["__typename"] == "RepositoryLocation":
            return sorted({g["groupName"] for r in loaded["repositories"] for g in r["assetGroups"]})
        state = f"the code location {LOCATION} is still loading"
        time.sleep(2)
    raise WebserverError(f"after {timeout:.0f} s {state}:\n{server.log_tail()}")


def _session_members(session: int) -> list[int]:
    """Live (non-zombie) processes in the given session, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, session, ...
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop(server: DagsterDev, grace: float = 10.0) -> list[int]:
    """SIGTERM the server's process group, SIGKILL it after `grace` s; return pids that still survive."""
    leader = server.process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):  # dagster dev often ignores SIGTERM
        server.process.wait(timeout=grace)
    for _ in range(20):
        survivors = _session_members(leader)
        if not survivors:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader, signal.SIGKILL)
        for pid in survivors:  # anything that left the group but not the session
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.25)
    if server.process.poll() is None:
        server.process.wait(timeout=5)
    return _session_members(leader)
