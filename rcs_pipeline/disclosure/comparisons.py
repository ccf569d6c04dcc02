"""published_comparisons: the disclosure-controlled twin of `analysis/comparisons` (docs/methods/disclosure.md §9).

A comparison is published only when every figure it rests on is published: both compared domains'
published estimates are shown (not suppressed); for a `rest_of_council`, `rest_of_wave` or `rest`
reference, the whole and the part are both shown (for `rest`, every group of the breakdown, whose sum
is the whole). If any of those figures is withheld, the row keeps its keys, its value columns are null
and `suppressed` is true (reports print `[c]` and state no direction). If a figure is not in the
published tables at all (outside the publication scope, or no respondents), the row's values are null,
`suppressed` is false and `test_status` is `not_published` (reports print `[x]`).

Values are printed as the published estimates print them (whole percentages, means to one decimal
place). The design standard error, the degrees of freedom and the unadjusted p-value are not published,
nor any side's base: no estimate's base is published (docs/methods/disclosure.md §4, "Bases").
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.publish import ESTIMATE_KEYS, display
from rcs_pipeline.schemas import conform, schema

S, I64, F64 = pl.String, pl.Int64, pl.Float64
COMPARISON_KEYS = [
    "family",
    "indicator_id",
    "comparison",
    "geography_level",
    "geography_code",
    "breakdown",
    "breakdown_value",
    "reference",
]
COMPARISON_SCHEMA = schema("comparisons")
"""`analysis/comparisons` as docs/tables.md describes it (the input; rcs_pipeline/schemas.py)."""
PUBLISHED_COMPARISON_SCHEMA = schema("published_comparisons")
"""`published_comparisons` (the output); `reliability` / `reference_reliability` copy the published estimates'
flag of each side ('low' or null; null for a `rest` side), so a report prints [u] beside the value."""
REST_REFERENCES = ("rest_of_council", "rest_of_wave", "rest")
NOT_PUBLISHED = "not_published"
SHOWN, WITHHELD, ABSENT = 0, 1, 2
"""Figure states, ordered so that the worst of several is their maximum (withheld wins over absent)."""


def conform_comparisons(frame: pl.DataFrame | None) -> pl.DataFrame:
    """`analysis/comparisons` with the contract's columns and types; an error names any missing column."""
    return conform(frame, "comparisons")


def figure_states(published: pl.DataFrame, wave: str = "") -> pl.DataFrame:
    """Published estimates as figures: keys, `fig_wave`, unit, value and state (shown or withheld)."""
    shown = ~pl.col("suppressed").fill_null(True) & pl.col("value").is_not_null()
    return published.select(
        pl.lit(wave, S).alias("fig_wave"),
        *[pl.col(k).cast(S) for k in ESTIMATE_KEYS],
        pl.col("unit").cast(S),
        pl.col("value").cast(F64),
        pl.when(shown).then(pl.lit(SHOWN)).otherwise(pl.lit(WITHHELD)).cast(pl.Int8).alias("state"),
        (pl.col("reliability") if "reliability" in published.columns else pl.lit(None)).cast(S).alias("rel"),
    )


def breakdown_states(figures: pl.DataFrame) -> pl.DataFrame:
    """Per indicator, geography and breakdown (not `all`): the worst state over all its groups (the `rest` whole)."""
    return (
        figures.filter((pl.col("fig_wave") == "") & (pl.col("breakdown") != "all"))
        .group_by("indicator_id", "geography_level", "geography_code", "breakdown")
        .agg(pl.col("state").max().alias("whole_state"))
    )


