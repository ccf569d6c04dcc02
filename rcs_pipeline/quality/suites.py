"""Find and read the Great Expectations suites kept as JSON in the project's expectations/ folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rcs_pipeline.paths import expectations_dir


def suite_path(name: str, folder: Path | None = None) -> Path:
    """The JSON file of suite `name` (`<name>.json`) in `folder` (default: the project's expectations/)."""
    return (folder or expectations_dir()) / f"{name}.json"


def load_suite(name: str, folder: Path | None = None) -> dict[str, Any]:
    """The suite as its JSON dict (GX 1.x ExpectationSuite.to_json_dict form), with a clear error when missing."""
    path = suite_path(name, folder)
    if not path.exists():
        raise FileNotFoundError(f"no Great Expectations suite {name!r}: expected {path}")
    suite = json.loads(path.read_text(encoding="utf-8"))
    if suite.get("name") != name:
        raise ValueError(f"{path.name}: suite name is {suite.get('name')!r}, expected {name!r}")
    return suite
