"""A council's part of the wave design memoised by its pupil_scores' bytes (rcs_pipeline/estimates/wave_designs.py).

The hand-made council of test_comparisons (13 respondents in 4 cells) and a second council: the design read
back from its memo equals the one prepared (every array, dtype and shape), the council-vs-rest comparison
over it is the same table, the second read comes from the memo, and changed bytes prepare it again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.estimates.comparisons import (
    SUM_FIELDS,
    Design,
    combine,
    council_comparisons,
    prepare_design,
)
from rcs_pipeline.estimates.wave_designs import design_from_memo, design_memo, wave_design
from rcs_pipeline.paths import RcsHome
from tests.estimates.test_comparisons import HAND, LA, hand_frame

WAVE = "2015-16"
OTHER = "S12000040"


def _arrays(design: Design) -> dict[str, np.ndarray]:
    """Every array of a council-level design, by name."""
    council = design.levels["council"]
    named = {n: getattr(design, n) for n in ("n", "k", "lonely", "over_roll")}
    named |= {f"totals_{f}": getattr(design.totals, f) for f in SUM_FIELDS}
    named |= {f"council_{n}": getattr(council, n) for n in ("codes", "starts", "geo", "stratum")}
    return named | {f"council_sums_{f}": getattr(council.sums, f) for f in SUM_FIELDS}


def _wave_part(rows: list[tuple], la_code: str) -> Design:
    """A council's wave design as comparisons prepares it (council level, no breakdowns)."""
    return prepare_design(hand_frame(rows, la_code=la_code), ["y"], breakdowns=(), levels=("council",))


def test_a_design_comes_back_from_its_memo_array_for_array() -> None:
    """n = 13 respondents in 4 strata (k = n/(n-1) without fpc), codes the council's: equal after JSON too."""
    design = _wave_part(HAND, LA)
    memo = design_memo(design)
    memo = type(memo)(memo.tables, json.loads(json.dumps(memo.facts)))
    back = design_from_memo(memo)
    assert back.indicators == ("y",) and back.levels["council"].groups == {}
    assert design.n.sum() == 13 and design.n.size == 4
    for name, want in _arrays(design).items():
        got = _arrays(back)[name]
        assert got.dtype == np.asarray(want).dtype and got.shape == np.asarray(want).shape, name
        assert np.array_equal(got, want), name


def test_the_rest_of_wave_comparison_is_the_same_over_a_memoised_design() -> None:
    """The council against the rest of the wave: the same table (bit for bit) with the other council memoised."""
    own = prepare_design(hand_frame(), ["y"], [])
    other = _wave_part(HAND[:7], OTHER)
    want = council_comparisons(own, combine([own, other]))
    got = council_comparisons(own, combine([own, design_from_memo(design_memo(other))]))
    assert got.equals(want)


def test_a_second_step_reads_the_memo_and_changed_bytes_prepare_it_again(tmp_path: Path) -> None:
    """compute() runs once for the same file; rewritten with other rows it runs again (one bundle kept)."""
    home = RcsHome(tmp_path / "home")
    path = tmp_path / f"{OTHER}.parquet"
    hand_frame(HAND[:7], la_code=OTHER).write_parquet(path)
    calls: list[int] = []

    def compute() -> Design:
        calls.append(1)
        return prepare_design(pl.read_parquet(path), ["y"], breakdowns=(), levels=("council",))

    first, reused = wave_design(home, WAVE, path, ["y"], compute)
    again, reused_again = wave_design(home, WAVE, path, ["y"], compute)
    assert (reused, reused_again, len(calls)) == (False, True, 1)
    assert all(np.array_equal(a, _arrays(again)[n]) for n, a in _arrays(first).items())
    hand_frame(HAND[:5], la_code=OTHER).write_parquet(path)
    changed, reused = wave_design(home, WAVE, path, ["y"], compute)
    assert (reused, len(calls), changed.n.sum()) == (False, 2, 5)
    assert len(list((home.root / "analysis" / "comparisons" / WAVE).glob("_memo-*"))) == 1


def test_only_the_council_level_wave_design_is_memoised() -> None:
    """A council's own design (cluster and school levels, breakdowns) is refused: it is never shared."""
    with pytest.raises(ValueError, match="council-level"):
        design_memo(prepare_design(hand_frame(), ["y"], ["sex"]))
