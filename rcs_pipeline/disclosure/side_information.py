"""What else a reader of the published tables knows, for the attacker audit (issue 21; docs/methods/disclosure.md §4).

The CountSystem fixes every published count at its value. A reader knows more, and the audit gets it:

- **bases**: the unweighted base `n` printed beside every estimate counts pupils who answered the survey, so it
  is at most the respondents of the same area, instrument, stage and sex; a three-circles group's base (pupils
  with both flags known) likewise within the area's pupil respondents. These are definitions, so they are
  relations of the CountSystem (`add_base_bounds`) when rules.yaml `base_within_respondents` is true
  (false for now: a known gap, docs/methods/disclosure.md §4): protection and the audit then both use them.
- **rounding**: a rounded percentage printed for a row whose count (or base) is withheld bounds it. P% of a base
  b (round half up to a whole number) means (P − ½)·b ≤ 100·x < (P + ½)·b, i.e. for integer counts
  (2P − 1)·b − 200·x ≤ 0 and 200·x − (2P + 1)·b ≤ −1: with b published, x ∈ [⌈(2P−1)b/200⌉, ⌈(2P+1)b/200⌉ − 1]
  (23% of 40: x = 9). Estimates' percentages are weighted and their numerator is treated as known exactly
  whenever the value is printed (hidden_from_published), so they add nothing here.
- **shown anywhere**: a count shown in any published row is known, even if another row of the same variable
  withholds it (a three-circles base is printed on each of its four circles' rows).

Report existence is not a source: an area gets a report exactly when one of its estimates is published and
every area without one gets the same reason (rcs_pipeline/reports/area.py), facts of the tables themselves.
The published rows are the tables as written; `tables` are the CouncilSystem's frames with variable ids.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from rcs_pipeline.disclosure.audit import SideInformation
from rcs_pipeline.disclosure.publish import CIRCLE_KEYS, ESTIMATE_KEYS, LINKAGE_KEYS, RESPONSE_KEYS
from rcs_pipeline.disclosure.system import CountSystem, SystemBuilder
from rcs_pipeline.indicators import load_catalogue

RESPONSE_AREA = ["geography_level", "geography_code", "instrument", "stage", "sex"]
PUPIL_INSTRUMENTS = ("primary", "secondary")


def _response_target(frame: pl.DataFrame) -> pl.DataFrame:
    """The response-rates row (stage, sex) a breakdown row of an area counts within: all, stage or sex rows."""
    return frame.filter(pl.col("breakdown").is_in(["all", "stage", "sex"])).with_columns(
        stage=pl.when(pl.col("breakdown") == "stage")
        .then(pl.col("breakdown_value"))
        .otherwise(pl.lit("all")),
        sex=pl.when(pl.col("breakdown") == "sex").then(pl.col("breakdown_value")).otherwise(pl.lit("all")),
    )


def _leq_pairs(small: np.ndarray, large: np.ndarray) -> pl.DataFrame:
    """Terms of `small[i] − large[i] ≤ 0`, one inequality per pair."""
    eq = np.arange(small.size, dtype=np.int64)
    return pl.DataFrame(
        {
            "eq": np.concatenate([eq, eq]),
            "var": np.concatenate([small, large]).astype(np.int64),
            "coef": np.concatenate([np.ones(small.size), -np.ones(small.size)]),
        }
    )


def base_pairs(est: pl.DataFrame, tc: pl.DataFrame, rr: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(base variable, respondents variable) pairs: an estimate's n or a circles base within its respondents.

    Example: ind_x (a secondary indicator) at school 5550000, stage S2 with n = 36 pairs with the school's
    secondary S2 respondents: 36 ≤ respondents.
    """
    responses = rr.select(*RESPONSE_AREA, pl.col("var").alias("r_var"))
    instruments = load_catalogue().select("indicator_id", "instrument")
    estimates = _response_target(est.join(instruments, on="indicator_id", how="inner"))
    est_pairs = estimates.join(responses, on=RESPONSE_AREA, how="inner").select("n_var", "r_var")
    circles = (
        _response_target(
            tc.select("geography_level", "geography_code", "breakdown", "breakdown_value", "b_var")
        )
        .unique("b_var")
        .with_columns(instrument=pl.lit("all"))
    )
    circle_pairs = circles.join(responses, on=RESPONSE_AREA, how="inner").select(
        pl.col("b_var").alias("n_var"), "r_var"
    )
    pairs = pl.concat([est_pairs, circle_pairs])
    return pairs["n_var"].to_numpy(), pairs["r_var"].to_numpy()


def add_base_bounds(builder: SystemBuilder, est: pl.DataFrame, tc: pl.DataFrame, rr: pl.DataFrame) -> None:
    """Relations `printed base ≤ respondents of its area` (kept where the true counts satisfy them)."""
    if (est.is_empty() and tc.is_empty()) or rr.is_empty():
        return
    small, large = base_pairs(est, tc, rr)
    if small.size:
        builder.add_inequalities(_leq_pairs(small, large))


