"""The warm attacker LP: a solve that ends without an optimum is repeated afresh before it is an error."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from rcs_pipeline.disclosure.lp import WarmLP


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
    lp._highs = _StallsOnce(lp._highs)
    assert lp.solve(np.array([-1.0, 0.0]))[0] == pytest.approx(7.0)
    assert lp.solve(np.array([1.0, 0.0]))[0] == pytest.approx(0.0)  # and the warm path works again after


def test_an_lp_with_no_optimum_even_afresh_is_an_error() -> None:
    lp = _lp()
    lp._highs = _StallsOnce(lp._highs, stalls=2)
    with pytest.raises(RuntimeError, match="attacker LP failed"):
        lp.solve(np.array([-1.0, 0.0]))
