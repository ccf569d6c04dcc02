"""Write files under a temporary name and move them into place, so a killed run never leaves half a file."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

GROUP_READABLE = "RCS_GROUP_READABLE"


def file_mode() -> int:
    """Mode of every file the pipeline writes: 0600, or 0640 with RCS_GROUP_READABLE=1 (docs/deploy.md)."""
    return 0o640 if os.environ.get(GROUP_READABLE, "").strip().lower() in ("1", "true", "yes") else 0o600


def write_atomic(path: Path, write: Callable[[str], object]) -> Path:
    """Call `write(temporary_name)` for a temporary file in `path`'s folder, then move it into place.

    A killed run leaves the previous good file (and a `.<name>.*.tmp` the runner removes), never half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())  # owner only, or the role's group (never others)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    return write_atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The Parquet bytes `write_parquet_atomic` writes for this frame (zstd, statistics, no timestamps)."""
    buffer = io.BytesIO()
    _write_parquet(frame, buffer)
    return buffer.getvalue()


def dir_mode() -> int:
    """Mode of a folder the pipeline makes private first (memo bundles): file_mode() plus search."""
    return file_mode() | 0o100 | (0o010 if file_mode() & 0o040 else 0)


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> Path:
    """Write a Polars frame as Parquet atomically; deterministic bytes for the same frame (no timestamps)."""
    return write_atomic(path, lambda tmp: _write_parquet(frame, tmp))


def _write_parquet(frame: pl.DataFrame, target: str | io.BytesIO) -> None:
    """The one way the pipeline writes Parquet: zstd, column statistics, no timestamps."""
    frame.write_parquet(target, compression="zstd", statistics=True)


def read_parquet(path: Path) -> pl.DataFrame:
    """Read one Parquet table, with a clear error naming the upstream asset's file when it is missing."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: materialise the upstream asset for this partition first"
        )
    return pl.read_parquet(path)
