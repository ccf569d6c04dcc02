"""Public ceilings: what the rolls alone allow, carried through the relations an attacker knows."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from rcs_pipeline.disclosure.system import CountSystem, public_ceilings


def test_roll_reaches_linked_counts_through_identities() -> None:
    """x0 = school respondents (roll 8); x1 = the same children in the linkage table (x1 − x0 = 0);
    x2 = linked ≤ x1; x3 + x4 = x2 (exact and probabilistic). Every ceiling is the roll, 8."""
    equalities = sp.csr_matrix(np.array([[-1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 1.0, 1.0]]))
    system = CountSystem(
        values=np.array([7, 7, 7, 7, 0]),
        rank=np.zeros(5, np.int64),
        upper=np.array([8.0, np.inf, np.inf, np.inf, np.inf]),
        frozen=np.zeros(5, bool),
        equalities=equalities,
        rhs=np.zeros(2),
        at_most=np.array([[2, 1]]),
        couples=np.zeros((0, 2), np.int64),
        complements=np.zeros((0, 2), np.int64),
    )
    assert public_ceilings(system).tolist() == [8.0, 8.0, 8.0, 8.0, 8.0]


def test_identity_with_data_on_its_right_hand_side_is_not_used() -> None:
    """A relation whose right-hand side is a data value would leak it: x0 + x1 = 5 gives no ceiling."""
    system = CountSystem(
        values=np.array([2, 3]),
        rank=np.zeros(2, np.int64),
        upper=np.array([np.inf, np.inf]),
        frozen=np.zeros(2, bool),
        equalities=sp.csr_matrix(np.array([[1.0, 1.0]])),
        rhs=np.array([5.0]),
        at_most=np.zeros((0, 2), np.int64),
        couples=np.zeros((0, 2), np.int64),
        complements=np.zeros((0, 2), np.int64),
    )
    assert np.isinf(public_ceilings(system)).all()