def reference_domain(la_code: str) -> list[pl.Expr]:
    """The figure each comparison's other side rests on: `ref_wave` ('' = this wave), level, code, breakdown, group.

    A `group_vs_rest` comparison rests on every group of its breakdown (`breakdown_states`), so it has none here.
    """
    kind = pl.col("comparison")
    wave = pl.when(kind == "wave_vs_wave").then(pl.col("reference")).otherwise(pl.lit(""))
    level = (
        pl.when(kind == "area_vs_rest_of_council")
        .then(pl.lit("council"))
        .when(kind == "council_vs_rest_of_wave")
        .then(pl.lit("all_councils"))
        .otherwise(pl.col("geography_level"))
    )
    code = (
        pl.when(kind == "area_vs_rest_of_council")
        .then(pl.lit(la_code))
        .when(kind == "council_vs_rest_of_wave")
        .then(pl.lit("all"))
        .otherwise(pl.col("geography_code"))
    )
    whole = kind.is_in(["area_vs_rest_of_council", "council_vs_rest_of_wave"])
    breakdown = pl.when(whole).then(pl.lit("all")).otherwise(pl.col("breakdown"))
    value = (
        pl.when(whole)
        .then(pl.lit("all"))
        .when(kind == "group_vs_group")
        .then(pl.col("reference"))
        .when(kind == "wave_vs_wave")
        .then(pl.col("breakdown_value"))
    )
    named = {
        "ref_wave": wave,
        "ref_level": level,
        "ref_code": code,
        "ref_breakdown": breakdown,
        "ref_value": value,
    }
    return [expr.cast(S).alias(name) for name, expr in named.items()]


def publish_comparisons(
    comparisons: pl.DataFrame,
    published: pl.DataFrame,
    comparator: pl.DataFrame,
    earlier: dict[str, pl.DataFrame],
    la_code: str,
) -> pl.DataFrame:
    """published_comparisons of one council and wave from its comparisons and the published figures they rest on.

    `published` is the council's published_estimates of the wave, `comparator` its
    published_comparator_estimates (empty in a one-council wave), `earlier` the council's
    published_estimates of each earlier wave, by wave.
    """
    comps = conform_comparisons(comparisons)
    figures = pl.concat(
        [
            figure_states(published),
            figure_states(comparator),
            *[figure_states(frame, wave) for wave, frame in sorted(earlier.items())],
        ]
    )
    own = figures.filter(pl.col("fig_wave") == "").drop("fig_wave")
    side_a = own.rename({"value": "a_value", "state": "a_state", "rel": "a_rel"})
    side_b = figures.rename(
        {
            "fig_wave": "ref_wave",
            "geography_level": "ref_level",
            "geography_code": "ref_code",
            "breakdown": "ref_breakdown",
            "breakdown_value": "ref_value",
            "unit": "b_unit",
            "value": "b_value",
            "state": "b_state",
            "rel": "b_rel",
        }
    )
    framed = (
        comps.with_columns(reference_domain(la_code))
        .join(side_a, on=ESTIMATE_KEYS, how="left")
        .join(
            side_b,
            on=["ref_wave", "indicator_id", "ref_level", "ref_code", "ref_breakdown", "ref_value"],
            how="left",
        )
        .join(
            breakdown_states(figures),
            on=["indicator_id", "geography_level", "geography_code", "breakdown"],
            how="left",
        )
    )
    is_rest = pl.col("comparison") == "group_vs_rest"
    other = pl.when(is_rest).then(pl.col("whole_state")).otherwise(pl.col("b_state"))
    state = pl.max_horizontal(pl.col("a_state").fill_null(ABSENT), other.fill_null(ABSENT))
    framed = framed.with_columns(state=state)
    shown = pl.col("state") == SHOWN
    rest_side = pl.col("comparison").is_in(["area_vs_rest_of_council", "council_vs_rest_of_wave"]) | is_rest
    unit = pl.col("unit")
    return framed.select(
        *list(COMPARISON_SCHEMA)[:8],
        pl.when(pl.col("state") != WITHHELD).then(unit).alias("unit"),
        pl.when(shown).then(pl.col("a_value")).alias("estimate"),
        pl.when(shown)
        .then(
            pl.when(rest_side).then(display(pl.col("reference_estimate"), unit)).otherwise(pl.col("b_value"))
        )
        .alias("reference_estimate"),
        pl.when(shown).then(display(pl.col("difference"), unit)).alias("difference"),
        pl.when(shown).then(pl.col("p_adjusted").round(3)).alias("p_adjusted"),
        pl.when(shown).then(pl.col("direction")).alias("direction"),
        pl.when(shown)
        .then(pl.col("test_status"))
        .when(pl.col("state") == ABSENT)
        .then(pl.lit(NOT_PUBLISHED))
        .alias("test_status"),
        (pl.col("state") == WITHHELD).alias("suppressed"),
        pl.when(shown).then(pl.col("a_rel")).alias("reliability"),
        pl.when(shown & ~rest_side).then(pl.col("b_rel")).alias("reference_reliability"),
    ).sort(COMPARISON_KEYS)


