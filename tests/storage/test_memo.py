"""Wave-wide memo: a table computed once per wave for the same input bytes, recomputed when an input changes."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage.memo import (
    FACTS,
    Memo,
    bundle_path,
    computed_once,
    family_of,
    file_digest,
    inputs_digest,
    memo_path,
    read_memo,
    source_digest,
    write_memo,
)

WAVE = "2015-16"


def _inputs(tmp_path: Path, *contents: bytes) -> list[Path]:
    """Write each content to its own council file and return the paths."""
    paths = []
    for i, content in enumerate(contents):
        path = tmp_path / "in" / f"S1200000{i}.parquet"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_digest_follows_bytes_names_and_versions(tmp_path: Path) -> None:
    """Same bytes and version → same digest; a changed byte, order or version → another."""
    a = _inputs(tmp_path, b"one", b"two")
    first = inputs_digest(a, "v1")
    assert inputs_digest(a, "v1") == first
    assert inputs_digest(a, "v2") != first
    assert inputs_digest(list(reversed(a)), "v1") != first
    a[1].write_bytes(b"twO")
    assert inputs_digest(a, "v1") != first


def test_second_partition_reads_the_memo_and_a_changed_input_recomputes(tmp_path: Path) -> None:
    """compute() runs once per digest; a new digest recomputes and removes the older memo."""
    home = RcsHome(tmp_path / "home")
    calls = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"indicator_id": ["a", "b"], "estimate": [0.25, 0.5]})

    first = inputs_digest(_inputs(tmp_path, b"x"), "v1")
    table, reused = computed_once(home, "analysis", "comparator_estimates", WAVE, first, compute)
    again, reused_again = computed_once(home, "analysis", "comparator_estimates", WAVE, first, compute)
    assert (reused, reused_again, len(calls)) == (False, True, 1)
    assert again.equals(table)
    second = inputs_digest(_inputs(tmp_path, b"y"), "v1")
    computed_once(home, "analysis", "comparator_estimates", WAVE, second, compute)
    assert len(calls) == 2
    assert not memo_path(home, "analysis", "comparator_estimates", WAVE, first).exists()
    assert memo_path(home, "analysis", "comparator_estimates", WAVE, second).exists()


@pytest.mark.parametrize(
    ("zone", "digest"), [("nowhere", "0" * 64), ("analysis", "../x"), ("analysis", "A" * 64)]
)
def test_memo_path_refuses_unknown_zones_and_non_digests(tmp_path: Path, zone: str, digest: str) -> None:
    """A memo lives in a known zone under a hex SHA-256 name, never a path a caller made up."""
    with pytest.raises(ValueError):
        memo_path(RcsHome(tmp_path), zone, "comparator_estimates", WAVE, digest)


NAME = "published_comparator_estimates"


def _bundle() -> Memo:
    """Two tiny tables and the figures a published comparator memoises (hand-made)."""
    published = pl.DataFrame({"indicator_id": ["a", "a"], "n": [105, None], "suppressed": [False, True]})
    reasons = pl.DataFrame({"indicator_id": ["a"], "reason": ["secondary"]})
    facts = {"hidden": 2, "shares": {"t": {"council": 0.5}}, "narrowest": 10.0, "withheld_reason": None}
    return Memo({"published": published, "reasons": reasons}, facts)


def test_bundle_is_read_back_as_written_in_parquet_and_json(tmp_path: Path) -> None:
    """Tables come back equal (dtypes and nulls), facts equal; the facts file is plain JSON, no pickle."""
    home, family, digest = RcsHome(tmp_path / "home"), family_of("min_group=20 min_cell=10"), "a" * 64
    assert read_memo(home, "disclosure", NAME, WAVE, family, digest) is None
    folder = write_memo(home, "disclosure", NAME, WAVE, family, digest, _bundle())
    got = read_memo(home, "disclosure", NAME, WAVE, family, digest)
    assert got is not None and got.facts == _bundle().facts
    assert all(got.tables[t].equals(_bundle().tables[t]) for t in ("published", "reasons"))
    assert got.tables["published"].schema == _bundle().tables["published"].schema
    assert json.loads((folder / FACTS).read_text())["facts"]["shares"] == {"t": {"council": 0.5}}
    assert sorted(p.name for p in folder.iterdir()) == [FACTS, "published.parquet", "reasons.parquet"]


def test_a_bundle_without_its_facts_file_is_unfinished_and_not_read(tmp_path: Path) -> None:
    """A folder without its facts file (left by older code, or pruned while read) reads as no memo, and the
    next write replaces it."""
    home, family, digest = RcsHome(tmp_path / "home"), family_of("x"), "b" * 64
    folder = write_memo(home, "disclosure", NAME, WAVE, family, digest, _bundle())
    (folder / FACTS).unlink()
    assert read_memo(home, "disclosure", NAME, WAVE, family, digest) is None
    write_memo(home, "disclosure", NAME, WAVE, family, digest, _bundle())
    (folder / "reasons.parquet").unlink()  # pruned by another run while this one read
    assert read_memo(home, "disclosure", NAME, WAVE, family, digest) is None


def test_other_thresholds_are_another_family_that_a_new_bundle_does_not_remove(tmp_path: Path) -> None:
    """Writing digest 2 of the defaults removes digest 1 of the defaults only; the stricter council's stays."""
    home = RcsHome(tmp_path / "home")
    default, strict = family_of("min_group=20 min_cell=10"), family_of("min_group=20 min_cell=15")
    assert default != strict and len(default) == 16
    write_memo(home, "disclosure", NAME, WAVE, default, "1" * 64, _bundle())
    write_memo(home, "disclosure", NAME, WAVE, strict, "1" * 64, _bundle())
    write_memo(home, "disclosure", NAME, WAVE, default, "2" * 64, _bundle())
    assert read_memo(home, "disclosure", NAME, WAVE, default, "1" * 64) is None
    assert read_memo(home, "disclosure", NAME, WAVE, default, "2" * 64) is not None
    assert read_memo(home, "disclosure", NAME, WAVE, strict, "1" * 64) is not None
    assert read_memo(home, "disclosure", NAME, WAVE, strict, "2" * 64) is None


