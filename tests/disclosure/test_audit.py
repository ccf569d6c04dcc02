"""The attacker audit: intervals by linear programming, on systems whose answer is worked out by hand."""

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, attacker_intervals, families, protect_council
from rcs_pipeline.disclosure.families import NEED_CIRCLES
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.settings import load_rules
from rcs_pipeline.disclosure.system import SystemBuilder
from tests.disclosure.handmade import COUNCIL, circle_rows, council_tables, estimate_rows, schools


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


def _two_needs_of_one_service() -> pl.DataFrame:
    """Two need × any-service tables of the same 100 children: 35 receive a service in both (the cross identity)."""
    return pl.DataFrame([
        *circle_rows("council", COUNCIL, {"need_with_service": 5, "need_without_service": 20,
                                          "service_without_need": 30, "neither": 45}, need="need_any"),
        *circle_rows("council", COUNCIL, {"need_with_service": 15, "need_without_service": 10,
                                          "service_without_need": 20, "neither": 55}, need="need_sdq_high"),
    ])


def test_another_need_table_reveals_a_circle_its_own_table_protects(monkeypatch: pytest.MonkeyPatch):
    """Hiding 5 and 20 in the any-need table leaves each in 0..25 within it; but every table counts the same
    35 children with a service, so 35 − 30 = 5 gives the hidden circle away. The audit must see it."""
    circles = _two_needs_of_one_service()

    def audit(cross_identities: bool) -> list[tuple[str, int, int]]:
        rules = {**load_rules(), "three_circles_cross_identities": cross_identities}
        monkeypatch.setattr(families, "load_rules", lambda: rules)
        built = council_system(council_tables(three_circles=circles), schools({}), COUNCIL, DisclosureSettings())
        tc = built.tables["three_circles"]
        hidden = np.zeros(built.system.size, bool)
        chosen = tc.filter((pl.col("need") == "need_any") & (pl.col("circle").is_in(NEED_CIRCLES)))
        hidden[chosen["c_var"].to_numpy()] = True
        result = attacker_intervals(built.system, hidden, min_cell=10)
        return sorted((f.kind, f.low, f.high) for f in result.failures)

    assert audit(cross_identities=False) == []
    assert audit(cross_identities=True) == [("count", 5, 5), ("count", 20, 20)]


def test_protection_of_two_need_tables_survives_the_cross_identity():
    """protect_council finds a pattern that the audit, cross identities included, proves."""
    assert load_rules()["three_circles_cross_identities"] is True
    result = protect_council(council_tables(three_circles=_two_needs_of_one_service()), schools({}), COUNCIL,
                             DisclosureSettings())
    published = result.published["published_three_circles"]
    assert published.filter(pl.col("need") == "need_any", pl.col("circle") == "need_with_service")["suppressed"].item()
    assert result.audit.passed
