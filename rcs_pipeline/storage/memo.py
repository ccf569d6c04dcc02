"""Wave-wide results computed once per wave: a table keyed by the digest of the files it was computed from.

The all-councils comparator is the same for every council of a wave, but each (wave, council) partition
materialises its own copy. The first partition to compute it stores the table under the digest of its
inputs (`<zone>/<name>/<wave>/_memo-<digest>.parquet`); every later partition whose inputs have the same
bytes reads it instead of computing it again. A changed input gives a new digest, so a stale memo is never
read, and writing a memo removes the wave's older ones (docs/architecture.md, "Storage").

A result of several tables and figures (the published comparator: its table, its suppression reasons, its
protection figures and audit verdict) is a `Memo` bundle: a folder `_memo-<family>-<digest>/` holding one
Parquet file per table and `facts.json` (JSON, never pickle), written in a private folder and renamed into
place whole, so a bundle is never seen half-written, even by a council's run writing it at the same time. `family` separates results that live side by side in one wave (e.g. councils
whose thresholds differ): a new bundle replaces the older ones of its own family only.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from rcs_pipeline.paths import WAVE_PATTERN, RcsHome, checked_name, inside
from rcs_pipeline.storage.parquet import dir_mode, parquet_bytes, write_bytes_atomic, write_parquet_atomic

MEMO_PREFIX = "_memo-"
FACTS = "facts.json"
FAMILY = re.compile(r"[0-9a-f]{16}")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
PLACE_ATTEMPTS = 5
"""Tries to rename a bundle into place while other runs write or prune the same name (`_put_in_place`)."""


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
    """The wave's table for these inputs: read from its memo, or computed and memoised; (table, reused).

    Two councils' runs may compute the same memo at once, or memos of other inputs, which replace it: the
    table returned is read back from the bytes this call wrote, never from a file another run may remove.
    """
    path = memo_path(home, zone, name, wave, digest)
    try:
        return pl.read_parquet(path), True
    except FileNotFoundError:
        pass
    data = parquet_bytes(compute())
    write_bytes_atomic(path, data)
    for older in path.parent.glob(f"{MEMO_PREFIX}*.parquet"):
        if older != path:
            older.unlink(missing_ok=True)
    return pl.read_parquet(io.BytesIO(data)), False


def source_digest(*sources: Path) -> str:
    """SHA-256 over the given source files and the .py and .yaml files of the given folders, so a memo made by
    other code (or other rules.yaml text) is never read."""
    files = []
    for source in sources:
        found = source.rglob("*") if source.is_dir() else [source]
        files += sorted(f for f in found if f.suffix in (".py", ".yaml") and f.is_file())
    return inputs_digest(files)


def family_of(*parts: str) -> str:
    """A short hex name for the settings a bundle was made under (16 hex digits of their SHA-256)."""
    return inputs_digest([], *parts)[:16]


@dataclass(frozen=True)
class Memo:
    """A wave-wide result of several tables and JSON-serialisable facts (numbers, strings, lists, dicts)."""

    tables: dict[str, pl.DataFrame]
    facts: dict[str, Any]


def bundle_path(home: RcsHome, zone: str, name: str, wave: str, family: str, digest: str) -> Path:
    """The folder of the memo bundle of `name` for a wave, a settings family and an inputs digest."""
    memo_path(home, zone, name, wave, digest)  # the same checks on zone, name, wave and digest
    if not FAMILY.fullmatch(family):
        raise ValueError("a memo bundle's family is 16 hex digits (family_of)")
    folder = inside(home.root / zone, name, checked_name(wave, WAVE_PATTERN, "wave"))
    return folder / f"{MEMO_PREFIX}{family}-{digest}"


def read_memo(home: RcsHome, zone: str, name: str, wave: str, family: str, digest: str) -> Memo | None:
    """The bundle for these inputs, or None when there is none (or it is unfinished or was just replaced)."""
    folder = bundle_path(home, zone, name, wave, family, digest)
    try:
        facts = json.loads((folder / FACTS).read_text(encoding="utf-8"))
        tables = {table: pl.read_parquet(folder / f"{table}.parquet") for table in facts["tables"]}
    except FileNotFoundError:
        return None
    return Memo(tables, facts["facts"])


def write_memo(home: RcsHome, zone: str, name: str, wave: str, family: str, digest: str, memo: Memo) -> Path:
    """Write a bundle and remove the older bundles of the same family.

    The bundle is written whole in a private folder (`.<bundle>.<random>.tmp`) and renamed into place, so
    two runs writing it at once, or a run replacing it with a newer bundle, never touch a half-written one;
    when another run has already put the same bundle in place, this copy is dropped.
    """
    folder = bundle_path(home, zone, name, wave, family, digest)
    for table in memo.tables:
        if not TABLE_NAME.fullmatch(table):
            raise ValueError(f"memo table name {table!r} is not a plain lower-case name")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        for table, frame in memo.tables.items():
            write_parquet_atomic(frame, staging / f"{table}.parquet")
        text = json.dumps({"tables": sorted(memo.tables), "facts": memo.facts}, sort_keys=True, indent=1)
        write_bytes_atomic(staging / FACTS, text.encode("utf-8"))
        os.chmod(staging, dir_mode())
        _put_in_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for older in folder.parent.glob(f"{MEMO_PREFIX}{family}-*"):
        if older != folder and older.is_dir():
            shutil.rmtree(older, ignore_errors=True)
    return folder


def _put_in_place(staging: Path, folder: Path) -> None:
    """Rename a finished bundle into place, unless another run put the same bundle there first.

    A folder there without its facts file is a broken one (left by older code) or one being pruned by a run
    that wrote a newer bundle of the family: it is removed and the rename tried again. When other runs keep
    the name busy for PLACE_ATTEMPTS tries, this copy is dropped: a memo is a cache, and the run
    that wrote it already has its tables. Any other failure of the rename is raised.
    """
    for _ in range(PLACE_ATTEMPTS):
        try:
            os.rename(staging, folder)
            return
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            if (folder / FACTS).exists():
                return  # the same inputs, so the same content
            shutil.rmtree(folder, ignore_errors=True)


def file_digest(path: Path) -> str:
    """SHA-256 of one file's bytes alone (to tie a memoised verdict to the exact bytes it was reached on)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
