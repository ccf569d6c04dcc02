"""Planted duplicate answers never push a school x stage x sex cell past its roll (issue 3, contract roll rule)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.synthetic import generate
from rcs_pipeline.synthetic.council import _duplicated

# The cheapest configuration found that broke the roll rule when duplicates were drawn without regard to
# the roll: scale `tiny` at seed 11 (both councils refused; seed 2015, the shared fixture's, happens to pass).
SEED = 11


@pytest.fixture(scope="module")
def tiny_seed_11(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny deliveries at seed 11, written as CSV."""
    home = tmp_path_factory.mktemp("tiny11")
    generate(home, scale="tiny", seed=SEED)
    return home


def test_duplicates_only_where_the_roll_has_non_respondents() -> None:
    # 2,000 respondents in a cell whose every pupil answered (slack 0) and 2,000 in a cell with 3
    # non-respondents: at 0.5% about 10 of each are drawn to answer twice, so only the slack limits them.
    people = pl.DataFrame(
        {
            "roll_cell": np.repeat([0, 1], 2000),
            "cell_slack": np.repeat([0, 3], 2000),
        }
    )
    rows = _duplicated(people, np.random.default_rng(1))
    cells = people["roll_cell"].to_numpy()[rows]
    assert (cells == 0).sum() == 0
    assert (cells == 1).sum() == 3


@pytest.mark.parametrize("la_code", ["S12000005", "S12000040"])
def test_generated_delivery_passes_the_roll_rule(tiny_seed_11: Path, la_code: str) -> None:
    _, problems = parse_delivery(tiny_seed_11 / "landing" / "2015-16" / la_code)
    assert [str(p) for p in problems if p.rule == "roll"] == []
    assert not [p for p in problems if p.is_error]
