"""The attacker LP kept warm in HiGHS, one model per block of independent columns: only the costs change.

The audit optimises hundreds of objectives over the same constraints. Re-solving from scratch (scipy's
linprog) repeats presolve and the whole simplex every time; keeping HiGHS models and changing only the
costs lets the simplex start from the last optimal basis, which stays feasible, so each solve costs a
handful of pivots.

The polytope splits into components that share no constraint (suppressed cells linked through
relations among suppressed cells only), and the audit's later rounds change the costs of a few components at a
time. One model over everything would still price and refactor every column in each of those solves, so
the columns are packed into blocks of whole components, each its own warm model, and a solve re-optimises
only the blocks whose costs changed. The LP is separable over blocks, so a block whose costs did not
change is already optimal at its last point: the same optimum a single model would keep.
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

BLOCK_COLUMNS = 128  # components are packed into blocks of about this many columns (a larger one stays whole)


def column_blocks(matrix: sp.spmatrix, target: int = BLOCK_COLUMNS) -> np.ndarray:
    """Block number of each column: whole components (columns sharing a row), packed in order up to `target`.

    Example: rows x0 + x1 = 5 and x2 + x3 = 4 with target 2 give blocks [0, 0, 1, 1]; with target 4, [0, 0, 0, 0].
    """
    rows, cols = matrix.shape
    pattern = sp.csr_matrix(matrix, copy=True)
    pattern.data = np.ones_like(pattern.data)
    graph = (
        sp.bmat([[None, pattern.T], [pattern, None]], format="csr") if rows else sp.csr_matrix((cols, cols))
    )
    _, label = connected_components(graph, directed=False)
    component = label[:cols]
    # renumber components in order of their first column, so blocks follow the column order
    _, first, inverse = np.unique(component, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    component = order[inverse]
    sizes = np.bincount(component)
    block_of_component = np.empty(sizes.size, np.int64)
    block, filled = 0, 0
    for c, size in enumerate(sizes):
        if filled and filled + size > target:
            block, filled = block + 1, 0
        block_of_component[c] = block
        filled += size
    return block_of_component[component]


class _Block:
    """One HiGHS model over some columns and the rows they hold, re-solved from its last basis."""

    def __init__(
        self,
        matrix: sp.csc_matrix,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        matrix = matrix.tocsc()
        matrix.sort_indices()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = int(matrix.shape[1]), int(matrix.shape[0])
        lp.col_cost_ = np.zeros(matrix.shape[1])
        lp.col_lower_, lp.col_upper_ = np.asarray(lower, float), np.asarray(upper, float)
        lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, float), np.asarray(row_upper, float)
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
        """An optimal x of this block for cost (the previous basis is the starting point)."""
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


class WarmLP:
    """min c·x subject to A_eq x = b_eq, A_ub x ≤ b_ub, lower ≤ x ≤ upper, solved repeatedly for new c.

    Example: WarmLP(A, b, G, h, lo, hi).solve(c) is an optimal x; a second solve for a c that changes only
    one component's costs re-optimises only that component's block.
    """

    def __init__(
        self,
        a_eq: sp.csr_matrix,
        b_eq: np.ndarray,
        a_ub: sp.csr_matrix,
        b_ub: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        block_columns: int = BLOCK_COLUMNS,
    ) -> None:
        matrix = sp.vstack([a_eq, a_ub]).tocsr()
        row_lower = np.concatenate([b_eq, np.full(b_ub.size, -highspy.kHighsInf)]).astype(float)
        row_upper = np.concatenate([b_eq, b_ub]).astype(float)
        lower, upper = np.asarray(lower, float), np.asarray(upper, float)
        self.size = int(matrix.shape[1])
        self._block_of = column_blocks(matrix, block_columns)
        first = matrix.indices[np.minimum(matrix.indptr[:-1], max(matrix.nnz - 1, 0))] if matrix.nnz else None
        empty = np.diff(matrix.indptr) == 0  # a row without variables binds no column
        row_block = (
            np.full(matrix.shape[0], -1) if first is None else np.where(empty, -1, self._block_of[first])
        )
        if ((row_block < 0) & ((row_lower > 0) | (row_upper < 0))).any():
            raise ValueError("attacker LP: a row without variables that 0 does not satisfy")
        self._columns: list[np.ndarray] = []
        self._blocks: list[_Block] = []
        for block in range(int(self._block_of.max(initial=-1)) + 1):
            cols, rows = np.flatnonzero(self._block_of == block), np.flatnonzero(row_block == block)
            self._columns.append(cols)
            self._blocks.append(
                _Block(matrix[rows][:, cols], row_lower[rows], row_upper[rows], lower[cols], upper[cols])
            )
        self._cost = np.full(self.size, np.nan)  # costs of the last solve (nan: never solved)
        self._x = np.zeros(self.size)

    def solve(self, cost: np.ndarray) -> np.ndarray:
        """An optimal x for cost: the blocks whose costs changed are re-optimised, the others keep their point."""
        cost = np.asarray(cost, float)
        changed = np.unique(self._block_of[cost != self._cost])
        for block in changed:
            cols = self._columns[block]
            self._x[cols] = self._blocks[block].solve(cost[cols])
        self._cost = cost.copy()
        return self._x.copy()
