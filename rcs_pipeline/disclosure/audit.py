"""The attacker audit of docs/architecture.md §8: the interval each suppressed count can be narrowed to, by linear programming.

The attacker knows every published count exactly (a rounded percentage with its base is treated as
revealing its numerator exactly, which can only over-protect), every relation of the CountSystem
(equalities, and the inequalities G x ≤ 0 such as a service group counted within "any service", or, where
rules.yaml `base_within_respondents` says so, an estimate's printed base within its area's respondents), that
counts are ≥ 0, that a numerator is ≤ its
base and a respondent count ≤ the public roll, and any further published fact given as `SideInformation`
(rows R x ≤ h: a rounded percentage printed beside a withheld count, side_information.py). For each
suppressed count x (and, when both are suppressed, the complement base − x) the audit solves
min x and max x over that polytope (integer relaxation, solved with HiGHS).

Criterion: with lo = ⌈min⌉ and hi = ⌊max⌋ the attacker learns x ∈ {lo, …, hi}. The count is protected
when hi − lo ≥ min_cell, i.e. at least min_cell + 1 values stay possible (the narrowest interval the rules
themselves leave: two suppressed cells under a published total of min_cell). A narrower interval fails
whatever the value, zeros included: a withheld cell pinned to {0} tells the reader that no child of a
group the rules withheld is counted (a group attribute the publication promised to keep). One exception
passes: an interval as wide as public knowledge alone allows (0 to a small public school roll) means the
published tables taught the attacker nothing.

Speed: the relations split into independent components (connected through suppressed variables only);
a few sweep objectives give feasible points that already certify most intervals as wide enough, and the
remaining exact optimisations are stacked one per component into each round of one HiGHS model kept
warm between rounds (lp.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from rcs_pipeline.disclosure.lp import WarmLP
from rcs_pipeline.disclosure.system import CountSystem, public_ceilings

TOLERANCE = 1e-6
SWEEPS = 8


@dataclass(frozen=True)
class Failure:
    """A suppressed count (or complement) that the attacker can pin down to fewer than min_cell + 1 values."""

    var: int
    kind: str  # 'count' or 'complement'
    low: int
    high: int


@dataclass(frozen=True)
class SideInformation:
    """Published facts beyond the tables' exact counts, as rows `rows @ x ≤ rhs` over the system's variables.

    Example: a response rate of 23% printed for a school of roll 40 whose respondents x are withheld gives the
    rows 200·x ≤ 47·40 − 1 and −200·x ≤ −45·40 (x ∈ {9}); `source` names each row's kind ('rounding', …).
    """

    rows: sp.csr_matrix
    rhs: np.ndarray
    source: np.ndarray

    @classmethod
    def empty(cls, size: int) -> SideInformation:
        """No side information over `size` variables."""
        return cls(sp.csr_matrix((0, size)), np.zeros(0), np.zeros(0, dtype=object))

    @classmethod
    def concat(cls, parts: list[SideInformation], size: int) -> SideInformation:
        """Every row of every part."""
        if not parts:
            return cls.empty(size)
        return cls(
            sp.vstack([p.rows for p in parts]).tocsr(),
            np.concatenate([p.rhs for p in parts]),
            np.concatenate([p.source for p in parts]),
        )

    def only(self, *sources: str) -> SideInformation:
        """The rows of the given sources."""
        keep = np.flatnonzero(np.isin(self.source, list(sources)))
        return SideInformation(self.rows[keep], self.rhs[keep], self.source[keep])


@dataclass(frozen=True)
class AuditResult:
    """What the audit checked and found; `passed` when no failures."""

    cells_checked: int
    intervals_checked: int
    narrowest: float | None  # narrowest proven width (certified widths are lower bounds)
    lp_solves: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No suppressed count can be recovered to within min_cell."""
        return not self.failures


