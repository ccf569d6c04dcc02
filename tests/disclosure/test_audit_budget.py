"""The attacker audit's budget is a count of exact rounds, so its verdict never depends on the machine's load."""

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import attacker_intervals
from rcs_pipeline.disclosure.audit import SWEEPS
from rcs_pipeline.disclosure.settings import audit_budget
from rcs_pipeline.disclosure.system import CountSystem, SystemBuilder


def _pair_under_nine() -> tuple[CountSystem, np.ndarray]:
    """3 + 6 = 9 with both parts withheld: each is in 0..9, narrower than min_cell 10 (worked by hand)."""
    builder = SystemBuilder()
    ids = builder.add_variables(np.array([9, 3, 6]), np.zeros(3))
    builder.add_relations(pl.DataFrame({"eq": [0, 0, 0], "var": ids.tolist(), "coef": [1.0, -1.0, -1.0]}))
    return builder.build(), np.array([False, True, True])


def test_without_rounds_a_narrow_cell_is_unproven_and_still_fails():
    system, hidden = _pair_under_nine()
    result = attacker_intervals(system, hidden, min_cell=10, budget_rounds=0)
    assert not result.passed
    assert {f.kind for f in result.failures} == {"unproven"}
    assert result.lp_solves <= SWEEPS


def test_with_enough_rounds_the_same_cells_are_proven_narrow():
    system, hidden = _pair_under_nine()
    result = attacker_intervals(system, hidden, min_cell=10, budget_rounds=4)
    assert sorted((f.var, f.kind, f.low, f.high) for f in result.failures) == [
        (1, "count", 0, 9),
        (2, "count", 0, 9),
    ]


def test_a_budget_of_one_round_stops_after_one_exact_round():
    system, hidden = _pair_under_nine()
    unlimited = attacker_intervals(system, hidden, min_cell=10)
    one = attacker_intervals(system, hidden, min_cell=10, budget_rounds=1)
    assert one.lp_solves < unlimited.lp_solves
    assert any(f.kind == "unproven" for f in one.failures)


def test_the_configured_budget_is_a_whole_number_of_rounds():
    assert isinstance(audit_budget(), int) and audit_budget() >= 1000
