"""Helpers for hostile-delivery tests: a valid hand-made delivery to spoil, and a scan for planted values."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from tests.contract.deliveries import LA_CODE, WAVE, delivery_tables, write_table


def write_delivery(home: Path, tables: dict[str, dict[str, list[str]]] | None = None) -> Path:
    """Write a (possibly spoiled) hand-made delivery under home/landing/<wave>/<la_code>; return its folder."""
    folder = home / "landing" / WAVE / LA_CODE
    for dataset, table in (tables or delivery_tables()).items():
        write_table(folder, dataset, table)
    return folder


def texts_of(path: Path) -> Iterator[str]:
    """Raw text of a file and, for SQLite databases (Dagster's event log), every cell of every table."""
    yield path.read_bytes().decode("utf-8", errors="ignore")
    if path.suffix in (".db", ".sqlite"):
        connection = sqlite3.connect(path)
        try:
            for (table,) in connection.execute("select name from sqlite_master where type='table'"):
                for row in connection.execute(f'select * from "{table}"'):
                    yield " ".join(str(v) for v in row)
        finally:
            connection.close()


def planted_hits(roots: Iterable[Path], planted: Iterable[str], *, skip: Iterable[Path] = ()) -> list[str]:
    """'<file>: <value>' for every planted value found in any file under `roots` (except under `skip`)."""
    values = [v for v in planted if v]
    skipped = [s.resolve() for s in skip]
    hits = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if any(path.resolve().is_relative_to(s) for s in skipped):
                continue
            for text in texts_of(path):
                hits.extend(f"{path.name}: {v}" for v in values if v in text)
    return sorted(set(hits))
