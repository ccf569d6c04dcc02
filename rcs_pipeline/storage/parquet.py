"""Write files under a temporary name and move them into place, so a killed run never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

GROUP_READABLE = "RCS_GROUP_READABLE"


def file_mode() -> int:
    """Mode of every file the pipeline writes: 0600, or 0640 with RCS_GROUP_READABLE=1 (docs/deploy.md)."""
    return 0o640 if os.environ.get(GROUP_READABLE, "").strip().lower() in ("1", "true", "yes") else 0o600


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, file_mode())  # owner only, or the role's group (never others)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> Path:
    """Write a Polars frame as Parquet atomically; deterministic bytes for the same frame (no timestamps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        os.chmod(tmp, file_mode())  # owner only, or the role's group (never others)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_parquet(path: Path) -> pl.DataFrame:
    """Read one Parquet table, with a clear error naming the upstream asset's file when it is missing."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: materialise the upstream asset for this partition first"
        )
    return pl.read_parquet(path)