def _rows(
    size: int, coefficients: list[tuple[np.ndarray, np.ndarray]], rhs: np.ndarray, source: str
) -> SideInformation:
    """Side-information rows Σ coef·var ≤ rhs, one per entry of `rhs`, from (variables, coefficients) columns."""
    k = rhs.size
    rows = np.concatenate([np.arange(k)] * len(coefficients)) if k else np.zeros(0, np.int64)
    cols = np.concatenate([v for v, _ in coefficients]) if k else np.zeros(0, np.int64)
    data = np.concatenate([c for _, c in coefficients]) if k else np.zeros(0)
    matrix = sp.csr_matrix((data, (rows, cols.astype(np.int64))), shape=(k, size))
    matrix.sum_duplicates()
    return SideInformation(matrix, rhs.astype(float), np.full(k, source, dtype=object))


def _shown_rows(
    tables: dict[str, pl.DataFrame], published: dict[str, pl.DataFrame]
) -> list[tuple[str, pl.DataFrame, list[str], str]]:
    """(table, published rows joined to their variables, keys, value column) for every rounded percentage."""
    found = []
    for table, keys, pct, columns in (
        ("three_circles", CIRCLE_KEYS, "percent", ["c_var", "b_var"]),
        ("response_rates", RESPONSE_KEYS, "response_rate", ["var", "roll"]),
    ):
        frame = published.get(f"published_{table}")
        if frame is None or pct not in frame.columns or table not in tables:
            continue
        shown = frame.filter(pl.col(pct).is_not_null()).select(*keys, pl.col(pct).alias("_pct"))
        found.append(
            (table, shown.join(tables[table].select(*keys, *columns), on=keys, nulls_equal=True), keys, pct)
        )
    return found


def rounding_information(
    system: CountSystem,
    tables: dict[str, pl.DataFrame],
    hidden: np.ndarray,
    published: dict[str, pl.DataFrame],
) -> SideInformation:
    """Rows for every printed rounded percentage whose count or base is withheld (see the module docstring)."""
    parts = []
    for table, joined, _, _ in _shown_rows(tables, published):
        pct = np.rint(joined["_pct"].to_numpy().astype(float))
        if table == "three_circles":
            count, base = joined["c_var"].to_numpy(), joined["b_var"].to_numpy()
            open_ = hidden[count] | hidden[base]
            count, base, p = count[open_], base[open_], pct[open_]
            parts.append(
                _rows(
                    system.size,
                    [(count, np.full(p.size, 200.0)), (base, -(2 * p + 1))],
                    -np.ones(p.size),
                    "rounding",
                )
            )
            parts.append(
                _rows(
                    system.size,
                    [(count, np.full(p.size, -200.0)), (base, 2 * p - 1)],
                    np.zeros(p.size),
                    "rounding",
                )
            )
        else:
            count, roll = joined["var"].to_numpy(), joined["roll"].to_numpy().astype(float)
            open_ = hidden[count] & (roll > 0)
            count, roll, p = count[open_], roll[open_], pct[open_]
            parts.append(
                _rows(system.size, [(count, np.full(p.size, 200.0))], (2 * p + 1) * roll - 1, "rounding")
            )
            parts.append(
                _rows(system.size, [(count, np.full(p.size, -200.0))], -(2 * p - 1) * roll, "rounding")
            )
    return SideInformation.concat(parts, system.size)


SHOWN = {
    "estimates": (ESTIMATE_KEYS, [("n", "n_var"), ("value", "p_var")]),
    "three_circles": (CIRCLE_KEYS, [("n", "c_var"), ("base", "b_var")]),
    "response_rates": (RESPONSE_KEYS, [("respondents", "var")]),
    "linkage_quality": (LINKAGE_KEYS, [("count", "var")]),
}
"""Per table: its keys and (published column, variable column) of every count a row can show."""


def shown_information(
    system: CountSystem,
    tables: dict[str, pl.DataFrame],
    hidden: np.ndarray,
    published: dict[str, pl.DataFrame],
) -> SideInformation:
    """x = its value for every variable the audit treats as withheld that some published row shows.

    A shown percentage stands for its numerator's true value, as everywhere in the audit (conservative).
    """
    found: set[int] = set()
    for table, (keys, pairs) in SHOWN.items():
        frame = published.get(f"published_{table}")
        if frame is None or table not in tables:
            continue
        for column, var in pairs:
            if column not in frame.columns or var not in tables[table].columns:
                continue
            shown = frame.filter(pl.col(column).is_not_null()).select(keys)
            ids = (
                tables[table].join(shown, on=keys, how="semi", nulls_equal=True)[var].drop_nulls().to_numpy()
            )
            found.update(int(v) for v in ids[hidden[ids]])
    ids = np.array(sorted(found), dtype=np.int64)
    values = system.values[ids].astype(float)
    return SideInformation.concat(
        [
            _rows(system.size, [(ids, np.ones(ids.size))], values, "shown"),
            _rows(system.size, [(ids, -np.ones(ids.size))], -values, "shown"),
        ],
        system.size,
    )


def published_side_information(
    system: CountSystem,
    tables: dict[str, pl.DataFrame],
    hidden: np.ndarray,
    published: dict[str, pl.DataFrame],
) -> SideInformation:
    """Everything the published tables tell beyond the exact counts the audit fixes: rounding, shown anywhere."""
    return SideInformation.concat(
        [
            rounding_information(system, tables, hidden, published),
            shown_information(system, tables, hidden, published),
        ],
        system.size,
    )
