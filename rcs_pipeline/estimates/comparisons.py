"""Every comparison a report may state, as a test: difference, SE, t test, Benjamini-Hochberg within its family.

Method: docs/methods/estimates.md, "Comparisons". The design: strata = each respondent's final weighting cell
(`weight_cell`, unique within council and wave; a pooled cell may hold several schools), the weights, and
for tests no finite population correction (analytic inference: `fpc=True` gives the census design's
fpc = `cell_roll`, as the estimates use). A domain ratio R_D = Σ w·y / Σ w over the answered respondents of
D has linearised variable z_i = w_i (y_i − R_D) / W_D on D and 0 elsewhere. The difference of two domains
A and B of one design is linearised as z = z^(A) − z^(B), so its variance
    v = Σ_h f_h n_h/(n_h − 1) [Σ_i z_hi² − (Σ_i z_hi)² / n_h]    (n_h: every respondent of h; f_h = 1 or 1 − n_h/N_h)
carries their covariance wherever they share a stratum (two groups of one school × stage, a school pooled
with others in one cell). Everything needed is a handful of weighted sums (SUM_FIELDS) per *piece*, the
respondents of one stratum in one geography, so the tests are array arithmetic over pieces.

- Areas (a school or cluster against the rest of its council; a council against the rest of the wave):
  v = V_A + V_B + 2 Σ_h (f_h/(n_h − 1)) Σz_hA Σz_hB, every part a polynomial in the two ratios whose
  coefficients add over pieces, so every area of a level is done at once (`_areas`).
- Groups (girls vs boys, SIMD 1 vs 5, a group vs the rest of its breakdown, in the council or a cluster)
  cut through strata: the per-piece z totals and squares are formed directly (`_within`).
- Waves are independent samples: v = v_now + v_then, df = the smaller (`wave_comparisons`).
The variance tested is the larger of v and the variance under no difference (`_null_variance`; `t_test`).
df = respondents of A∪B with an answer minus the strata they occupy (R: degf of that subset).
p = two-sided t; p_adjusted = Benjamini-Hochberg within `family`; direction from p_adjusted < 0.05.
The output follows the contract of `analysis/comparisons` (docs/tables.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl
import yaml
from scipy import sparse, stats

ALPHA = 0.05
SUM_FIELDS = ("a", "w", "y", "p0", "p1", "p2", "q")
DESIGN_COLUMNS = ("la_code", "asg_code", "seed_code", "weight", "weight_cell", "cell_roll")
COMPARISON_SCHEMA: dict[str, pl.DataType] = {
    "indicator_id": pl.String(),
    "family": pl.String(),
    "comparison": pl.String(),
    "geography_level": pl.String(),
    "geography_code": pl.String(),
    "breakdown": pl.String(),
    "breakdown_value": pl.String(),
    "reference": pl.String(),
    "n": pl.Int64(),
    "estimate": pl.Float64(),
    "reference_n": pl.Int64(),
    "reference_estimate": pl.Float64(),
    "difference": pl.Float64(),
    "se": pl.Float64(),
    "df": pl.Int64(),
    "p_value": pl.Float64(),
    "p_adjusted": pl.Float64(),
    "direction": pl.String(),
    "test_status": pl.String(),
}
SORT_KEYS = ["family", "indicator_id", "comparison", "geography_level", "geography_code", "breakdown",
             "breakdown_value", "reference"]  # fmt: skip
# Columns of the untested frame the test step reads (besides the labels): the variance and the count of
# single-respondent strata (R's "lonely PSU") and of strata with more respondents than roll that the
# comparison's respondents occupy.
_RAW = ["n", "estimate", "reference_n", "reference_estimate", "var", "var_null", "df", "lonely", "over_roll"]
TEST_STATUS = {
    "empty_side": "the other side has no respondent with an answer",
    "small_base": "a side's unweighted base is below the minimum group size: not tested",
    "single_psu": "a weighting cell with one respondent (and more pupils on its roll) holds answers of this "
    "comparison: its variance cannot be estimated (as estimates' ci_status)",
    "no_roll": "a weighting cell holding answers of this comparison has more respondents than its roll",
    "no_df": "no degrees of freedom (every answer is in its own weighting cell)",
    "no_variance": "the difference has no sampling variance (both sides constant): no t test",
}


class DesignError(ValueError):
    """pupil_scores cannot form the census design: a missing column, a cell without a roll, a bad roll."""


@cache
def comparison_rules() -> dict:
    """The group comparisons to test (comparisons.yaml): `group_vs_group` and `group_vs_rest`."""
    text = resources.files(__package__).joinpath("comparisons.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def rule_breakdowns() -> tuple[str, ...]:
    """Breakdown columns any group rule reads, in first-mention order."""
    rules = comparison_rules()
    names = [r["breakdown"] for r in rules["group_vs_group"]] + list(rules["group_vs_rest"])
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Sums:
    """Weighted sums of answered respondents (axis 0: pieces or strata): count, Σw, Σwy, Σw², Σw²y, Σw²y², Σwy²."""

    a: np.ndarray
    w: np.ndarray
    y: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    p2: np.ndarray
    q: np.ndarray

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> Sums:
        """Apply `fn` to each array (indexing, reduction)."""
        return Sums(*(fn(getattr(self, f)) for f in SUM_FIELDS))

    def __sub__(self, other: Sums) -> Sums:
        """Sums of the respondents in self but not in other (other's respondents are a subset)."""
        return Sums(*(getattr(self, f) - getattr(other, f) for f in SUM_FIELDS))

    @staticmethod
    def concat(parts: Sequence[Sums], axis: int) -> Sums:
        """Join Sums along an axis (e.g. several comparisons' second sides)."""
        return Sums(*(np.concatenate([getattr(p, f) for p in parts], axis=axis) for f in SUM_FIELDS))

    def reduce(self, starts: np.ndarray) -> Sums:
        """Sum the pieces of each geography (contiguous runs beginning at `starts`)."""
        return self.map(lambda x: np.add.reduceat(x, starts, axis=0))

    def coefficients(self, n: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per piece: k(Σw²y² − (Σwy)²/n), k(Σw²y − ΣwyΣw/n), k(Σw² − (Σw)²/n), n and k of the piece's stratum.

        A domain D's variance is (α − 2Rβ + R²γ)/W² with α, β, γ summed over its pieces (one per stratum).
        """
        return (
            k * (self.p2 - self.y * self.y / n),
            k * (self.p1 - self.y * self.w / n),
            k * (self.p0 - self.w * self.w / n),
        )


@dataclass(frozen=True)
class Pieces:
    """One geography level of a design: the respondents of each stratum in each geography, sorted by geography.

    `codes[g]` is geography g's code (None for respondents without one), its pieces run from `starts[g]`;
    `geo` and `stratum` give each piece's geography and stratum; `sums` is (pieces, indicators) and
    `groups[b]` = (values, sums (pieces, values, indicators)) for each breakdown b.
    """

    codes: np.ndarray
    starts: np.ndarray
    geo: np.ndarray
    stratum: np.ndarray
    sums: Sums
    groups: dict[str, tuple[list[str], Sums]]


@dataclass(frozen=True)
class Design:
    """One design: per stratum n (respondents), k = f·n/(n − 1) (f = 1, or 1 − n/N with the fpc) and the
    indicators' sums, and its geography levels as pieces.

    k is 0 where a stratum has one respondent; `lonely` marks those that cannot have a variance estimate (R's
    lonely PSU), `over_roll` those with more respondents than roll (with the fpc). `levels` holds 'council'
    (pieces = strata), and for a council's own design 'cluster' and 'school'.
    """

    indicators: tuple[str, ...]
    n: np.ndarray
    k: np.ndarray
    lonely: np.ndarray
    over_roll: np.ndarray
    totals: Sums
    levels: dict[str, Pieces]


LEVEL_COLUMNS = {"council": "la_code", "cluster": "asg_code", "school": "seed_code"}


def _check(pupils: pl.DataFrame, indicators: Sequence[str], breakdowns: Sequence[str]) -> None:
    """Fail before any arithmetic when pupil_scores lacks a column the design or the tests need."""
    needed = [*DESIGN_COLUMNS, *breakdowns, *(f"ind_{i}" for i in indicators)]
    missing = [c for c in needed if c not in pupils.columns]
    if missing:
        raise DesignError(f"pupil_scores is missing columns needed for comparisons: {missing}")


def design_rows(pupils: pl.DataFrame) -> pl.DataFrame:
    """Respondents in the design (positive weight), each with its stratum key (council + weighting cell)."""
    rows = pupils.filter(pl.col("weight").is_not_null() & (pl.col("weight") > 0))
    unplaced = rows.filter(pl.col("weight_cell").is_null() | pl.col("cell_roll").is_null()).height
    if unplaced:
        raise DesignError(f"pupil_scores: {unplaced} weighted row(s) have no weight_cell or cell_roll")
    return rows.with_columns(_stratum=pl.concat_str(pl.col("la_code"), pl.lit("\x1f"), pl.col("weight_cell")))


def _strata(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per stratum with its index `_h`, respondents `_n` and roll `_roll` (checked constant and ≥ n)."""
    strata = rows.group_by("_stratum").agg(
        pl.len().cast(pl.Float64).alias("_n"),
        pl.col("cell_roll").cast(pl.Float64).min().alias("_roll"),
        pl.col("cell_roll").cast(pl.Float64).max().alias("_roll_max"),
    )
    bad = strata.filter(pl.col("_roll") != pl.col("_roll_max")).height
    if bad:
        raise DesignError(f"pupil_scores: {bad} weight_cell(s) have a cell_roll that varies within the cell")
    return strata.sort("_stratum").with_row_index("_h")


def _products(w: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row products (rows, 7·J), in SUM_FIELDS order: answered, w, wy, w², w²y, w²y², wy² (0 where missing)."""
    answered = ~np.isnan(y)
    y0 = np.where(answered, y, 0.0)
    wa = w[:, None] * answered
    wy = w[:, None] * y0
    wwy = w[:, None] * wy
    return np.concatenate([answered.astype(float), wa, wy, w[:, None] * wa, wwy, wwy * y0, wy * y0], axis=1)


def _as_sums(matrix: np.ndarray, j: int) -> Sums:
    """Sums from a (..., 7·J) matrix of summed products (the last axis in SUM_FIELDS blocks of J)."""
    return Sums(*(matrix[..., f * j : (f + 1) * j] for f in range(len(SUM_FIELDS))))


def _onehot(target: np.ndarray, size: int) -> sparse.csr_matrix:
    """(size × len(target)) 0/1 matrix putting item i in row target[i] (items with target < 0 left out)."""
    keep = target >= 0
    cols = np.flatnonzero(keep)
    return sparse.csr_matrix((np.ones(cols.size), (target[keep], cols)), shape=(size, target.size))


def _runs(key: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted key."""
    if not key.size:
        return np.array([], dtype=np.int64)
    return np.flatnonzero(np.r_[True, key[1:] != key[:-1]])


def _index_of(frame: pl.DataFrame, keys: list[str], name: str) -> tuple[pl.DataFrame, np.ndarray]:
    """(unique key rows sorted, nulls last, with index `name`; the index of each row of `frame`)."""
    unique = frame.select(keys).unique().sort(keys, nulls_last=True).with_row_index(name)
    joined = frame.select(keys).with_row_index("_i").join(unique, on=keys, how="left", nulls_equal=True)
    return unique, joined.sort("_i")[name].to_numpy().astype(np.int64)


def _codes_of(column: pl.Series) -> tuple[list[str], np.ndarray]:
    """(sorted text values, code per row with −1 where null) of one breakdown."""
    text = column.cast(pl.String)
    values = sorted(text.drop_nulls().unique().to_list())
    code = text.replace_strict(values, list(range(len(values))), default=-1, return_dtype=pl.Int64)
    return values, code.to_numpy()


@dataclass(frozen=True)
class LevelLayout:
    """Where one geography level's pieces are: codes, runs, each piece's geography and stratum, and the 0/1
    matrix adding school pieces into this level's pieces."""

    codes: np.ndarray
    starts: np.ndarray
    geo: np.ndarray
    stratum: np.ndarray
    merge: sparse.csr_matrix


@dataclass(frozen=True)
class Layout:
    """Who is where in one design, independent of the answers: each respondent's school piece and breakdown
    group (as 0/1 matrices), the strata (n, k, flags) and the geography levels.

    `rows` are the positions in the input frame of the design's respondents (positive weight), in order.
    """

    rows: np.ndarray
    weight: np.ndarray
    to_pieces: sparse.csr_matrix
    to_groups: dict[str, tuple[list[str], sparse.csr_matrix]]
    to_strata: sparse.csr_matrix
    n: np.ndarray
    k: np.ndarray
    lonely: np.ndarray
    over_roll: np.ndarray
    levels: dict[str, LevelLayout]


def _level_layout(school_pieces: pl.DataFrame, column: str) -> LevelLayout:
    """One geography level: the school pieces grouped by (council, geography, stratum), geographies sorted."""
    keys = ["la_code", column, "_h"] if column != "la_code" else ["la_code", "_h"]
    pieces, target = _index_of(school_pieces, keys, "_q")
    codes = pieces[column].to_numpy()
    geo_key = np.array(["\x00" if c is None else str(c) for c in codes], dtype=object)
    starts = _runs(geo_key)
    geo = np.cumsum(np.r_[False, geo_key[1:] != geo_key[:-1]]) if geo_key.size else np.array([], np.int64)
    stratum = pieces["_h"].to_numpy().astype(np.int64)
    return LevelLayout(codes[starts], starts, geo, stratum, _onehot(target, pieces.height))


def design_layout(
    pupils: pl.DataFrame,
    breakdowns: Sequence[str] | None = None,
    levels: Sequence[str] = ("council", "cluster", "school"),
    fpc: bool = False,
) -> Layout:
    """The layout of the design of `pupils` (one council; several: strata = council + weighting cell).

    `breakdowns` (default: those the group rules read) are laid out for the council and cluster levels;
    `levels=("council",)` and `breakdowns=()` give what a council needs as part of the wave design. `fpc`:
    the census design's finite population correction (off for tests: docs/methods/estimates.md).
    """
    breakdowns = rule_breakdowns() if breakdowns is None else tuple(breakdowns)
    _check(pupils, (), breakdowns)
    rows = design_rows(pupils.with_row_index("_row"))
    strata = _strata(rows)
    rows = rows.join(strata.select("_stratum", "_h"), on="_stratum", how="left").sort("_row")
    school_pieces, piece = _index_of(rows, ["la_code", "asg_code", "seed_code", "_h"], "_p")
    p = school_pieces.height
    groups = {}
    for b in breakdowns if set(levels) - {"school"} else ():
        values, code = _codes_of(rows[b])
        if values:
            groups[b] = (
                values,
                _onehot(np.where(code >= 0, piece * len(values) + code, -1), p * len(values)),
            )
    n = strata["_n"].to_numpy()
    roll = strata["_roll"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        f = 1 - n / roll if fpc else np.ones_like(n)
        k = np.where(n > 1, f * n / (n - 1), 0.0)
    return Layout(
        rows=rows["_row"].to_numpy().astype(np.int64),
        weight=rows["weight"].cast(pl.Float64).to_numpy(),
        to_pieces=_onehot(piece, p),
        to_groups=groups,
        to_strata=_onehot(school_pieces["_h"].to_numpy().astype(np.int64), strata.height),
        n=n,
        k=k,
        lonely=(n < 2) & ((roll > n) | (not fpc)),
        over_roll=(roll < n) & fpc,
        levels={level: _level_layout(school_pieces, LEVEL_COLUMNS[level]) for level in levels},
    )


def answers(pupils: pl.DataFrame, indicators: Sequence[str]) -> np.ndarray:
    """The indicators' values (rows, indicators), NaN where missing, C-ordered for the sums."""
    missing = [f"ind_{i}" for i in indicators if f"ind_{i}" not in pupils.columns]
    if missing:
        raise DesignError(f"pupil_scores is missing columns needed for comparisons: {missing}")
    y = pupils.select(pl.col(f"ind_{i}").cast(pl.Float64) for i in indicators).to_numpy()
    return np.ascontiguousarray(y, dtype=float).reshape(pupils.height, len(indicators))


def design_from(layout: Layout, y: np.ndarray, indicators: Sequence[str]) -> Design:
    """The design's sums for answers `y` (rows of the input frame × indicators; see `answers`).

    The respondents' products are summed once per school piece and per piece × group (sparse 0/1 products),
    and each level adds school pieces up: one pass over the respondents per breakdown.
    """
    j = len(indicators)
    products = _products(layout.weight, y[layout.rows])
    base = layout.to_pieces @ products
    p = base.shape[0]
    groups = {b: (values, (m @ products).reshape(p, -1)) for b, (values, m) in layout.to_groups.items()}
    levels = {}
    for level, lay in layout.levels.items():
        summed = {}
        if level != "school":
            for b, (values, g) in groups.items():
                summed[b] = (
                    values,
                    _as_sums((lay.merge @ g).reshape(lay.merge.shape[0], len(values), -1), j),
                )
        levels[level] = Pieces(
            lay.codes, lay.starts, lay.geo, lay.stratum, _as_sums(lay.merge @ base, j), summed
        )
    return Design(
        indicators=tuple(indicators),
        n=layout.n,
        k=layout.k,
        lonely=layout.lonely,
        over_roll=layout.over_roll,
        totals=_as_sums(layout.to_strata @ base, j),
        levels=levels,
    )


def prepare_design(
    pupils: pl.DataFrame,
    indicators: Sequence[str],
    breakdowns: Sequence[str] | None = None,
    levels: Sequence[str] = ("council", "cluster", "school"),
    fpc: bool = False,
) -> Design:
    """The census design of one council's `pupils` for `indicators` (several councils: strata = council + cell).

    `breakdowns` (default: those the group rules read) get per-piece × group sums at council and cluster
    level; `levels=("council",)` and `breakdowns=()` give what a council needs as part of the wave design.
    """
    _check(pupils, indicators, () if breakdowns is None else breakdowns)
    return design_from(
        design_layout(pupils, breakdowns, levels, fpc), answers(pupils, indicators), indicators
    )


def combine(designs: Sequence[Design]) -> Design:
    """One design over several councils' designs (their strata are disjoint): the wave-wide design.

    Only the council level is kept (the rest of the wave is compared at council level only).
    """
    if not designs:
        raise ValueError("combine needs at least one council's design")
    if any(d.indicators != designs[0].indicators for d in designs):
        raise ValueError("designs to combine must estimate the same indicators in the same order")
    ordered = sorted(designs, key=lambda d: str(d.levels["council"].codes[0]) if d.n.size else "")
    offsets = np.cumsum([0] + [d.n.size for d in ordered])
    councils = [d.levels["council"] for d in ordered]
    piece_offsets = np.cumsum([0] + [c.stratum.size for c in councils])
    pieces = Pieces(
        codes=np.concatenate([c.codes for c in councils]),
        starts=np.concatenate([c.starts + o for c, o in zip(councils, piece_offsets, strict=False)]),
        geo=np.concatenate([c.geo + i for i, c in enumerate(councils)]),
        stratum=np.concatenate([c.stratum + o for c, o in zip(councils, offsets, strict=False)]),
        sums=Sums.concat([c.sums for c in councils], axis=0),
        groups={},
    )
    return Design(
        indicators=designs[0].indicators,
        n=np.concatenate([d.n for d in ordered]),
        k=np.concatenate([d.k for d in ordered]),
        lonely=np.concatenate([d.lonely for d in ordered]),
        over_roll=np.concatenate([d.over_roll for d in ordered]),
        totals=Sums.concat([d.totals for d in ordered], axis=0),
        levels={"council": pieces},
    )


def _quadratic(w: np.ndarray, al: np.ndarray, be: np.ndarray, ga: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Σ_h k_h[Σz² − (Σz)²/n_h] of a domain with total weight w whose z are linearised at ratio r."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (al - 2 * r * be + r * r * ga) / (w * w)


def _ratio(s: Sums) -> np.ndarray:
    """Σwy / Σw (NaN where the domain has no answer)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return s.y / s.w


def _null_variance(a: Sums, b: Sums) -> np.ndarray:
    """Variance of R_A − R_B if the two sides did not differ: σ₀² (Σ_A w²/W_A² + Σ_B w²/W_B²), σ₀² the weighted
    variance of the answers of A and B together about their pooled ratio (R₀(1 − R₀) for a proportion)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = a.w + b.w
        r0 = (a.y + b.y) / w
        s0 = np.maximum((a.q + b.q) / w - r0 * r0, 0.0)
        return s0 * (a.p0 / (a.w * a.w) + b.p0 / (b.w * b.w))


def _areas(design: Design, pieces: Pieces) -> dict[str, np.ndarray]:
    """Each geography of a level against the rest of the design: arrays (geographies, indicators).

    Per piece p of geography A in stratum h, the rest of h is T_h − p; the rest of the design B holds every
    other stratum whole. So V_B's coefficients are the design total's, minus those of the strata A touches,
    plus those of the rests of those strata; the covariance sums (k/n)·(Y_p − R_A W_p)(Y_r − R_B W_r) over
    A's pieces.
    """
    h, starts = pieces.stratum, pieces.starts
    n, k = design.n[h][:, None], design.k[h][:, None]
    part_s, whole = pieces.sums, design.totals.map(lambda x: x[h])
    rest_s = whole - part_s
    total = design.totals.map(lambda x: x.sum(axis=0, keepdims=True))
    total_coef = design.totals.coefficients(design.n[:, None], design.k[:, None])
    part = part_s.reduce(starts)
    rest = total - part
    part_coef = [np.add.reduceat(c, starts, axis=0) for c in part_s.coefficients(n, k)]
    touched = [np.add.reduceat(c, starts, axis=0) for c in whole.coefficients(n, k)]
    rests = [np.add.reduceat(c, starts, axis=0) for c in rest_s.coefficients(n, k)]
    rest_coef = [
        c.sum(axis=0, keepdims=True) - t + r for c, t, r in zip(total_coef, touched, rests, strict=True)
    ]
    r_a, r_b = _ratio(part), _ratio(rest)
    at_a, at_b = r_a, r_b
    v_a = _quadratic(part.w, *part_coef, at_a)
    v_b = _quadratic(rest.w, *rest_coef, at_b)
    kn = k / n
    c1, c2, c3, c4 = (
        np.add.reduceat(kn * x, starts, axis=0)
        for x in (part_s.y * rest_s.y, part_s.y * rest_s.w, part_s.w * rest_s.y, part_s.w * rest_s.w)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (c1 - at_b * c2 - at_a * c3 + at_a * at_b * c4) / (part.w * rest.w)
    cross = np.where((part.a > 0) & (rest.a > 0), cross, 0.0)
    answered = design.totals.a > 0
    occupied = answered.sum(axis=0, keepdims=True)
    lonely = (design.lonely[:, None] & answered).sum(axis=0, keepdims=True)
    over_roll = (design.over_roll[:, None] & answered).sum(axis=0, keepdims=True)
    shape = part.a.shape
    return {
        "n": part.a, "estimate": r_a, "reference_n": rest.a, "reference_estimate": r_b,
        "var": v_a + v_b + 2 * cross, "var_null": _null_variance(part, rest),
        "df": np.broadcast_to(total.a - occupied, shape), "lonely": np.broadcast_to(lonely, shape),
        "over_roll": np.broadcast_to(over_roll, shape),
    }  # fmt: skip


def _within(design: Design, pieces: Pieces, a: Sums, b: Sums) -> dict[str, np.ndarray]:
    """Domain A against domain B inside each geography of a level: arrays (geographies, ..., indicators).

    `a`, `b` hold per-piece sums (pieces, ..., indicators). A geography holds at most one piece of each
    stratum, so the per-piece z totals and squares, formed from the domain ratios, are the per-stratum
    ones of the design, and strata shared by A and B give the covariance.
    """
    tail = (slice(None),) + (None,) * (a.a.ndim - 1)
    h, starts, geo = pieces.stratum, pieces.starts, pieces.geo
    n, k = design.n[h][tail], design.k[h][tail]
    sa, sb = a.reduce(starts), b.reduce(starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = []
        for dom, tot in ((a, sa), (b, sb)):
            r, wt = (tot.y / tot.w)[geo], tot.w[geo]
            z = np.where(dom.a > 0, (dom.y - r * dom.w) / wt, 0.0)
            zz = np.where(dom.a > 0, (dom.p2 - 2 * r * dom.p1 + r * r * dom.p0) / (wt * wt), 0.0)
            terms.append((z, zz))
        (za, qa), (zb, qb) = terms
        per_piece = k * (qa + qb - (za - zb) ** 2 / n)
        ra, rb = sa.y / sa.w, sb.y / sb.w
    used = (a.a + b.a) > 0
    return {
        "n": sa.a, "estimate": ra, "reference_n": sb.a, "reference_estimate": rb,
        "var": np.add.reduceat(per_piece, starts, axis=0), "var_null": _null_variance(sa, sb),
        "df": sa.a + sb.a - np.add.reduceat(used.astype(float), starts, axis=0),
        "lonely": np.add.reduceat((design.lonely[h][tail] & used).astype(float), starts, axis=0),
        "over_roll": np.add.reduceat((design.over_roll[h][tail] & used).astype(float), starts, axis=0),
    }  # fmt: skip


def _frame(
    arrays: Mapping[str, np.ndarray], indicators: Sequence[str], labels: Mapping[str, Sequence[str | None]]
) -> pl.DataFrame:
    """Flatten result arrays (..., indicators) into rows, labelled per leading cell; keep rows with n > 0.

    `labels` gives each label column one value per leading cell (all axes but the last, row-major).
    """
    shape = arrays["n"].shape
    cells = int(np.prod(shape[:-1]))
    data = {name: np.asarray(arrays[name], dtype=float).reshape(-1) for name in _RAW}
    data["indicator_id"] = np.tile(np.asarray(indicators, dtype=object), cells)
    for name, value in labels.items():
        data[name] = np.repeat(np.asarray(value, dtype=object), shape[-1])
    frame = pl.DataFrame(data, schema_overrides={k: pl.String for k in ("indicator_id", *labels)})
    return frame.filter(pl.col("n") > 0)


def _codes(pieces: Pieces) -> np.ndarray:
    """Geography codes as text (None kept: respondents without that geography, dropped from the output)."""
    return np.asarray([None if c is None else str(c) for c in pieces.codes], dtype=object)


def area_comparisons(design: Design) -> pl.DataFrame:
    """Each school and each cluster of a one-council design against the rest of its council (untested rows)."""
    parts = []
    for level in ("school", "cluster"):
        pieces = design.levels.get(level)
        if pieces is None or not pieces.starts.size:
            continue
        frame = _frame(_areas(design, pieces), design.indicators, {"geography_code": _codes(pieces)})
        parts.append(
            frame.filter(pl.col("geography_code").is_not_null()).with_columns(
                family=pl.format(f"{level}:{{}}:vs_rest_of_council", "geography_code"),
                comparison=pl.lit("area_vs_rest_of_council"),
                geography_level=pl.lit(level),
                breakdown=pl.lit("all"),
                breakdown_value=pl.lit("all"),
                reference=pl.lit("rest_of_council"),
            )
        )
    return _untested(parts)


def council_vs_wave(wave: Design, la_code: str | None = None) -> pl.DataFrame:
    """Each council of a wave-wide design (or only `la_code`) against the rest of the wave's councils.

    No rows when the wave has a single council: there is nothing to compare with.
    """
    pieces = wave.levels["council"]
    if pieces.starts.size < 2:
        return _untested([])
    frame = _frame(_areas(wave, pieces), wave.indicators, {"geography_code": _codes(pieces)})
    if la_code is not None:
        frame = frame.filter(pl.col("geography_code") == la_code)
    return _untested([
        frame.with_columns(
            family=pl.format("council:{}:vs_rest_of_wave", "geography_code"),
            comparison=pl.lit("council_vs_rest_of_wave"), geography_level=pl.lit("council"),
            breakdown=pl.lit("all"), breakdown_value=pl.lit("all"), reference=pl.lit("rest_of_wave"),
        )
    ])  # fmt: skip


def group_pairs(values: list[str], breakdown: str) -> list[tuple[str, str]]:
    """(group, reference) pairs of the rules for one breakdown: a reference value or 'rest'."""
    rules = comparison_rules()
    pairs = [(r["group"], r["reference"]) for r in rules["group_vs_group"] if r["breakdown"] == breakdown]
    pairs = [(g, r) for g, r in pairs if g in values]
    rest = rules["group_vs_rest"].get(breakdown)
    groups = values if rest == "all" else [g for g in (rest or []) if g in values]
    return pairs + [(g, "rest") for g in groups]


def _sides(values: list[str], sums: Sums, pairs: list[tuple[str, str]]) -> tuple[Sums, Sums]:
    """Per-piece sums of each pair's first side and other side: (pieces, pairs, indicators) each."""

    def take(columns: list[int]) -> Sums:
        return sums.map(lambda x: x[:, columns])

    known = sums.map(lambda x: x.sum(axis=1, keepdims=True))
    empty = sums.map(lambda x: np.zeros_like(x[:, :1]))
    others = []
    for group, reference in pairs:
        if reference == "rest":
            others.append(known - take([values.index(group)]))
        else:
            others.append(take([values.index(reference)]) if reference in values else empty)
    return take([values.index(g) for g, _ in pairs]), Sums.concat(others, axis=1)


def group_comparisons(design: Design) -> pl.DataFrame:
    """The rules' group comparisons at council level and in each cluster of a one-council design (untested)."""
    parts = []
    for level in ("council", "cluster"):
        pieces = design.levels.get(level)
        if pieces is None or not pieces.starts.size:
            continue
        codes = _codes(pieces)
        for breakdown, (values, sums) in pieces.groups.items():
            pairs = group_pairs(values, breakdown)
            if not pairs:
                continue
            a, b = _sides(values, sums, pairs)
            labels = {
                "geography_code": np.repeat(codes, len(pairs)),
                "breakdown_value": np.tile(np.asarray([g for g, _ in pairs], dtype=object), codes.size),
                "reference": np.tile(np.asarray([r for _, r in pairs], dtype=object), codes.size),
            }
            frame = _frame(_within(design, pieces, a, b), design.indicators, labels)
            parts.append(
                frame.filter(pl.col("geography_code").is_not_null()).with_columns(
                    family=pl.format(f"{level}:{{}}:groups", "geography_code"),
                    comparison=pl.when(pl.col("reference") == "rest")
                    .then(pl.lit("group_vs_rest"))
                    .otherwise(pl.lit("group_vs_group")),
                    geography_level=pl.lit(level),
                    breakdown=pl.lit(breakdown),
                )
            )
    return _untested(parts)


def _untested(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate untested parts in a fixed column order (an empty frame with the right columns if none)."""
    labels = [c for c in COMPARISON_SCHEMA if c not in (*_RAW, "se", "p_value", "p_adjusted", "direction",
                                                         "test_status", "difference")]  # fmt: skip
    schema = {**{c: pl.String for c in labels}, **{c: pl.Float64 for c in _RAW}}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat([p.select(list(schema)).cast(schema) for p in parts])


def domain_table(design: Design, levels: Sequence[str] = ("council", "cluster", "school")) -> pl.DataFrame:
    """Each geography's whole domain (breakdown `all`) of a design: n, Σw, Σwy, its variance coefficients
    (α, β, γ of Sums.coefficients), df and its unusable strata: what a test against another wave needs."""
    parts = []
    for level in levels:
        pieces = design.levels.get(level)
        if pieces is None or not pieces.starts.size:
            continue
        h, starts = pieces.stratum, pieces.starts
        s = pieces.sums
        coef = [
            np.add.reduceat(c, starts, axis=0)
            for c in s.coefficients(design.n[h][:, None], design.k[h][:, None])
        ]
        part = s.reduce(starts)
        answered = s.a > 0
        arrays = {
            "n": part.a, "w": part.w, "y": part.y, "p0": part.p0, "q": part.q,
            "alpha": coef[0], "beta": coef[1], "gamma": coef[2],
            "df": part.a - np.add.reduceat(answered.astype(float), starts, axis=0),
            "lonely": np.add.reduceat((design.lonely[h][:, None] & answered).astype(float), starts, axis=0),
            "over_roll": np.add.reduceat((design.over_roll[h][:, None] & answered).astype(float), starts, axis=0),
        }  # fmt: skip
        cells = part.a.shape[0]
        data = {k: v.reshape(-1) for k, v in arrays.items()}
        data["indicator_id"] = np.tile(np.asarray(design.indicators, dtype=object), cells)
        data["geography_code"] = np.repeat(_codes(pieces), len(design.indicators))
        frame = pl.DataFrame(data, schema_overrides={"indicator_id": pl.String, "geography_code": pl.String})
        parts.append(
            frame.filter((pl.col("n") > 0) & pl.col("geography_code").is_not_null()).with_columns(
                geography_level=pl.lit(level)
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def _quadratic_expr(w: str, al: str, be: str, ga: str, r: pl.Expr) -> pl.Expr:
    """Polars twin of `_quadratic` over columns."""
    return (pl.col(al) - 2 * r * pl.col(be) + r * r * pl.col(ga)) / (pl.col(w) * pl.col(w))


def wave_comparisons(current: Design, earlier: Mapping[str, Design]) -> pl.DataFrame:
    """Each geography's whole domain against the same geography in each earlier wave (untested rows).

    `current` and each `earlier[wave]` are the same council's designs (prepare_design). The waves are taken
    as independent samples (conservative: a pupil answering both waves would correlate them positively):
    var = V_now + V_then (each Wald, at its own ratio), var_null as `_null_variance`, df = the smaller df.
    """
    keys = ["indicator_id", "geography_level", "geography_code"]
    now = domain_table(current)
    if now.is_empty():
        return _untested([])
    parts = []
    for wave, design in sorted(earlier.items()):
        then = domain_table(design)
        if then.is_empty():
            continue
        joined = now.join(then, on=keys, how="inner", suffix="_then")
        at_now, at_then = pl.col("y") / pl.col("w"), pl.col("y_then") / pl.col("w_then")
        both = (pl.col("y") + pl.col("y_then")) / (pl.col("w") + pl.col("w_then"))
        spread = ((pl.col("q") + pl.col("q_then")) / (pl.col("w") + pl.col("w_then")) - both * both).clip(0.0)
        parts.append(
            joined.with_columns(
                family=pl.format("{}:{}:trend", "geography_level", "geography_code"),
                comparison=pl.lit("wave_vs_wave"),
                breakdown=pl.lit("all"),
                breakdown_value=pl.lit("all"),
                reference=pl.lit(wave),
                estimate=pl.col("y") / pl.col("w"),
                reference_n=pl.col("n_then"),
                reference_estimate=pl.col("y_then") / pl.col("w_then"),
                var=_quadratic_expr("w", "alpha", "beta", "gamma", at_now)
                + _quadratic_expr("w_then", "alpha_then", "beta_then", "gamma_then", at_then),
                var_null=spread
                * (pl.col("p0") / pl.col("w") ** 2 + pl.col("p0_then") / pl.col("w_then") ** 2),
                df=pl.min_horizontal("df", "df_then"),
                lonely=pl.col("lonely") + pl.col("lonely_then"),
                over_roll=pl.col("over_roll") + pl.col("over_roll_then"),
            )
        )
    return _untested(parts)


def _status(min_n: int) -> pl.Expr:
    """Why a row is not tested (null when it is): the first reason of TEST_STATUS that applies."""
    return (
        pl.when(pl.col("reference_n") <= 0)
        .then(pl.lit("empty_side"))
        .when((pl.col("n") < min_n) | (pl.col("reference_n") < min_n))
        .then(pl.lit("small_base"))
        .when(pl.col("lonely") > 0)
        .then(pl.lit("single_psu"))
        .when(pl.col("over_roll") > 0)
        .then(pl.lit("no_roll"))
        .when(pl.col("df").is_null() | (pl.col("df") < 1))
        .then(pl.lit("no_df"))
        .when(pl.col("var").is_null() | pl.col("var").is_nan() | (pl.col("var") <= 1e-24))
        .then(pl.lit("no_variance"))
    )


def t_test(frame: pl.DataFrame, min_n: int = 1, null_floor: bool = True) -> pl.DataFrame:
    """Add difference, se, p_value and test_status to untested rows (two-sided t on df).

    With `null_floor` the variance is the larger of the design's (Wald) and the null variance (what it would be
    if the two sides did not differ, `_null_variance`): the design estimate collapses where a side's answers
    are all alike (0% or 100%, or a rare outcome with one or two cases), and a t test on it would call chance
    differences (measured by the null simulation in tests/estimates/test_comparisons_simulation.py).
    """
    if null_floor:
        frame = frame.with_columns(var=pl.max_horizontal(pl.col("var").fill_nan(None), "var_null"))
    out = frame.with_columns(test_status=_status(min_n)).with_columns(
        se=pl.when(pl.col("test_status").is_null()).then(pl.col("var").sqrt()),
        reference_estimate=pl.when(pl.col("reference_n") > 0).then(pl.col("reference_estimate")),
    )
    out = out.with_columns(difference=pl.col("estimate") - pl.col("reference_estimate"))
    t = (out["difference"] / out["se"]).to_numpy().astype(float)
    df = out["df"].fill_null(np.nan).to_numpy().astype(float)
    with np.errstate(invalid="ignore"):
        p = np.where(np.isfinite(t), 2 * stats.t.sf(np.abs(t), np.where(df >= 1, df, np.nan)), np.nan)
    return out.with_columns(p_value=pl.Series(p).fill_nan(None))


def benjamini_hochberg(frame: pl.DataFrame, p: str = "p_value", family: str = "family") -> pl.Series:
    """Benjamini-Hochberg adjusted p-values within each family (nulls stay null and do not count in m).

    p_adj(i) = min over j ≥ i of (m / j) p(j), capped at 1, with p(1) ≤ … ≤ p(m) the family's tested p-values.
    """
    work = frame.select(pl.col(p).alias("_p"), pl.col(family).alias("_f")).with_row_index("_row")
    tested = work.filter(pl.col("_p").is_not_null())
    ranked = tested.with_columns(
        _m=pl.len().over("_f"), _rank=pl.col("_p").rank("ordinal").over("_f")
    ).with_columns(_raw=(pl.col("_p") * pl.col("_m") / pl.col("_rank")).clip(upper_bound=1.0))
    adjusted = ranked.sort(["_f", "_rank"], descending=[False, True]).with_columns(
        _adj=pl.col("_raw").cum_min().over("_f")
    )
    back = work.join(adjusted.select("_row", "_adj"), on="_row", how="left").sort("_row")
    return back["_adj"].alias("p_adjusted")


def adjust(frame: pl.DataFrame, alpha: float = ALPHA) -> pl.DataFrame:
    """Add p_adjusted (BH within family) and direction: higher / lower when p_adjusted < alpha."""
    out = frame.with_columns(benjamini_hochberg(frame))
    direction = (
        pl.when(pl.col("p_adjusted").is_null())
        .then(pl.lit(None, pl.String))
        .when((pl.col("p_adjusted") < alpha) & (pl.col("difference") > 0))
        .then(pl.lit("higher"))
        .when((pl.col("p_adjusted") < alpha) & (pl.col("difference") < 0))
        .then(pl.lit("lower"))
        .otherwise(pl.lit("no clear difference"))
    )
    return out.with_columns(direction=direction)


def finish(
    untested: pl.DataFrame, min_n: int = 1, alpha: float = ALPHA, null_floor: bool = True
) -> pl.DataFrame:
    """Test, adjust and shape untested rows into the `analysis/comparisons` table, sorted."""
    out = adjust(t_test(untested, min_n, null_floor), alpha)
    return out.select(list(COMPARISON_SCHEMA)).cast(COMPARISON_SCHEMA).sort(SORT_KEYS)


def untested_comparisons(
    design: Design, wave: Design | None = None, earlier: Mapping[str, Design] | None = None
) -> pl.DataFrame:
    """Every comparison of one council's design, untested: areas, groups, rest of the wave, earlier waves."""
    la_codes = {str(c) for c in design.levels["council"].codes if c is not None}
    if len(la_codes) > 1:
        raise ValueError(f"council_comparisons takes one council's design; got {len(la_codes)} councils")
    parts = [area_comparisons(design), group_comparisons(design)]
    if wave is not None and la_codes:
        parts.append(council_vs_wave(wave, next(iter(la_codes))))
    if earlier:
        parts.append(wave_comparisons(design, earlier))
    return pl.concat(parts)


def council_comparisons(
    design: Design,
    wave: Design | None = None,
    earlier: Mapping[str, Design] | None = None,
    min_n: int = 1,
    null_floor: bool = True,
    also: Sequence[pl.DataFrame] = (),
) -> pl.DataFrame:
    """Every comparison of one council: areas, groups, against the rest of the wave, against earlier waves.

    `design` is the council's own (prepare_design); `wave` the wave-wide design over every council of the
    wave (combine), or None; `earlier` {wave: design} of the same council in earlier waves. A side with
    fewer than `min_n` answers is not tested (`small_base`). `null_floor=False` gives the design (Wald)
    SE alone, as R's svycontrast, not floored by the SE the difference would have under the null (`t_test`).
    `also`: untested rows of another design of the same council (the parent survey's, parent_design.py),
    tested and adjusted together with these, so a report's family is controlled over every claim it may make.
    """
    return finish(
        pl.concat([untested_comparisons(design, wave, earlier), *also]), min_n, null_floor=null_floor
    )
