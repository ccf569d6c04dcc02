"""Wave-wide memo: a table computed once per wave for the same input bytes, recomputed when an input changes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage.memo import computed_once, inputs_digest, memo_path

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