VALUE_COLUMNS = (
    "unit",
    "estimate",
    "reference_estimate",
    "difference",
    "p_adjusted",
    "direction",
    "test_status",
    "reliability",
    "reference_reliability",
)


def rule_breaches(
    written: pl.DataFrame,
    published: pl.DataFrame,
    comparator: pl.DataFrame,
    earlier: dict[str, pl.DataFrame],
    la_code: str,
) -> list[str]:
    """The published comparisons that break the rule, checked row by row apart from `publish_comparisons`.

    A shown row must rest only on shown published figures, repeat the first side's published value (and a group
    or earlier-wave reference's) and carry no base at all; a withheld row no value.
    Each breach is named by its keys only (never a value).
    """
    figures: dict[tuple[str, ...], dict] = {}
    for wave, frame in [("", published), ("", comparator), *sorted(earlier.items())]:
        for r in frame.iter_rows(named=True):
            key = (wave, *(str(r[k]) for k in ESTIMATE_KEYS))
            figures[key] = r
    groups: dict[tuple[str, ...], list[dict]] = {}
    for key, r in figures.items():
        if key[0] == "" and key[4] != "all":
            groups.setdefault(key[1:5], []).append(r)
    breaches = []
    for row in written.iter_rows(named=True):
        name = "|".join(str(row[k]) for k in COMPARISON_KEYS)
        if row["suppressed"]:
            if any(row[c] is not None for c in VALUE_COLUMNS):
                breaches.append(f"{name}: withheld but carries a value")
            continue
        if row["test_status"] == NOT_PUBLISHED:
            continue
        first, rested = _rested_on(row, la_code, figures, groups)
        if not all(_is_shown(f) for f in [first, *rested]):
            breaches.append(f"{name}: rests on a figure that is not published")
        elif any(row.get(c) is not None for c in ("n", "reference_n")):
            breaches.append(f"{name}: publishes a base")
        elif row["estimate"] != first["value"]:  # type: ignore[index]
            breaches.append(f"{name}: first side is not its published value")
        elif (
            row["comparison"] in ("group_vs_group", "wave_vs_wave")
            and row["reference_estimate"] != rested[0]["value"]
        ):
            breaches.append(f"{name}: reference is not its published value")
    return breaches


def _is_shown(figure: dict | None) -> bool:
    """Whether a published figure exists and is shown."""
    return figure is not None and not figure["suppressed"] and figure["value"] is not None


def _rested_on(
    row: dict, la_code: str, figures: dict[tuple[str, ...], dict], groups: dict[tuple[str, ...], list[dict]]
) -> tuple[dict | None, list[dict | None]]:
    """The first side's published figure and the figures the other side rests on, for one comparison row."""
    ind, level, code, bd, val = (str(row[k]) for k in ESTIMATE_KEYS)
    first = figures.get(("", ind, level, code, bd, val))
    kind, ref = row["comparison"], str(row["reference"])
    if kind == "area_vs_rest_of_council":
        return first, [figures.get(("", ind, "council", la_code, "all", "all"))]
    if kind == "council_vs_rest_of_wave":
        return first, [figures.get(("", ind, "all_councils", "all", "all", "all"))]
    if kind == "group_vs_group":
        return first, [figures.get(("", ind, level, code, bd, ref))]
    if kind == "wave_vs_wave":
        return first, [figures.get((ref, ind, level, code, bd, val))]
    return first, list(groups.get((ind, level, code, bd), [])) or [None]
