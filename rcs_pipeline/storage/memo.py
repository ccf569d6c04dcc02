"""Wave-wide results computed once per wave: a table keyed by the digest of the files it was computed from.

The all-councils comparator is the same for every council of a wave, but each (wave, council) partition
materialises its own copy. The first partition to compute it stores the table under the digest of its
inputs (`<zone>/<name>/<wave>/_memo-<digest>.parquet`); every later partition whose inputs have the same
bytes reads it instead of computing it again. A changed input gives a new digest, so a stale memo is never
read, and writing a memo removes the wave's older ones (docs/architecture.md, "Storage").

A result of several tables and figures (the published comparator: its table, its suppression reasons, its
protection figures and audit verdict) is a `Memo` bundle: a folder `_memo-<family>-<digest>/` holding one
Parquet file per table and `facts.json` (JSON, never pickle), written last so that a folder without it is
unfinished and never read. `family` separates results that live side by side in one wave (e.g. councils
whose thresholds differ): a new bundle replaces the older ones of its own family only.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from rcs_pipeline.paths import WAVE_PATTERN, RcsHome, checked_name, inside
from rcs_pipeline.storage.parquet import read_parquet, write_bytes_atomic, write_parquet_atomic

MEMO_PREFIX = "_memo-"
FACTS = "facts.json"
FAMILY = re.compile(r"[0-9a-f]{16}")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


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
    """Write a bundle (tables first, facts.json last) and remove the older bundles of the same family."""
    folder = bundle_path(home, zone, name, wave, family, digest)
    for table, frame in memo.tables.items():
        if not TABLE_NAME.fullmatch(table):
            raise ValueError(f"memo table name {table!r} is not a plain lower-case name")
        write_parquet_atomic(frame, folder / f"{table}.parquet")
    text = json.dumps({"tables": sorted(memo.tables), "facts": memo.facts}, sort_keys=True, indent=1)
    write_bytes_atomic(folder / FACTS, text.encode("utf-8"))
    for older in folder.parent.glob(f"{MEMO_PREFIX}{family}-*"):
        if older != folder and older.is_dir():
            shutil.rmtree(older, ignore_errors=True)
    return folder


def file_digest(path: Path) -> str:
    """SHA-256 of one file's bytes alone (to tie a memoised verdict to the exact bytes it was reached on)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
