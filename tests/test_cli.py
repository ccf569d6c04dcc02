"""The `rcs` command as people and scripts use it: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from assets.cli import main
from tests.conftest import TINY_COUNCILS, TINY_WAVE


def _delivery(home: Path) -> Path:
    return home / "landing" / TINY_WAVE / TINY_COUNCILS[0]


def test_validate_accepts_a_good_delivery(tiny_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A delivery that follows the contract validates with exit 0."""
    assert main(["validate", str(_delivery(tiny_home))]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_rejects_missing_required_column(tiny_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Dropping `sex` from the admin extract exits 2 with a line naming the file and the column."""
    path = _delivery(tiny_home) / "admin_extract.csv"
    pl.read_csv(path, infer_schema=False).drop("sex").write_csv(path)
    assert main(["validate", str(_delivery(tiny_home))]) == 2
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "admin_extract.csv" in line and "sex" in line)
    assert "missing" in line.lower()


def test_synth_writes_a_delivery_per_council(tmp_path: Path) -> None:
    """`rcs synth --scale tiny` writes one landing folder per tiny council with the required files."""
    assert main(["synth", "--scale", "tiny", "--home", str(tmp_path)]) == 0
    for la_code in TINY_COUNCILS:
        folder = tmp_path / "landing" / TINY_WAVE / la_code
        assert {"admin_extract.csv", "schools.csv", "school_roll.csv"} <= {p.name for p in folder.iterdir()}
