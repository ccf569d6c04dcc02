"""Finding 9: file modes. Every file the pipeline writes is owner-only (0600), or group-readable (0640) for a
team deployment with RCS_GROUP_READABLE=1; never readable by others."""

from __future__ import annotations

import stat
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.storage import write_bytes_atomic, write_parquet_atomic


def _mode(path: Path) -> int:
    """Permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, 0o600), ("1", 0o640), ("0", 0o600), ("true", 0o640)]
)
def test_written_files_are_owner_only_or_group_readable_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: int
) -> None:
    """Parquet tables and report files get 0600 by default and 0640 with RCS_GROUP_READABLE=1."""
    if setting is None:
        monkeypatch.delenv("RCS_GROUP_READABLE", raising=False)
    else:
        monkeypatch.setenv("RCS_GROUP_READABLE", setting)
    table = write_parquet_atomic(pl.DataFrame({"a": [1]}), tmp_path / "zone" / "t.parquet")
    report = write_bytes_atomic(tmp_path / "reports" / "r.pdf", b"%PDF")
    assert _mode(table) == _mode(report) == expected
    assert not _mode(table) & stat.S_IRWXO