def attacker_intervals(
    system: CountSystem,
    hidden: np.ndarray,
    min_cell: int,
    focus: np.ndarray | None = None,
    budget_rounds: int | None = None,
    side: SideInformation | None = None,
) -> AuditResult:
    """Audit every hidden variable of `system` under the published relations; see the module docstring.

    With `focus` (variable ids), only the components containing one of them are audited: components
    without a newly hidden variable are unchanged since their last audit. `side` adds published facts.
    """
    columns = np.flatnonzero(hidden)
    if columns.size == 0:
        return AuditResult(0, 0, None, 0)
    problem = _Problem.build(system, hidden, columns, side)
    objectives = _objectives(system, hidden, columns)
    tracker = _Tracker(objectives, problem.truth, min_cell, _public_ceiling(system, columns, objectives))
    comps = np.unique(problem.component)
    if focus is not None:
        index = np.full(system.size, -1, np.int64)
        index[columns] = np.arange(columns.size)
        focused = index[np.asarray(focus, np.int64)]
        comps = np.unique(problem.component[focused[focused >= 0]])
    tracker.restrict(np.isin(problem.component[objectives.first], comps))
    lp = problem.sub_lp(comps)
    solves = 0
    for sweep in range(SWEEPS):
        if tracker.certified().all() or lp.cols.size == 0:
            break
        tracker.observe(lp.solve(_sweep_vector(columns.size, sweep)))
        solves += 1
    solves += _exact_rounds(problem, lp, tracker, budget_rounds)
    return tracker.result(columns, solves)


