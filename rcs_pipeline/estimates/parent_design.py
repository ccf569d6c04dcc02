"""The parent survey's design-based estimates: a stratified household sample, not a census (docs/methods/parents.md).

Design (parent_design.yaml): strata = council × the contractor's sample stratum (the council alone when
the delivery carries none), weights = the delivered design weight (else 1), no finite population
correction. R: `svydesign(ids=~1, strata=~stratum, weights=~weight, data=<council>)`; the all-councils
comparator is one design over every council (strata la_code + stratum). Every council, cluster and
breakdown group is a domain of that design; a ratio R = Σwy/Σw over D has z_i = w_i (y_i − R)/Σ_D w on D
(0 elsewhere) and

  v = Σ_h n_h/(n_h − 1) · (Σ_h z² − (Σ_h z)²/n_h),

n_h counting every design row of stratum h. df = answered rows of D minus strata holding them (R's degf of
the subset). A stratum of one interview touched by D leaves no variance (`single_psu`, R's "Stratum has only
one PSU"). Intervals and the reliability flag as the pupil estimates (intervals.with_intervals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from rcs_pipeline.estimates.comparisons import Design, combine, prepare_design, untested_comparisons
from rcs_pipeline.estimates.domains import COMPARATOR_CODE, COMPARATOR_LEVEL
from rcs_pipeline.estimates.intervals import with_intervals
from rcs_pipeline.estimates.survey_estimates import ESTIMATE_SCHEMA, SORT_KEYS, IndicatorColumnError
from rcs_pipeline.schemas import schema

PARENT_LEVELS: tuple[str, ...] = ("council", "cluster")
LEVEL_CODES: dict[str, pl.Expr] = {
    "council": pl.col("la_code"),
    "cluster": pl.col("asg_code"),
    COMPARATOR_LEVEL: pl.lit(COMPARATOR_CODE),
}
STRATUM_SEPARATOR = "|"


@cache
def design_rules() -> dict[str, Any]:
    """parent_design.yaml: design columns, age bands and breakdowns."""
    text = resources.files("rcs_pipeline.estimates").joinpath("parent_design.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def parent_breakdowns() -> dict[str, str]:
    """Breakdown name -> parent_scores column, in the order reports show them."""
    return dict(design_rules()["breakdowns"])


def age_band(age: pl.Expr) -> pl.Expr:
    """The child's age band ('0-2', '3-4', '5-8') of a whole-year age; null when the age is not known."""
    expr = pl.lit(None, pl.String)
    for band in reversed(design_rules()["age_bands"]):
        expr = pl.when(age.is_between(band["min"], band["max"])).then(pl.lit(band["band"])).otherwise(expr)
    return expr


def with_age_band(parents: pl.DataFrame) -> pl.DataFrame:
    """parent_scores with `child_age_band` (from `child_age`) when it is not there yet."""
    if "child_age_band" in parents.columns:
        return parents
    return parents.with_columns(age_band(pl.col("child_age").cast(pl.Int16)).alias("child_age_band"))


def _text(column: str, schema: pl.Schema) -> pl.Expr:
    """A breakdown column as published text: booleans 'true'/'false', numbers as digits."""
    expr = pl.col(column)
    if schema[column] == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(~expr).then(pl.lit("false")).otherwise(None)
    return expr.cast(pl.String)


def design_rows(parents: pl.DataFrame) -> pl.DataFrame:
    """The rows in the design (positive weight) with `stratum`, `weight` and breakdown text columns `b_<name>`.

    Stratum = la_code | sample stratum (or the council's one stratum); weight = design weight, else the
    table's weight (1 for parents), else 1.
    """
    rules = design_rules()["design"]
    frame = design_rows_all(with_age_band(parents))
    weight = pl.col("weight").cast(pl.Float64) if "weight" in frame.columns else pl.lit(1.0)
    if rules["weight_column"] in frame.columns:
        weight = pl.col(rules["weight_column"]).cast(pl.Float64).fill_null(weight)
    breakdowns = {f"b_{name}": _text(column, frame.schema) for name, column in parent_breakdowns().items()}
    frame = frame.with_columns(weight.alias("weight"), **breakdowns)
    return frame.filter(pl.col("weight").is_not_null() & (pl.col("weight") > 0))


def _check_columns(parents: pl.DataFrame, types: Mapping[str, str]) -> None:
    """Fail with the list of missing columns before anything is computed."""
    needed = ["la_code", "asg_code", *(c for c in parent_breakdowns().values() if c != "child_age_band")]
    needed += [] if "child_age_band" in parents.columns else ["child_age"]
    needed += [f"ind_{i}" for i in types]
    missing = [c for c in needed if c not in parents.columns]
    if missing:
        raise IndicatorColumnError(f"parent_scores is missing columns needed for estimates: {missing}")