@pytest.mark.parametrize(
    ("family", "table"),
    [("0" * 15, "published"), ("../" + "0" * 13, "published"), ("0" * 16, "../x"), ("0" * 16, "Published")],
)
def test_bundle_refuses_bad_families_and_table_names(tmp_path: Path, family: str, table: str) -> None:
    """A family is 16 hex digits and a table a plain lower-case name: never a path a caller made up."""
    memo = Memo({table: pl.DataFrame({"a": [1]})}, {})
    with pytest.raises(ValueError):
        write_memo(RcsHome(tmp_path), "disclosure", NAME, WAVE, family, "0" * 64, memo)
    assert not list(tmp_path.rglob("*.parquet"))
    with pytest.raises(ValueError):
        bundle_path(RcsHome(tmp_path), "disclosure", NAME, WAVE, "0" * 16, "x" * 64)


def test_file_digest_is_the_bytes_alone_and_source_digest_follows_code(tmp_path: Path) -> None:
    """The same bytes under two council names have one file digest; a changed .py or .yaml changes the
    source digest, a file of another kind does not."""
    one, two = _inputs(tmp_path, b"same", b"same")
    assert file_digest(one) == file_digest(two) == hashlib.sha256(b"same").hexdigest()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    (package / "rules.yaml").write_text("min_cell: 10\n")
    (package / "notes.txt").write_text("one")
    first = source_digest(package)
    (package / "notes.txt").write_text("two")
    assert source_digest(package) == first
    (package / "rules.yaml").write_text("min_cell: 15\n")
    assert source_digest(package) != first
    assert source_digest(package / "a.py") != source_digest(package)


def _write_and_read(args: tuple[str, str, int]) -> int:
    """One council's run, `rounds` times over: write bundle `digest` and the memo table, read what is in place."""
    root, digest, rounds = args
    home, family = RcsHome(Path(root)), family_of("min_group=20 min_cell=10")
    table = pl.DataFrame({"indicator_id": ["a", "b"], "estimate": [0.25, 0.5]})
    for _ in range(rounds):
        write_memo(home, "disclosure", NAME, WAVE, family, digest, _bundle())
        got = read_memo(home, "disclosure", NAME, WAVE, family, digest)
        assert got is None or got.facts == _bundle().facts  # None: a newer bundle replaced it just now
        again, _ = computed_once(home, "analysis", "comparator_estimates", WAVE, digest, lambda: table)
        assert again.equals(table)
    return rounds


def test_runs_writing_the_same_and_newer_memos_at_once_never_break_each_other(tmp_path: Path) -> None:
    """Four processes (two councils' runs per digest, as `rcs run --jobs` can start them) write the same
    bundle and a newer one of the same family, and the memo table, at once: none fails, what is left in place
    is whole, and no private folder is left behind."""
    home = tmp_path / "home"
    work = [(str(home), digest, 40) for digest in ("1" * 64, "2" * 64, "1" * 64, "2" * 64)]
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_write_and_read, work)) == [40] * 4
    folder = bundle_path(
        RcsHome(home), "disclosure", NAME, WAVE, family_of("min_group=20 min_cell=10"), "1" * 64
    )
    left = sorted(folder.parent.iterdir())
    assert len(left) == 1 and left[0].name.startswith("_memo-")  # one bundle, no staging folder
    assert sorted(p.name for p in left[0].iterdir()) == [FACTS, "published.parquet", "reasons.parquet"]
