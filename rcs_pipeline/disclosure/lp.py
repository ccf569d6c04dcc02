"""One attacker LP kept warm in HiGHS: the polytope is fixed, only the objective changes between solves.

The audit optimises hundreds of objectives over the same constraints. Re-solving from scratch (scipy's
linprog) repeats presolve and the whole simplex every time; keeping one HiGHS model and changing only the
costs lets the simplex start from the last optimal basis, which stays feasible, so each solve costs a
handful of pivots.
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp


class WarmLP:
    """min c·x subject to A_eq x = b_eq, A_ub x ≤ b_ub, lower ≤ x ≤ upper, solved repeatedly for new c."""

    def __init__(
        self,
        a_eq: sp.csr_matrix,
        b_eq: np.ndarray,
        a_ub: sp.csr_matrix,
        b_ub: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        matrix = sp.vstack([a_eq, a_ub]).tocsc()
        matrix.sort_indices()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = int(matrix.shape[1]), int(matrix.shape[0])
        lp.col_cost_ = np.zeros(matrix.shape[1])
        lp.col_lower_, lp.col_upper_ = np.asarray(lower, float), np.asarray(upper, float)
        lp.row_lower_ = np.concatenate([b_eq, np.full(b_ub.size, -highspy.kHighsInf)]).astype(float)
        lp.row_upper_ = np.concatenate([b_eq, b_ub]).astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(float)
        self.size = lp.num_col_
        self._all = np.arange(self.size, dtype=np.int32)
        self._highs = highspy.Highs()
        self._highs.setOptionValue("output_flag", False)
        self._highs.setOptionValue("random_seed", 0)
        # A new cost keeps the last basis primal feasible: primal simplex resumes from it, where the default
        # dual simplex (and presolve) would start nearly afresh.
        self._warm_options()
        self._highs.passModel(lp)

    def _warm_options(self) -> None:
        """Primal simplex from the last basis, no presolve: the fast path for a new objective."""
        self._highs.setOptionValue("presolve", "off")
        self._highs.setOptionValue("simplex_strategy", 4)

    def _solve_cold(self) -> None:
        """Solve afresh (no basis, presolve, dual simplex), then return to the warm options."""
        self._highs.clearSolver()
        self._highs.setOptionValue("presolve", "on")
        self._highs.setOptionValue("simplex_strategy", 1)
        try:
            self._highs.run()
        finally:
            self._warm_options()

    def solve(self, cost: np.ndarray) -> np.ndarray:
        """An optimal x for cost (the previous basis is the starting point)."""
        self._highs.changeColsCost(self.size, self._all, np.asarray(cost, float))
        self._highs.run()
        status = self._highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # The warm primal simplex can stall on a degenerate basis and end "Unknown" (seen on South
            # Lanarkshire's demo tables); the same LP solved afresh is fine.
            self._solve_cold()
            status = self._highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"attacker LP failed ({self._highs.modelStatusToString(status)}); "
                "the true counts must be feasible"
            )
        return np.asarray(self._highs.getSolution().col_value, float)