def _long(rows: pl.DataFrame, types: Mapping[str, str]) -> pl.DataFrame:
    """One row per respondent × answered indicator: stratum, weight, geographies, breakdowns, y."""
    keep = ["_row", "stratum", "weight", "la_code", "asg_code", *(f"b_{b}" for b in parent_breakdowns())]
    parts = [
        rows.select(*keep, pl.lit(i).alias("indicator_id"), pl.col(f"ind_{i}").cast(pl.Float64).alias("y"))
        for i in types
    ]
    return pl.concat(parts).drop_nulls("y")


def _domains(long: pl.DataFrame, levels: tuple[str, ...]) -> pl.DataFrame:
    """Every (geography, breakdown group) domain's rows: long rows repeated once per domain they are in."""
    parts = []
    for level in levels:
        code = LEVEL_CODES[level]
        for breakdown in ("all", *parent_breakdowns()):
            value = pl.lit("all") if breakdown == "all" else pl.col(f"b_{breakdown}")
            parts.append(
                long.select(
                    pl.lit(level).alias("geography_level"),
                    code.cast(pl.String).alias("geography_code"),
                    pl.lit(breakdown).alias("breakdown"),
                    value.alias("breakdown_value"),
                    "indicator_id", "stratum", "weight", "y",
                ).drop_nulls(["geography_code", "breakdown_value"])
            )  # fmt: skip
    return pl.concat(parts)


def domain_variances(domains: pl.DataFrame, strata: pl.DataFrame) -> pl.DataFrame:
    """Per domain: n, n_positive (Σy), estimate, var (None with a lonely stratum), df and var_status.

    Every floating-point sum adds its terms in one fixed order (the rows' order, then the strata's), so the
    same scores give the same bits in every run: a parallel group-by otherwise adds them in whatever order
    its threads finish, and the last digits of a variance differ from run to run.
    """
    keys = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
    domains = domains.with_row_index("row")
    in_order = pl.col("row")
    ratio = domains.group_by(keys).agg(
        pl.len().alias("n"),
        pl.col("y").sum().alias("sum_y"),
        (pl.col("weight") * pl.col("y")).sort_by(in_order).sum().alias("wy"),
        pl.col("weight").sort_by(in_order).sum().alias("w"),
    )
    ratio = ratio.with_columns((pl.col("wy") / pl.col("w")).alias("estimate"))
    z = domains.join(ratio.select(*keys, "estimate", "w"), on=keys).with_columns(
        (pl.col("weight") * (pl.col("y") - pl.col("estimate")) / pl.col("w")).alias("z")
    )
    per_stratum = (
        z.group_by(*keys, "stratum")
        .agg(
            pl.col("z").sort_by(in_order).sum().alias("sz"),
            (pl.col("z") ** 2).sort_by(in_order).sum().alias("sz2"),
        )
        .join(strata, on="stratum")
        .with_columns(
            pl.when(pl.col("n_h") >= 2)
            .then(pl.col("n_h") / (pl.col("n_h") - 1) * (pl.col("sz2") - pl.col("sz") ** 2 / pl.col("n_h")))
            .otherwise(0.0)
            .alias("term")
        )
    )
    var = per_stratum.group_by(keys).agg(
        pl.col("term").sort_by("stratum").sum().clip(lower_bound=0.0).alias("var"),
        pl.len().alias("strata"),
        (pl.col("n_h") < 2).any().alias("lonely"),
    )
    return ratio.join(var, on=keys).select(
        *keys,
        "n",
        "sum_y",
        "estimate",
        pl.when(pl.col("lonely")).then(None).otherwise(pl.col("var")).alias("var"),
        (pl.col("n") - pl.col("strata")).alias("df"),
        pl.when(pl.col("lonely")).then(pl.lit("single_psu")).otherwise(None).alias("var_status"),
    )


def estimate_parents(
    parents: pl.DataFrame, types: Mapping[str, str], levels: tuple[str, ...] = PARENT_LEVELS
) -> pl.DataFrame:
    """Estimates of every parent indicator × level × parent breakdown group (ESTIMATE_SCHEMA).

    `parents` may hold several councils (their strata never mix). Pass `levels=('all_councils',)` for the
    wave's comparator over every council in `parents` (one design).
    """
    _check_columns(parents, types)
    rows = design_rows(parents).with_row_index("_row")
    if not types or rows.is_empty():
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)
    strata = rows.group_by("stratum").agg(pl.len().alias("n_h"))
    raw = domain_variances(_domains(_long(rows, types), levels), strata)
    proportions = [i for i, t in types.items() if t == "proportion"]
    raw = raw.with_columns(
        pl.when(pl.col("indicator_id").is_in(proportions))
        .then(pl.col("sum_y").round(0).cast(pl.Int64))
        .otherwise(None)
        .alias("n_positive")
    )
    out = with_intervals(raw, pl.col("indicator_id").is_in(proportions))
    return out.select(ESTIMATE_SCHEMA.keys()).cast(ESTIMATE_SCHEMA).sort(SORT_KEYS)


