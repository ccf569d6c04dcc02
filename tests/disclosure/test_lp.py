"""The warm attacker LP: blocks of independent columns, and a solve that ends without an optimum is repeated afresh."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from rcs_pipeline.disclosure.lp import WarmLP, column_blocks


class _StallsOnce:
    """A HiGHS stand-in whose first run ends 'Unknown', as the warm primal simplex did on a degenerate basis."""

    def __init__(self, highs: highspy.Highs, stalls: int = 1) -> None:
        self.highs, self.stalls = highs, stalls

    def getModelStatus(self) -> highspy.HighsModelStatus:
        if self.stalls:
            self.stalls -= 1
            return highspy.HighsModelStatus.kUnknown
        return self.highs.getModelStatus()

    def __getattr__(self, name: str):
        return getattr(self.highs, name)


def _lp() -> WarmLP:
    """x + y = 10, 0 ≤ x ≤ 7, 0 ≤ y ≤ 10: x ranges over 0..7."""
    return WarmLP(
        sp.csr_matrix([[1.0, 1.0]]),
        np.array([10.0]),
        sp.csr_matrix((0, 2)),
        np.array([]),
        np.zeros(2),
        np.array([7.0, 10.0]),
    )


def test_a_stalled_warm_solve_is_solved_afresh() -> None:
    lp = _lp()
    lp._blocks[0]._highs = _StallsOnce(lp._blocks[0]._highs)
    assert lp.solve(np.array([-1.0, 0.0]))[0] == pytest.approx(7.0)
    assert lp.solve(np.array([1.0, 0.0]))[0] == pytest.approx(0.0)  # and the warm path works again after


def test_an_lp_with_no_optimum_even_afresh_is_an_error() -> None:
    lp = _lp()
    lp._blocks[0]._highs = _StallsOnce(lp._blocks[0]._highs, stalls=2)
    with pytest.raises(RuntimeError, match="attacker LP failed"):
        lp.solve(np.array([-1.0, 0.0]))


def _two_components() -> WarmLP:
    """x0 + x1 = 10 (x0 ≤ 7) and x2 + x3 = 4 with x2 ≤ x3 + 2: two independent components, one block each."""
    return WarmLP(
        sp.csr_matrix([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]),
        np.array([10.0, 4.0]),
        sp.csr_matrix([[0.0, 0.0, 1.0, -1.0]]),
        np.array([2.0]),
        np.zeros(4),
        np.array([7.0, 10.0, 10.0, 10.0]),
        block_columns=2,
    )


def test_columns_sharing_a_row_stay_in_one_block_and_blocks_pack_whole_components() -> None:
    rows = sp.csr_matrix([[1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.0]])  # {0, 3}, {1, 2}, {4}
    assert column_blocks(rows, target=2).tolist() == [0, 1, 1, 0, 2]
    assert column_blocks(rows, target=3).tolist() == [0, 1, 1, 0, 1]  # {1, 2} and {4} share the second
    assert column_blocks(rows, target=4).tolist() == [0, 0, 0, 0, 1]
    assert column_blocks(rows, target=100).tolist() == [0, 0, 0, 0, 0]
    assert column_blocks(sp.csr_matrix((0, 3)), target=1).tolist() == [0, 1, 2]


def test_each_block_is_optimised_as_one_lp_would_be() -> None:
    lp = _two_components()
    assert len(lp._blocks) == 2
    # min x0 and max x2: x0 = 0 (x1 = 10), x2 = 3 (x2 + x3 = 4, x2 − x3 ≤ 2)
    x = lp.solve(np.array([1.0, 0.0, -1.0, 0.0]))
    assert x == pytest.approx([0.0, 10.0, 3.0, 1.0])
    x = lp.solve(np.array([-1.0, 0.0, 1.0, 0.0]))  # max x0, min x2
    assert x == pytest.approx([7.0, 3.0, 0.0, 4.0])


class _NotAgain:
    """A block that must not be solved again."""

    def solve(self, cost: np.ndarray) -> np.ndarray:
        raise AssertionError("a block with unchanged costs was solved again")


def test_a_block_whose_costs_did_not_change_is_not_solved_again() -> None:
    lp = _two_components()
    lp.solve(np.array([1.0, 0.0, -1.0, 0.0]))
    lp._blocks[1] = _NotAgain()
    x = lp.solve(np.array([-1.0, 0.0, -1.0, 0.0]))  # only x0's cost changed
    assert x == pytest.approx([7.0, 3.0, 3.0, 1.0])
