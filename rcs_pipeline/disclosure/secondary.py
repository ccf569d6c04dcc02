"""Secondary suppression: hide further counts until no suppressed count is pinned by a published relation.

The classic iterative method: while some relation (parent = Σ children, or two tables counting the same
children) has exactly one hidden variable, that variable is recoverable from the others, so hide the
cheapest other variable of the relation (lowest geography level, then smallest count, then first in the
table: deterministic). Then the attacker audit (audit.py) looks at the combinations this local rule
cannot see, and `protect` hides one more cheap neighbour of each cell it finds too narrow, until it passes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from rcs_pipeline.disclosure.audit import AuditResult, Failure, attacker_intervals
from rcs_pipeline.disclosure.system import CountSystem


def cost_order(system: CountSystem) -> np.ndarray:
    """Position of each variable in the cheapest-first order (rank, then value, then id)."""
    order = np.lexsort((np.arange(system.size), system.values, system.rank))
    position = np.empty(system.size, np.int64)
    position[order] = np.arange(system.size)
    return position


def close_couples(system: CountSystem, hidden: np.ndarray) -> np.ndarray:
    """Hide what a hidden variable carries (a hidden base hides its numerator and percentages)."""
    hidden = hidden.copy()
    first, second = system.couples[:, 0], system.couples[:, 1]
    while True:
        newly = hidden[first] & ~hidden[second]
        if not newly.any():
            return hidden
        hidden[second[newly]] = True


def suppress_secondary(system: CountSystem, hidden: np.ndarray) -> np.ndarray:
    """Hide the cheapest other member of every relation with exactly one hidden member, until stable.

    Example: a cluster of two schools with the cluster total published: if school A (n=12) is hidden, the
    relation cluster = A + B has one hidden member, so B (the cheapest other member at school level) is
    hidden too.
    """
    hidden = close_couples(system, hidden)
    pattern = _pattern(system.equalities)
    carried = sp.csr_matrix(
        (np.ones(len(system.couples)), (system.couples[:, 0], system.couples[:, 1])),
        shape=(system.size, system.size),
    )
    position = cost_order(system)
    hideable = ~system.frozen
    while True:
        counts = pattern @ hidden.astype(np.int64)
        flagged = np.flatnonzero(counts == 1)
        changed = False
        for eq in flagged:
            members = pattern.indices[pattern.indptr[eq] : pattern.indptr[eq + 1]]
            if hidden[members].sum() != 1:
                continue
            candidates = members[~hidden[members] & hideable[members]]
            if candidates.size == 0:
                continue  # nothing hideable here: the audit reports the cell
            pick = candidates[np.argmin(position[candidates])]
            hidden[pick] = True
            hidden[carried.indices[carried.indptr[pick] : carried.indptr[pick + 1]]] = True
            changed = True
        if not changed:
            return hidden


def _pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """0/1 membership matrix of the non-zero coefficients, rows sorted."""
    pattern = matrix.copy()
    pattern.eliminate_zeros()
    pattern.data = np.ones_like(pattern.data)
    pattern.sort_indices()
    return pattern.astype(np.int64).tocsr()


def repair_choices(
    system: CountSystem, hidden: np.ndarray, failing: np.ndarray, stubborn: np.ndarray | None = None
) -> np.ndarray:
    """For each failing hidden variable, the cheapest hideable published variable sharing a relation with it.

    A `stubborn` variable (one that a previous repair did not protect) gets every hideable published
    variable of its relations instead, so a repair cannot stall on picks that never widen its interval.
    """
    stubborn_set = set() if stubborn is None else {int(v) for v in stubborn}
    pattern = _pattern(system.relations)
    by_var = pattern.T.tocsr()
    position = cost_order(system)
    picks: set[int] = set()
    for var in np.unique(failing):
        frontier, seen = np.array([var]), {int(var)}
        while frontier.size:
            eqs = np.unique(
                np.concatenate([by_var.indices[by_var.indptr[v] : by_var.indptr[v + 1]] for v in frontier])
            )
            members = (
                np.unique(
                    np.concatenate([pattern.indices[pattern.indptr[e] : pattern.indptr[e + 1]] for e in eqs])
                )
                if eqs.size
                else np.zeros(0, np.int64)
            )
            candidates = members[~hidden[members] & ~system.frozen[members]]
            if candidates.size:
                if int(var) in stubborn_set:
                    picks.update(int(c) for c in candidates)
                else:
                    picks.add(int(candidates[np.argmin(position[candidates])]))
                break
            # Every neighbour is already hidden: widen the search through them (one relation further).
            frontier = np.array([m for m in members if int(m) not in seen], dtype=np.int64)
            seen.update(int(m) for m in frontier)
    return np.array(sorted(picks), dtype=np.int64)


def bound_choices(
    system: CountSystem, hidden: np.ndarray, failures: list[Failure], min_cell: int
) -> tuple[np.ndarray, np.ndarray]:
    """(published variables to hide, failing variables they serve) for cells narrowed by a published bound.

    A two-member inequality `small ≤ large` with one side published bounds the other: a printed base of 51
    beside withheld respondents (roll 60) leaves 51..60. Hiding the cheapest neighbour seldom moves such a
    bound; hiding the bounding member does: `small` when its value is above the failing `large`'s upper end
    minus min_cell, `large` when below the failing `small`'s lower end plus min_cell.
    """
    counts = [f for f in failures if f.kind == "count"]
    g = system.inequalities.tocsr()
    two = np.flatnonzero(np.diff(g.indptr) == 2)
    if not counts or two.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first, data = g.indices[g.indptr[two]], g.data[g.indptr[two]]
    second = g.indices[g.indptr[two] + 1]
    pair = np.isclose(data, -g.data[g.indptr[two] + 1]) & np.isclose(np.abs(data), 1.0)
    small = np.where(data > 0, first, second)[pair]
    large = np.where(data > 0, second, first)[pair]
    low, high = np.full(system.size, np.nan), np.full(system.size, np.nan)
    for f in counts:
        low[f.var], high[f.var] = f.low, f.high
    values = system.values.astype(float)
    hideable = ~hidden & ~system.frozen
    below = ~np.isnan(high[large]) & hideable[small] & (values[small] > high[large] - min_cell)
    above = ~np.isnan(low[small]) & hideable[large] & (values[large] < low[small] + min_cell)
    picks = np.unique(np.concatenate([small[below], large[above]]))
    served = np.unique(np.concatenate([large[below], small[above]]))
    return picks.astype(np.int64), served.astype(np.int64)


def protect(
    system: CountSystem,
    primary: np.ndarray,
    min_cell: int,
    max_rounds: int = 50,
    budget_rounds: int | None = None,
) -> tuple[np.ndarray, AuditResult]:
    """Primary mask → final hidden mask: secondary suppression, then audit-driven repair until it passes.

    After a repair only the components holding a newly hidden variable are audited again (the others are
    unchanged); the result returned is a full audit of the final mask.
    """
    hidden = suppress_secondary(system, primary)
    result = attacker_intervals(system, hidden, min_cell, budget_rounds=budget_rounds)
    repaired = False
    failed_before = np.zeros(system.size, bool)
    for _ in range(max_rounds):
        proven = np.array([f.var for f in result.failures if f.kind != "unproven"], np.int64)
        if not proven.size:
            break  # passed, or only unfinished intervals left: those cannot guide repairs; the check reports them
        # a cell narrowed by a published bound hides that bound; the others their cheapest neighbour
        bounds, served = bound_choices(system, hidden, result.failures, min_cell)
        rest = proven[~np.isin(proven, served)]
        picks = np.union1d(bounds, repair_choices(system, hidden, rest, stubborn=rest[failed_before[rest]]))
        failed_before[proven] = True
        if picks.size == 0:
            break
        before = hidden.copy()
        hidden[picks] = True
        hidden = suppress_secondary(system, hidden)
        focus = np.concatenate([np.flatnonzero(hidden & ~before), [f.var for f in result.failures]])
        result = attacker_intervals(
            system, hidden, min_cell, focus=focus.astype(np.int64), budget_rounds=budget_rounds
        )
        repaired = True
    # After repairs, one full audit gives the figures reported (narrowest interval over every component).
    return hidden, attacker_intervals(
        system, hidden, min_cell, budget_rounds=budget_rounds
    ) if repaired else result