RESPONSE_SCHEMA = schema("response_rates")  # analysis/response_rates (rcs_pipeline/schemas.py)
ISSUED_COLUMN = "stratum_issued"


def parent_response(parents: pl.DataFrame) -> pl.DataFrame:
    """The council's parent response as a response_rates row: interviews against families issued (`roll`).

    Only when every interview's sample stratum carries `stratum_issued` (one value per stratum, at least its
    interviews); else no row: a rate over part of the sample would mislead. Rows: council × 'parent' × 'all'
    × 'all' (docs/methods/parents.md).
    """
    if ISSUED_COLUMN not in parents.columns or parents.is_empty():
        return pl.DataFrame(schema=RESPONSE_SCHEMA)
    rows = design_rows_all(parents)
    strata = rows.group_by("la_code", "stratum").agg(
        pl.len().alias("interviews"),
        pl.col(ISSUED_COLUMN).drop_nulls().n_unique().alias("values"),
        pl.col(ISSUED_COLUMN).max().alias("issued"),
        pl.col(ISSUED_COLUMN).null_count().alias("missing"),
    )
    usable = (pl.col("values") == 1) & (pl.col("missing") == 0) & (pl.col("issued") >= pl.col("interviews"))
    complete = strata.group_by("la_code").agg(
        usable.all().alias("ok"), pl.col("issued").sum(), pl.col("interviews").sum()
    )
    return (
        complete.filter(pl.col("ok"))
        .select(
            pl.lit("council").alias("geography_level"),
            pl.col("la_code").alias("geography_code"),
            pl.lit("parent").alias("instrument"),
            pl.lit("all").alias("stage"),
            pl.lit("all").alias("sex"),
            pl.col("issued").alias("roll"),
            pl.col("interviews").alias("respondents"),
        )
        .cast(RESPONSE_SCHEMA)
        .sort("geography_code")
    )


def design_rows_all(parents: pl.DataFrame) -> pl.DataFrame:
    """Every interview with its `stratum` (as design_rows, but keeping rows without a positive weight)."""
    rules = design_rules()["design"]
    stratum = pl.lit(rules["default_stratum"])
    if rules["stratum_column"] in parents.columns:
        stratum = pl.col(rules["stratum_column"]).cast(pl.String).fill_null(stratum)
    return parents.with_columns(
        (pl.col("la_code").cast(pl.String) + STRATUM_SEPARATOR + stratum).alias("stratum")
    )


COMPARISON_LEVELS: tuple[str, ...] = ("council", "cluster")


def comparison_rows(parents: pl.DataFrame) -> pl.DataFrame:
    """parent_scores in the columns of the comparisons design (estimates/comparisons.py, DESIGN_COLUMNS).

    weight = the design weight (design_rows), weight_cell = the sample stratum (la_code | stratum), cell_roll =
    the stratum's interviews: tests use no finite population correction, so the roll only has to be there, and
    a one-interview stratum is lonely as in estimate_parents.
    """
    rows = design_rows(parents)
    sizes = rows.group_by("stratum").agg(pl.len().cast(pl.Int64).alias("cell_roll"))
    return rows.join(sizes, on="stratum", how="left").with_columns(pl.col("stratum").alias("weight_cell"))


def parent_design(
    parents: pl.DataFrame, indicators: Sequence[str], levels: Sequence[str] = COMPARISON_LEVELS
) -> Design:
    """The parent survey's design in the comparisons machinery (no group breakdowns: areas, waves only)."""
    return prepare_design(comparison_rows(parents), indicators, breakdowns=(), levels=levels)


def parent_comparisons(
    own: pl.DataFrame,
    others: Sequence[pl.DataFrame],
    earlier: Mapping[str, pl.DataFrame],
    indicators: Sequence[str],
) -> pl.DataFrame:
    """Untested parent comparisons of one council: each cluster against the rest of the council, the council
    against the rest of the wave's councils (every council's interviews, one design with council strata), and
    the council and each cluster against earlier waves. `own`, `others` and `earlier` are parent_scores.

    The rows are tested with the council's pupil comparisons (comparisons.council_comparisons `also`), so the
    Benjamini-Hochberg families span every claim of a report.
    """
    design = parent_design(own, indicators)
    wave = None
    if others:
        wave = combine([parent_design(f, indicators, ("council",)) for f in (own, *others)])
    then = {w: parent_design(f, indicators) for w, f in earlier.items() if f.height}
    return untested_comparisons(design, wave, then)
