"""The published counts of a wave as one linear system: the attacker's knowledge and the suppressor's map.

Every count a published table reveals (an estimate's base `n` and numerator `n_positive`, a three-circles
count or base, respondents, a linkage-quality count) is one variable. Linear relations between them (a
parent equals the sum of its children, the same children counted in two tables) are equalities
`A x = b`; `b` is computed from the true values, so a remainder the tables do not show (children with an
unknown breakdown value) is treated as known to the attacker, which can only over-protect: "the
categories of a breakdown sum to at most 'all'" is implied (the remainder is ≥ 0), and more. Relations a
reader can form that are only inequalities (e.g. children with need and a social-work service are at most
those with need and any service) are rows of `G x ≤ 0`, kept only where the true values satisfy them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp


@dataclass(frozen=True)
class CountSystem:
    """Variables (true counts), their suppression cost, and the relations an attacker can use."""

    values: np.ndarray  # int64, true count of each variable
    rank: np.ndarray  # int64, suppression cost rank (lower is cheaper)
    upper: np.ndarray  # float64, a public upper bound of each variable (inf when none)
    frozen: np.ndarray  # bool, variables whose publication is already fixed (published elsewhere)
    equalities: sp.csr_matrix  # A: one row per relation, coefficients over variables
    rhs: np.ndarray  # b = A @ values
    at_most: np.ndarray  # (k, 2) int: x[a] <= x[b] (numerator ≤ base)
    couples: np.ndarray  # (k, 2) int: suppressing the first forces suppressing the second
    complements: np.ndarray  # (k, 2) int: (part, whole): `whole − part` must be protected as well
    inequalities: sp.csr_matrix | None = None  # G: rows of G x ≤ 0 (sums a reader can bound); None = none

    def __post_init__(self) -> None:
        """No inequalities given: an empty G."""
        if self.inequalities is None:
            object.__setattr__(self, "inequalities", sp.csr_matrix((0, self.size)))

    @property
    def size(self) -> int:
        """Number of variables."""
        return int(self.values.shape[0])

    @property
    def relations(self) -> sp.csr_matrix:
        """Equalities then inequalities: every relation through which hiding one cell can protect another."""
        return sp.vstack([self.equalities, self.inequalities]).tocsr()


class SystemBuilder:
    """Collects variables and relations table by table, then freezes them into a CountSystem."""

    def __init__(self) -> None:
        self._values: list[np.ndarray] = []
        self._rank: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._frozen: list[np.ndarray] = []
        self._terms: list[pl.DataFrame] = []
        self._ineq_terms: list[pl.DataFrame] = []
        self._n_ineq = 0
        self.dropped_inequalities = 0
        self._pairs: dict[str, list[np.ndarray]] = {"at_most": [], "couples": [], "complements": []}
        self._n = 0
        self._n_eq = 0
        self.dropped_identities = 0

    def add_variables(
        self,
        values: pl.Series | np.ndarray,
        rank: pl.Series | np.ndarray,
        upper: np.ndarray | None = None,
        frozen: np.ndarray | None = None,
    ) -> np.ndarray:
        """Register variables with their true values and cost ranks; return their ids."""
        vals = np.asarray(values, dtype=np.int64)
        ids = np.arange(self._n, self._n + vals.shape[0], dtype=np.int64)
        self._n += vals.shape[0]
        self._values.append(vals)
        self._rank.append(np.asarray(rank, dtype=np.int64))
        self._upper.append(
            np.full(vals.shape[0], np.inf) if upper is None else np.asarray(upper, dtype=float)
        )
        self._frozen.append(np.zeros(vals.shape[0], bool) if frozen is None else np.asarray(frozen, bool))
        return ids

    def add_relations(self, terms: pl.DataFrame, *, exact_only: bool = False) -> None:
        """Add equalities given as rows (eq, var, coef); with exact_only, drop any that the true values break."""
        if terms.is_empty():
            return
        terms = terms.select(
            pl.col("eq").cast(pl.Int64), pl.col("var").cast(pl.Int64), pl.col("coef").cast(pl.Float64)
        )
        if exact_only:
            values = np.concatenate(self._values) if self._values else np.zeros(0, np.int64)
            totals = (
                terms.with_columns(v=pl.Series(values[terms["var"].to_numpy()]) * pl.col("coef"))
                .group_by("eq")
                .agg(pl.col("v").sum())
            )
            keep = totals.filter(pl.col("v").abs() < 0.5)["eq"]
            self.dropped_identities += totals.height - keep.len()
            terms = terms.filter(pl.col("eq").is_in(keep.implode()))
        remap = terms.select("eq").unique().sort("eq").with_row_index("new_eq")
        terms = terms.join(remap, on="eq").select(pl.col("new_eq").cast(pl.Int64) + self._n_eq, "var", "coef")
        self._n_eq += remap.height
        self._terms.append(terms.rename({"new_eq": "eq"}))

    def add_inequalities(self, terms: pl.DataFrame) -> None:
        """Add inequalities Σ coef·var ≤ 0 given as rows (eq, var, coef); any the true values break is dropped.

        Example: rows (0, a, 1), (0, b, −1) say a ≤ b (children with need and a social-work service are at
        most those with need and any service).
        """
        if terms.is_empty():
            return
        terms = terms.select(
            pl.col("eq").cast(pl.Int64), pl.col("var").cast(pl.Int64), pl.col("coef").cast(pl.Float64)
        )
        values = np.concatenate(self._values) if self._values else np.zeros(0, np.int64)
        totals = (
            terms.with_columns(v=pl.Series(values[terms["var"].to_numpy()]) * pl.col("coef"))
            .group_by("eq")
            .agg(pl.col("v").sum())
        )
        keep = totals.filter(pl.col("v") <= 0.5)["eq"]
        self.dropped_inequalities += totals.height - keep.len()
        terms = terms.filter(pl.col("eq").is_in(keep.implode()))
        remap = terms.select("eq").unique().sort("eq").with_row_index("new_eq")
        terms = terms.join(remap, on="eq").select(
            pl.col("new_eq").cast(pl.Int64) + self._n_ineq, "var", "coef"
        )
        self._n_ineq += remap.height
        self._ineq_terms.append(terms.rename({"new_eq": "eq"}))

    def add_pairs(self, kind: str, first: np.ndarray, second: np.ndarray) -> None:
        """Record (first, second) pairs of kind 'at_most', 'couples' or 'complements'."""
        self._pairs[kind].append(np.column_stack([np.asarray(first, np.int64), np.asarray(second, np.int64)]))

    def build(self) -> CountSystem:
        """Freeze into a CountSystem with b = A @ values."""
        values = np.concatenate(self._values) if self._values else np.zeros(0, np.int64)
        a = _matrix(self._terms, self._n_eq, self._n)
        g = _matrix(self._ineq_terms, self._n_ineq, self._n)

        def pairs(kind: str) -> np.ndarray:
            found = self._pairs[kind]
            return np.concatenate(found) if found else np.zeros((0, 2), np.int64)

        return CountSystem(
            values=values,
            rank=np.concatenate(self._rank) if self._rank else np.zeros(0, np.int64),
            upper=np.concatenate(self._upper) if self._upper else np.zeros(0),
            frozen=np.concatenate(self._frozen) if self._frozen else np.zeros(0, bool),
            equalities=a,
            rhs=a @ values.astype(float),
            at_most=pairs("at_most"),
            couples=pairs("couples"),
            complements=pairs("complements"),
            inequalities=g,
        )


def _matrix(parts: list[pl.DataFrame], rows: int, cols: int) -> sp.csr_matrix:
    """A sparse matrix from (eq, var, coef) term frames (duplicates summed)."""
    terms = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={"eq": pl.Int64, "var": pl.Int64, "coef": pl.Float64})
    )
    matrix = sp.csr_matrix(
        (terms["coef"].to_numpy(), (terms["eq"].to_numpy(), terms["var"].to_numpy())), shape=(rows, cols)
    )
    matrix.sum_duplicates()
    return matrix


def sum_terms(parents: pl.DataFrame, children: pl.DataFrame, on: list[str], by: list[str]) -> pl.DataFrame:
    """Relations `parent − Σ children = remainder`: parents (on…, var) joined to children (by…, var).

    `by` ⊇ `on` groups the children of one parent into one relation (e.g. one breakdown of a group).
    """
    kids = children.select([*by, "var"]).join(
        parents.select([*on, pl.col("var").alias("parent_var")]), on=on, how="inner"
    )
    if kids.is_empty():
        return pl.DataFrame(schema={"eq": pl.Int64, "var": pl.Int64, "coef": pl.Float64})
    keys = [*dict.fromkeys([*by, "parent_var"])]
    eqs = kids.select(keys).unique().sort(keys).with_row_index("eq")
    kids = kids.join(eqs, on=keys, nulls_equal=True)
    return pl.concat(
        [
            kids.select(
                pl.col("eq").cast(pl.Int64), pl.col("var").cast(pl.Int64), pl.lit(-1.0).alias("coef")
            ),
            eqs.select(
                pl.col("eq").cast(pl.Int64),
                pl.col("parent_var").cast(pl.Int64).alias("var"),
                pl.lit(1.0).alias("coef"),
            ),
        ]
    )


def margin_terms(frame: pl.DataFrame, dim: str, on: list[str], by: list[str] | None = None) -> pl.DataFrame:
    """Breakdown values adding up to their total: rows with `dim == 'all'` are parents of the others."""
    total = pl.col(dim) == "all"
    return sum_terms(frame.filter(total), frame.filter(~total), on=on, by=by or on)


def hierarchy_terms(frame: pl.DataFrame, geography: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """School ⊂ cluster ⊂ council (⊂ all councils): each parent geography equals the sum of its children.

    `geography` maps (geography_level, geography_code) to (parent_level, parent_code).
    """
    children = frame.join(
        nearest_parents(geography, frame), on=["geography_level", "geography_code"], how="inner"
    )
    parents = frame.rename({"geography_level": "parent_level", "geography_code": "parent_code"})
    keys = [*on, "parent_level", "parent_code"]
    return sum_terms(parents, children, on=keys, by=keys)


def nearest_parents(geography: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """Each geography's nearest ancestor that the table has rows for (a table without cluster rows still lets
    an attacker add its schools up to the council)."""
    geo = ["geography_level", "geography_code"]
    present = (
        frame.select(geo)
        .unique()
        .rename({"geography_level": "parent_level", "geography_code": "parent_code"})
    )
    links = geography.select([*geo, "parent_level", "parent_code"])
    step = links.rename(
        {
            "geography_level": "parent_level",
            "geography_code": "parent_code",
            "parent_level": "next_level",
            "parent_code": "next_code",
        }
    )
    for _ in range(3):  # school → cluster → council → all councils
        missing = links.join(present, on=["parent_level", "parent_code"], how="anti")
        lifted = missing.join(step, on=["parent_level", "parent_code"], how="inner").select(
            *geo, pl.col("next_level").alias("parent_level"), pl.col("next_code").alias("parent_code")
        )
        if lifted.is_empty():
            break
        links = pl.concat([links.join(missing.select(geo), on=geo, how="anti"), lifted])
    return links.join(present, on=["parent_level", "parent_code"], how="semi")


def identity_terms(left: pl.DataFrame, right: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """Sums of variables counting the same children twice: Σ left(var) − Σ right(var) = 0 per key."""
    keys = left.select(on).unique().join(right.select(on).unique(), on=on).sort(on).with_row_index("eq")
    if keys.is_empty():
        return pl.DataFrame(schema={"eq": pl.Int64, "var": pl.Int64, "coef": pl.Float64})
    return pl.concat(
        [
            left.join(keys, on=on).select(
                pl.col("eq").cast(pl.Int64), pl.col("var").cast(pl.Int64), pl.lit(1.0).alias("coef")
            ),
            right.join(keys, on=on).select(
                pl.col("eq").cast(pl.Int64), pl.col("var").cast(pl.Int64), pl.lit(-1.0).alias("coef")
            ),
        ]
    )


def public_ceilings(system: CountSystem, rounds: int = 20) -> np.ndarray:
    """The largest value public knowledge alone allows each variable: the public rolls carried through the
    relations an attacker knows without any published figure (x ≤ base; a part of an identity ≤ the sum of
    the ceilings on the other side). Only zero right-hand-side identities are used, so no data value enters.

    Example: linked ≤ respondents = the school's respondents ≤ its roll of 8 gives linked a ceiling of 8.
    """
    ceiling = system.upper.astype(float).copy()
    a = system.equalities.tocoo()
    structural = np.isclose(system.rhs, 0.0)[a.row]
    rows, cols, coef = a.row[structural], a.col[structural], a.data[structural]
    n_rows = system.equalities.shape[0]
    part, whole = (system.at_most[:, 0], system.at_most[:, 1]) if system.at_most.size else (None, None)
    for _ in range(rounds):
        before = ceiling.copy()
        if part is not None:
            np.minimum.at(ceiling, part, ceiling[whole])
        with np.errstate(invalid="ignore"):
            weighted = np.abs(coef) * ceiling[cols]
        positive = np.zeros(n_rows)
        negative = np.zeros(n_rows)
        np.add.at(positive, rows[coef > 0], weighted[coef > 0])
        np.add.at(negative, rows[coef < 0], weighted[coef < 0])
        other_side = np.where(coef > 0, negative[rows], positive[rows]) / np.abs(coef)
        np.minimum.at(ceiling, cols, other_side)
        if np.array_equal(before, ceiling):
            break
    return ceiling