@dataclass
class _Problem:
    """The LP over hidden variables only: equalities, inequalities, bounds and the component of each variable."""

    a_eq: sp.csr_matrix
    b_eq: np.ndarray
    a_ub: sp.csr_matrix
    b_ub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    truth: np.ndarray
    component: np.ndarray
    eq_component: np.ndarray
    ub_component: np.ndarray

    def rows_of(self, comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Equality and inequality rows of the given components."""
        return (
            np.flatnonzero(np.isin(self.eq_component, comps)),
            np.flatnonzero(np.isin(self.ub_component, comps)),
        )

    @classmethod
    def build(
        cls, system: CountSystem, hidden: np.ndarray, columns: np.ndarray, side: SideInformation | None = None
    ) -> _Problem:
        """Fix published variables at their values and keep the relations that touch a hidden one."""
        index = np.full(system.size, -1, np.int64)
        index[columns] = np.arange(columns.size)
        a = system.equalities.tocsc()
        a_hidden = a[:, columns].tocsr()
        b = system.rhs - a[:, ~hidden] @ system.values[~hidden].astype(float)
        keep = np.flatnonzero(np.diff(a_hidden.indptr) > 0)
        a_eq, b_eq = a_hidden[keep], b[keep]
        truth = system.values[columns].astype(float)
        lower = np.zeros(columns.size)
        cap = float(system.values.sum() + 10 * max(int(system.values.max(initial=0)), 1) + 1_000)
        upper = np.minimum(system.upper[columns], cap)
        part, whole = system.at_most[:, 0], system.at_most[:, 1]
        both = hidden[part] & hidden[whole]
        only_part = hidden[part] & ~hidden[whole]
        only_whole = ~hidden[part] & hidden[whole]
        np.minimum.at(upper, index[part[only_part]], system.values[whole[only_part]].astype(float))
        np.maximum.at(lower, index[whole[only_whole]], system.values[part[only_whole]].astype(float))
        k = int(both.sum())
        rows = np.repeat(np.arange(k), 2)
        cols = np.column_stack([index[part[both]], index[whole[both]]]).ravel()
        pairs_ub = sp.csr_matrix((np.tile([1.0, -1.0], k), (rows, cols)), shape=(k, columns.size))
        g = system.inequalities.tocsc()
        g_hidden = g[:, columns].tocsr()
        g_rhs = -(g[:, ~hidden] @ system.values[~hidden].astype(float))
        touching = np.flatnonzero(np.diff(g_hidden.indptr) > 0)
        s_hidden, s_rhs = _side_rows(system, hidden, columns, side)
        a_ub = sp.vstack([pairs_ub, g_hidden[touching], s_hidden]).tocsr()
        b_ub = np.concatenate([np.zeros(k), g_rhs[touching], s_rhs])
        pattern = sp.vstack([abs(a_eq), abs(a_ub)]).tocsr()
        link = (pattern.T @ pattern).tocsr()
        _, component = connected_components(link, directed=False)
        return cls(
            a_eq,
            b_eq,
            a_ub,
            b_ub,
            lower,
            upper,
            truth,
            component,
            _row_component(a_eq, component),
            _row_component(a_ub, component),
        )

    def sub_lp(self, comps: np.ndarray) -> _SubLP:
        """A warm HiGHS model of the given components only."""
        eq_rows, ub_rows = self.rows_of(comps)
        cols = np.flatnonzero(np.isin(self.component, comps))
        lp = WarmLP(
            self.a_eq[eq_rows][:, cols],
            self.b_eq[eq_rows],
            self.a_ub[ub_rows][:, cols],
            self.b_ub[ub_rows],
            self.lower[cols],
            self.upper[cols],
        )
        return _SubLP(lp, cols, self.truth)


@dataclass
class _SubLP:
    """The audited components' LP and where its columns sit among all hidden variables."""

    lp: WarmLP
    cols: np.ndarray
    truth: np.ndarray

    def solve(self, cost: np.ndarray) -> np.ndarray:
        """Minimise cost·x (cost over every hidden variable); x on every hidden variable."""
        x = self.truth.copy()
        if self.cols.size:
            x[self.cols] = self.lp.solve(cost[self.cols])
        return x


def _side_rows(
    system: CountSystem, hidden: np.ndarray, columns: np.ndarray, side: SideInformation | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Side-information rows over the hidden variables (published ones moved to the right-hand side).

    A row the true counts break is an error, not dropped: a published fact the data do not satisfy means the
    side information was derived wrongly, and the blocking audit must fail closed.
    """
    if side is None or side.rows.shape[0] == 0:
        return sp.csr_matrix((0, columns.size)), np.zeros(0)
    rows = side.rows.tocsc()
    broken = rows @ system.values.astype(float) > side.rhs + TOLERANCE
    if broken.any():
        raise ValueError(f"{int(broken.sum())} side-information row(s) are broken by the true counts")
    on_hidden = rows[:, columns].tocsr()
    rhs = side.rhs - rows[:, ~hidden] @ system.values[~hidden].astype(float)
    touching = np.flatnonzero(np.diff(on_hidden.indptr) > 0)
    return on_hidden[touching], rhs[touching]


def exact_intervals(
    system: CountSystem, hidden: np.ndarray, side: SideInformation | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hidden variable ids, exact min, exact max) of every hidden count: two LP solves each, no shortcuts.

    For tests and investigations on small tables (the blocking audit certifies most intervals cheaply instead).
    """
    columns = np.flatnonzero(hidden)
    low, high = np.zeros(columns.size), np.zeros(columns.size)
    if columns.size == 0:
        return columns, low, high
    problem = _Problem.build(system, hidden, columns, side)
    lp = problem.sub_lp(np.unique(problem.component))
    for j in range(columns.size):
        cost = np.zeros(columns.size)
        cost[j] = 1.0
        low[j] = lp.solve(cost)[j]
        high[j] = lp.solve(-cost)[j]
    return columns, low, high


def _row_component(matrix: sp.csr_matrix, component: np.ndarray) -> np.ndarray:
    """Component of each row (rows touch one component by construction)."""
    first = matrix.indices[matrix.indptr[:-1]] if matrix.shape[0] else np.zeros(0, np.int64)
    return component[first] if first.size else np.zeros(0, np.int64)


@dataclass(frozen=True)
class _Objectives:
    """Rows over hidden variables, the system variable each protects, and its kind."""

    matrix: sp.csr_matrix
    owner: np.ndarray
    kinds: np.ndarray

    @property
    def first(self) -> np.ndarray:
        """A hidden column of each objective (all its columns share one component)."""
        return self.matrix.indices[self.matrix.indptr[:-1]]


def _objectives(system: CountSystem, hidden: np.ndarray, columns: np.ndarray) -> _Objectives:
    """One row per protected quantity: each hidden count, and whole − part when both are hidden."""
    index = np.full(system.size, -1, np.int64)
    index[columns] = np.arange(columns.size)
    part, whole = system.complements[:, 0], system.complements[:, 1]
    both = hidden[part] & hidden[whole]
    k = int(both.sum())
    units = sp.identity(columns.size, format="csr")
    comp = sp.csr_matrix(
        (
            np.tile([-1.0, 1.0], k),
            (np.repeat(np.arange(k), 2), np.column_stack([index[part[both]], index[whole[both]]]).ravel()),
        ),
        shape=(k, columns.size),
    )
    return _Objectives(
        sp.vstack([units, comp]).tocsr(),
        np.concatenate([columns, part[both]]),
        np.array(["count"] * columns.size + ["complement"] * k),
    )


def _public_ceiling(system: CountSystem, columns: np.ndarray, objectives: _Objectives) -> np.ndarray:
    """The largest value public knowledge alone allows each objective (a respondent count ≤ the public roll;
    a complement whole − part ≤ the whole's ceiling, e.g. a circles base within a school's small roll)."""
    public = np.floor(public_ceilings(system) + TOLERANCE)
    hidden = np.zeros(system.size, bool)
    hidden[columns] = True
    part, whole = system.complements[:, 0], system.complements[:, 1]
    both = hidden[part] & hidden[whole]
    return np.concatenate([public[columns], public[whole[both]]])


def _sweep_vector(size: int, sweep: int) -> np.ndarray:
    """Deterministic objectives in ± pairs (all ones, then seeded random signs) pushing many variables at once."""
    pattern = np.ones(size) if sweep < 2 else np.random.default_rng(sweep // 2).choice([-1.0, 1.0], size)
    return pattern if sweep % 2 == 0 else -pattern


class _Tracker:
    """Observed (feasible) and proven (optimal) ranges of every objective."""

    def __init__(
        self, objectives: _Objectives, truth: np.ndarray, min_cell: int, ceiling: np.ndarray
    ) -> None:
        self.objectives = objectives.matrix
        self.ceiling = ceiling
        self.owner, self.kinds = objectives.owner, objectives.kinds
        self.min_cell = min_cell
        start = self.objectives @ truth
        self.seen_low, self.seen_high = start.copy(), start.copy()
        self.exact_low = np.zeros(start.size, bool)
        self.exact_high = np.zeros(start.size, bool)
        self.active = np.ones(start.size, bool)

    def restrict(self, active: np.ndarray) -> None:
        """Audit only these objectives (the others belong to components audited before)."""
        self.active = active

    def observe(self, x: np.ndarray) -> None:
        """Widen observed ranges with a feasible point."""
        values = self.objectives @ x
        np.minimum(self.seen_low, values, out=self.seen_low)
        np.maximum(self.seen_high, values, out=self.seen_high)

    def certified(self) -> np.ndarray:
        """Objectives whose observed integer range already spans min_cell, or all that public bounds allow."""
        low = np.ceil(self.seen_low - TOLERANCE)
        high = np.floor(self.seen_high + TOLERANCE)
        return (self._width() >= self.min_cell) | ((low <= 0) & (high >= self.ceiling)) | ~self.active

    def _width(self) -> np.ndarray:
        return np.floor(self.seen_high + TOLERANCE) - np.ceil(self.seen_low - TOLERANCE)

    def pending(self) -> tuple[np.ndarray, np.ndarray]:
        """Objectives still needing an exact max and an exact min."""
        open_ = ~self.certified()
        return np.flatnonzero(open_ & ~self.exact_high), np.flatnonzero(open_ & ~self.exact_low)

    def result(self, columns: np.ndarray, solves: int) -> AuditResult:
        """Failures: intervals narrower than min_cell (zero intervals too) that public knowledge alone does not give."""
        width = self._width()
        high = np.floor(self.seen_high + TOLERANCE)
        low = np.ceil(self.seen_low - TOLERANCE)
        exempt = ((low <= 0) & (high >= self.ceiling)) | ~self.active
        proven = self.exact_low & self.exact_high
        narrow = (width < self.min_cell) & ~exempt
        failed, unproven = np.flatnonzero(narrow & proven), np.flatnonzero(narrow & ~proven)
        judged = width[self.active & ~exempt]
        failures = [
            Failure(int(self.owner[i]), str(self.kinds[i]), int(low[i]), int(high[i])) for i in failed
        ]
        failures += [Failure(int(self.owner[i]), "unproven", int(low[i]), int(high[i])) for i in unproven]
        checked = self.objectives[np.flatnonzero(self.active)]
        return AuditResult(
            int(np.unique(checked.indices).size),
            int(self.active.sum()),
            float(judged.min()) if judged.size else None,
            solves,
            failures,
        )


def _exact_rounds(problem: _Problem, lp: _SubLP, tracker: _Tracker, budget_rounds: int | None = None) -> int:
    """Optimise each uncertified objective exactly, one per component per round of the warm LP.

    At most `budget_rounds` rounds (a count, not a clock, so the same tables give the same verdict on any
    machine under any load); what is left unproven is reported as such.
    """
    solves = 0
    obj_component = problem.component[tracker.objectives.indices[tracker.objectives.indptr[:-1]]]
    if obj_component.size == 0:
        return 0
    for sign, exact in ((-1.0, tracker.exact_high), (1.0, tracker.exact_low)):
        while True:
            todo = tracker.pending()[0 if sign < 0 else 1]
            if todo.size == 0 or (budget_rounds is not None and solves >= budget_rounds):
                break
            # the first pending objective of each component
            _, first = np.unique(obj_component[todo], return_index=True)
            chosen = todo[first]
            cost = sign * np.asarray(tracker.objectives[chosen].sum(axis=0)).ravel()
            x = lp.solve(cost)
            solves += 1
            tracker.observe(x)
            exact[chosen] = True
    return solves
