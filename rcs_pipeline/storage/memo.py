"""Wave-wide results computed once per wave: a table keyed by the digest of the files it was computed from.

The all-councils comparator is the same for every council of a wave, but each (wave, council) partition
materialises its own copy. The first partition to compute it stores the table under the digest of its
inputs (`<zone>/<name>/<wave>/_memo-<digest>.parquet`); every later partition whose inputs have the same
bytes reads it instead of computing it again. A changed input gives a new digest, so a stale memo is never
read, and writing a memo removes the wave's older ones (docs/architecture.md, "Storage").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from rcs_pipeline.paths import WAVE_PATTERN, RcsHome, checked_name, inside
from rcs_pipeline.storage.parquet import read_parquet, write_parquet_atomic

MEMO_PREFIX = "_memo-"


def inputs_digest(paths: Iterable[Path], *parts: str) -> str:
    """SHA-256 over each input file's name and bytes, in order, and the given strings (e.g. code versions)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    for part in parts:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def memo_path(home: RcsHome, zone: str, name: str, wave: str, digest: str) -> Path:
    """The memo file of table `name` for a wave and an inputs digest."""
    if zone not in home.ZONES or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise ValueError("a memo needs a known zone and a SHA-256 hex digest")
    return inside(
        home.root / zone, name, checked_name(wave, WAVE_PATTERN, "wave"), f"{MEMO_PREFIX}{digest}.parquet"
    )


def computed_once(
    home: RcsHome, zone: str, name: str, wave: str, digest: str, compute: Callable[[], pl.DataFrame]
) -> tuple[pl.DataFrame, bool]:
    """The wave's table for these inputs: read from its memo, or computed and memoised; (table, reused)."""
    path = memo_path(home, zone, name, wave, digest)
    if path.exists():
        return read_parquet(path), True
    write_parquet_atomic(compute(), path)
    for older in path.parent.glob(f"{MEMO_PREFIX}*.parquet"):
        if older != path:
            older.unlink(missing_ok=True)
    return read_parquet(path), False
