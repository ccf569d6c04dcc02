"""What else a reader of the published tables knows, for the attacker audit (issue 21; docs/methods/disclosure.md §4).

The CountSystem fixes every published count at its value. A reader knows more, and the audit gets it:

- **bases**: no estimate's own base `n` is published (publish.py); the base a reader sees is the area's
  respondents, printed once in the response table. A three-circles group's base (pupils with both flags known)
  is printed and lies within the area's pupil respondents: a definition, so a relation of the CountSystem
  (`add_base_bounds`, rules.yaml `base_within_respondents`), used by protection and the audit alike. A
  publication that prints estimate bases anyway gives the audit of the tables as written each printed n within
  its area's respondents (`estimate_base_information`).
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


def _estimate_pairs(est: pl.DataFrame, responses: pl.DataFrame) -> pl.DataFrame:
    """(n_var, r_var): an estimate's base n within its area's respondents (same instrument, stage and sex)."""
    instruments = load_catalogue().select("indicator_id", "instrument")
    estimates = _response_target(est.join(instruments, on="indicator_id", how="inner"))
    return estimates.join(responses, on=RESPONSE_AREA, how="inner").select("n_var", "r_var")


def _circle_pairs(tc: pl.DataFrame, responses: pl.DataFrame, values: bool = False) -> pl.DataFrame:
    """(n_var, r_var): a three-circles group's base within its area's pupil respondents (instrument `all`);
    with `values`, also the true `_base` and `respondents` (tc must carry `_base`)."""
    extra = ["_base"] if values else []
    circles = (
        _response_target(
            tc.select("geography_level", "geography_code", "breakdown", "breakdown_value", "b_var", *extra)
        )
        .unique("b_var")
        .with_columns(instrument=pl.lit("all"))
    )
    return circles.join(responses, on=RESPONSE_AREA, how="inner").select(
        pl.col("b_var").alias("n_var"), "r_var", *([*extra, "respondents"] if values else [])
    )


def base_pairs(
    tc: pl.DataFrame, rr: pl.DataFrame, est: pl.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(base variable, respondents variable) pairs: a circles base (and, given `est`, an estimate's n) within
    its area's respondents.

    Example: ind_x (a secondary indicator) at school 5550000, stage S2 with n = 36 pairs with the school's
    secondary S2 respondents: 36 ≤ respondents.
    """
    responses = rr.select(*RESPONSE_AREA, pl.col("var").alias("r_var"))
    parts = [_circle_pairs(tc, responses)]
    if est is not None:
        parts.append(_estimate_pairs(est, responses))
    pairs = pl.concat(parts)
    return pairs["n_var"].to_numpy(), pairs["r_var"].to_numpy()


def add_base_bounds(builder: SystemBuilder, tc: pl.DataFrame, rr: pl.DataFrame) -> None:
    """Relations `printed base ≤ respondents of its area` for every base the publication prints: the
    three-circles bases (kept where the true counts satisfy them). No estimate base is printed (publish.py)."""
    if tc.is_empty() or rr.is_empty():
        return
    responses = rr.select(*RESPONSE_AREA, pl.col("var").alias("r_var"), "respondents")
    pairs = _circle_pairs(tc.with_columns(_base=pl.col("base")), responses, values=True)
    pairs = pairs.filter(
        pl.col("_base") <= pl.col("respondents")
    )  # a definition, kept where the data hold it
    small, large = pairs["n_var"].to_numpy(), pairs["r_var"].to_numpy()
    if small.size:
        builder.add_inequalities(_leq_pairs(small, large))
        # also a part within its whole, so the public roll's ceiling carries to the base (public_ceilings): a
        # base withheld in 0..its school's small roll tells nothing public knowledge does not
        builder.add_pairs("at_most", small, large)


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


def estimate_base_information(
    system: CountSystem, tables: dict[str, pl.DataFrame], published: dict[str, pl.DataFrame]
) -> SideInformation:
    """Rows n − respondents ≤ 0 for every estimate whose base n a publication prints (none should: publish.py).

    The pipeline prints no estimate base; a table that does (an older or careless publication) gives the reader
    each printed n within its area's respondents, and an indicator every respondent answered prints n =
    respondents, so the audit of the tables as written takes these rows (tests/security/test_side_information.py).
    """
    frame = published.get("published_estimates")
    if (
        frame is None
        or "n" not in frame.columns
        or "estimates" not in tables
        or "response_rates" not in tables
    ):
        return SideInformation.empty(system.size)
    printed = tables["estimates"].join(
        frame.filter(pl.col("n").is_not_null()).select(ESTIMATE_KEYS),
        on=ESTIMATE_KEYS,
        how="semi",
        nulls_equal=True,
    )
    responses = tables["response_rates"].select(*RESPONSE_AREA, pl.col("var").alias("r_var"))
    pairs = _estimate_pairs(printed, responses)
    small, large = pairs["n_var"].to_numpy(), pairs["r_var"].to_numpy()
    holds = (
        system.values[small] <= system.values[large]
    )  # a definition; kept where the true counts satisfy it
    small, large = small[holds], large[holds]
    k = small.size
    return _rows(system.size, [(small, np.ones(k)), (large, -np.ones(k))], np.zeros(k), "bases")


def published_side_information(
    system: CountSystem,
    tables: dict[str, pl.DataFrame],
    hidden: np.ndarray,
    published: dict[str, pl.DataFrame],
) -> SideInformation:
    """Everything the published tables tell beyond the exact counts the audit fixes: rounding, shown anywhere,
    and any printed estimate base."""
    return SideInformation.concat(
        [
            rounding_information(system, tables, hidden, published),
            shown_information(system, tables, hidden, published),
            estimate_base_information(system, tables, published),
        ],
        system.size,
    )
