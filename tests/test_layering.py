"""The architecture's promises: a Dagster-free library, a described and grouped graph, a reviewed snapshot."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets.definitions import defs
from assets.partitions import wave_council_partitions, waves_partitions
from rcs_pipeline.paths import project_root

ZONES = {"landing", "separation", "key_holder", "linkage", "analysis", "disclosure", "reports", "services"}
SNAPSHOT = Path(__file__).parent / "fixtures" / "asset_graph.json"


def test_library_never_imports_dagster() -> None:
    """rcs_pipeline is a plain library: no module imports dagster (docs/architecture.md §2)."""
    offenders = []
    for path in (project_root() / "rcs_pipeline").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "dagster" or n.startswith(("dagster.", "dagster_", "assets")) for n in names):
                offenders.append(f"{path.relative_to(project_root())}:{node.lineno}")
    assert offenders == []


def _graph() -> dg.Definitions:
    return defs()


def test_every_asset_is_described_grouped_by_zone_and_kinded() -> None:
    """Each asset has a description, a zone group, kinds and a known partitions definition."""
    graph = _graph().resolve_asset_graph()
    problems = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        name = key.to_user_string()
        if not node.description:
            problems.append(f"{name}: no description")
        if node.group_name not in ZONES:
            problems.append(f"{name}: group {node.group_name!r} is not a zone")
        if not node.kinds:
            problems.append(f"{name}: no kinds")
        if node.partitions_def not in (wave_council_partitions, waves_partitions):
            problems.append(f"{name}: not partitioned by wave × council or wave")
    assert problems == []


def test_checks_are_named_for_their_asset() -> None:
    """Checks are named `<asset>_<property>`."""
    graph = _graph().resolve_asset_graph()
    bad = [
        f"{check.asset_key.to_user_string()}:{check.name}"
        for check in graph.asset_check_keys
        if not check.name.startswith(check.asset_key.path[-1] + "_")
    ]
    assert bad == []


def _snapshot() -> list[dict[str, object]]:
    graph = _graph().resolve_asset_graph()
    rows = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        rows.append(
            {
                "key": key.to_user_string(),
                "group": node.group_name,
                "partitions": "wave" if node.partitions_def == waves_partitions else "wave×la_code",
                "deps": sorted(p.to_user_string() for p in node.parent_keys),
                "checks": sorted(c.name for c in graph.asset_check_keys if c.asset_key == key),
            }
        )
    return rows


def test_asset_graph_matches_reviewed_snapshot() -> None:
    """Any change to keys, groups, dependencies, partitions or checks shows up as a diff of the snapshot.

    Regenerate with RCS_UPDATE_SNAPSHOT=1 after reviewing the change.
    """
    current = _snapshot()
    if os.environ.get("RCS_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1) + "\n")
    if not SNAPSHOT.exists():
        pytest.fail(
            "no snapshot yet: run with RCS_UPDATE_SNAPSHOT=1 and review tests/fixtures/asset_graph.json"
        )
    assert current == json.loads(SNAPSHOT.read_text())


def test_dg_check_defs_is_clean() -> None:
    """`dg check defs` (the Dagster CLI's own load of the code location, as `make dev` uses it) succeeds."""
    venv = Path(sys.executable).parent.parent
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    done = subprocess.run(
        [str(venv / "bin" / "dg"), "check", "defs"],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully." in done.stdout + done.stderr
    assert "does not match the virtual environment" not in done.stdout + done.stderr
