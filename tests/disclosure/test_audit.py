"""The attacker audit: intervals by linear programming, on systems whose answer is worked out by hand."""

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import DisclosureSettings, attacker_intervals
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.system import SystemBuilder
from tests.disclosure.handmade import COUNCIL, council_tables, estimate_rows, schools


def test_a_lone_suppressed_breakdown_value_is_recovered_exactly():
    est = estimate_rows([("council", COUNCIL, "all", 100, 40), ("council", COUNCIL, "M", 60, 37),
                         ("council", COUNCIL, "F", 40, 3)])
    built = council_system(council_tables(est), schools({}), COUNCIL, DisclosureSettings())
    result = attacker_intervals(built.system, built.primary, min_cell=10)
    assert [(f.kind, f.low, f.high) for f in result.failures] == [("count", 3, 3)]


def _pair_under_total(total: int, parts: tuple[int, int]) -> tuple[SystemBuilder, np.ndarray]:
    builder = SystemBuilder()
    ids = builder.add_variables(np.array([total, *parts]), np.zeros(3))
    builder.add_relations(pl.DataFrame({"eq": [0, 0, 0], "var": ids.tolist(), "coef": [1.0, -1.0, -1.0]}))
    return builder, np.array([False, True, True])


def test_two_suppressed_cells_under_a_total_of_min_cell_keep_an_interval_of_min_cell():
    builder, hidden = _pair_under_total(10, (3, 7))
    result = attacker_intervals(builder.build(), hidden, min_cell=10)
    assert result.passed and result.narrowest == 10


def test_two_suppressed_cells_under_a_total_below_min_cell_fail():
    builder, hidden = _pair_under_total(9, (3, 6))
    result = attacker_intervals(builder.build(), hidden, min_cell=10)
    assert sorted((f.var, f.low, f.high) for f in result.failures) == [(1, 0, 9), (2, 0, 9)]


def test_children_of_a_published_zero_are_known_to_be_zero_which_the_rules_allow():
    builder, hidden = _pair_under_total(0, (0, 0))
    assert attacker_intervals(builder.build(), hidden, min_cell=10).passed


def test_numerator_bounded_by_published_base():
    # x + y = 30 with x ≤ 4 (its base, published): x ∈ [0, 4], which fails.
    builder = SystemBuilder()
    ids = builder.add_variables(np.array([30, 3, 27, 4]), np.zeros(4))
    builder.add_relations(pl.DataFrame({"eq": [0, 0, 0], "var": ids[:3].tolist(), "coef": [1.0, -1.0, -1.0]}))
    builder.add_pairs("at_most", ids[1:2], ids[3:4])
    result = attacker_intervals(builder.build(), np.array([False, True, True, False]), min_cell=10)
    assert sorted((f.var, f.low, f.high) for f in result.failures) == [(1, 0, 4), (2, 26, 30)]
