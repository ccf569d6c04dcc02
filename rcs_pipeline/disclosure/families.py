"""Each publishable table family as variables and relations of the wave's CountSystem.

Functions take the unsuppressed table (with its primary reason columns) and return it with the ids of
its variables, after registering the relations that hold inside the family and across families.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from rcs_pipeline.disclosure.asn_groups import add_asn_group_inequalities, partition_rows
from rcs_pipeline.disclosure.settings import geography_rank, load_rules
from rcs_pipeline.disclosure.system import (
    SystemBuilder,
    hierarchy_terms,
    identity_terms,
    margin_terms,
    sum_terms,
)
from rcs_pipeline.need import need_flag_names, service_groups

GEOGRAPHY = ["geography_level", "geography_code"]
BREAKDOWN = ["breakdown", "breakdown_value"]
NEED_CIRCLES = ["need_with_service", "need_without_service"]
SERVICE_CIRCLES = ["need_with_service", "service_without_need"]
NO_SERVICE_CIRCLES = ["need_without_service", "neither"]
ANY_NEED, ANY_SERVICE = "need_any", "service_any"


def geography_parents(
    schools: pl.DataFrame, la_code: str | None = None, *, comparator: bool = False
) -> pl.DataFrame:
    """(level, code) → (parent level, parent code) from the public schools list: school → cluster → council."""
    frames = []
    if not schools.is_empty():
        named = schools.filter(pl.col("asg_code").is_not_null())
        council = pl.col("la_code") if "la_code" in named.columns and la_code is None else pl.lit(la_code)
        frames.append(
            named.select(
                pl.lit("school").alias("geography_level"),
                pl.col("seed_code").alias("geography_code"),
                pl.lit("cluster").alias("parent_level"),
                pl.col("asg_code").alias("parent_code"),
            )
        )
        frames.append(
            named.select(
                pl.lit("cluster").alias("geography_level"),
                pl.col("asg_code").alias("geography_code"),
                pl.lit("council").alias("parent_level"),
                council.alias("parent_code"),
            )
        )
    parents = (
        pl.concat(frames).unique()
        if frames
        else pl.DataFrame(
            schema=dict.fromkeys(
                ["geography_level", "geography_code", "parent_level", "parent_code"], pl.String
            )
        )
    )
    if comparator:
        councils = (
            schools.select(pl.col("la_code").unique()) if "la_code" in schools.columns else pl.DataFrame()
        )
        extra = councils.select(
            pl.lit("council").alias("geography_level"),
            pl.col("la_code").alias("geography_code"),
            pl.lit("all_councils").alias("parent_level"),
            pl.lit("all").alias("parent_code"),
        )
        parents = pl.concat([parents, extra])
    return parents.sort(["geography_level", "geography_code"])


def level_rank(extra: pl.Expr | None = None) -> pl.Expr:
    """Cost rank: twice the geography rank, plus one for a total row (cheaper to lose a breakdown value)."""
    ranks = geography_rank()
    geo = pl.col("geography_level").replace_strict(
        ranks, default=max(ranks.values()) + 1, return_dtype=pl.Int64
    )
    return geo * 4 + (extra if extra is not None else pl.lit(0))


def add_estimates(
    builder: SystemBuilder, estimates: pl.DataFrame, parents: pl.DataFrame, frozen: np.ndarray | None = None
) -> pl.DataFrame:
    """Variables n (every row) and n_positive (proportions); breakdown and hierarchy sums for both."""
    rank = level_rank((pl.col("breakdown_value") == "all").cast(pl.Int64))
    est = estimates.with_row_index("_i").with_columns(_rank=rank)
    n_var = builder.add_variables(est["n"].fill_null(0), est["_rank"], frozen=frozen)
    est = est.with_columns(n_var=pl.Series(n_var))
    prop = est.filter(pl.col("n_positive").is_not_null())
    p_var = builder.add_variables(
        prop["n_positive"], prop["_rank"], frozen=None if frozen is None else frozen[prop["_i"].to_numpy()]
    )
    est = est.join(prop.select("n_var", pl.Series("p_var", p_var)), on="n_var", how="left")
    within = ["indicator_id", *GEOGRAPHY]
    for column in ("n_var", "p_var"):
        cells = est.filter(pl.col(column).is_not_null()).with_columns(var=pl.col(column))
        # ASN reason groups are subsets, not a partition: their relations are inequalities (asn_groups.py)
        builder.add_relations(
            margin_terms(partition_rows(cells), "breakdown", on=within, by=[*within, "breakdown"])
        )
        builder.add_relations(hierarchy_terms(cells, parents, on=["indicator_id", *BREAKDOWN]))
    builder.add_pairs("at_most", p_var, prop["n_var"].to_numpy())
    builder.add_pairs("couples", prop["n_var"].to_numpy(), p_var)
    builder.add_pairs("complements", p_var, prop["n_var"].to_numpy())
    add_asn_group_inequalities(builder, est)  # ASN reason groups ⊂ any ASN ⊆ their union, each ⊂ all
    return est.drop("_rank", "_i")


def _chain_identity(frame: pl.DataFrame, group: list[str], member: str) -> pl.DataFrame:
    """Terms saying Σ var of every member equals Σ var of the group's first member (same children)."""
    first = frame.group_by(group).agg(pl.col(member).min().alias("_first"))
    framed = frame.join(first, on=group, nulls_equal=True)
    anchor = framed.filter(pl.col(member) == pl.col("_first")).drop(member, "_first")
    others = framed.filter(pl.col(member) != pl.col("_first")).drop("_first")
    members = others.select([*group, member]).unique()
    left = anchor.join(members, on=group, nulls_equal=True)
    return identity_terms(
        left.select([*group, member, "var"]), others.select([*group, member, "var"]), on=[*group, member]
    )


def add_three_circles(
    builder: SystemBuilder, three_circles: pl.DataFrame, parents: pl.DataFrame
) -> pl.DataFrame:
    """Variables per circle count and per group base; circles add to the base; sums and cross-need identities."""
    group = [*GEOGRAPHY, *BREAKDOWN, "need", "service"]
    tc = three_circles.with_columns(_rank=level_rank((pl.col("breakdown_value") == "all").cast(pl.Int64)))
    c_var = builder.add_variables(tc["n"], tc["_rank"])
    tc = tc.with_columns(c_var=pl.Series(c_var))
    bases = tc.group_by(group).agg(pl.col("base").first(), pl.col("_rank").first()).sort(group)
    # A base carries its whole group's percentages: cost it above any circle of the same level.
    b_var = builder.add_variables(bases["base"], bases["_rank"] + 2)
    bases = bases.with_columns(b_var=pl.Series(b_var))
    tc = tc.join(bases.select([*group, "b_var"]), on=group, how="left", nulls_equal=True)
    circles = tc.with_columns(var=pl.col("c_var"))
    base_cells = bases.with_columns(var=pl.col("b_var"))
    builder.add_relations(sum_terms(base_cells, circles, on=group, by=group))
    for cells, keys in ((circles, ["need", "service", "circle"]), (base_cells, ["need", "service"])):
        within = [*keys, *GEOGRAPHY]
        builder.add_relations(margin_terms(cells, "breakdown", on=within, by=[*within, "breakdown"]))
        builder.add_relations(hierarchy_terms(cells, parents, on=[*keys, *BREAKDOWN]))
    where = [*GEOGRAPHY, *BREAKDOWN]
    if not load_rules().get("three_circles_cross_identities", False):
        # Known gap (docs/methods/disclosure.md): these identities tie every need × service table of a
        # group into one LP component too large for the audit at present.
        builder.add_pairs("at_most", tc["c_var"].to_numpy(), tc["b_var"].to_numpy())
        builder.add_pairs("couples", tc["b_var"].to_numpy(), tc["c_var"].to_numpy())
        builder.add_pairs("complements", tc["c_var"].to_numpy(), tc["b_var"].to_numpy())
        return tc.drop("_rank")
    builder.add_relations(
        _chain_identity(circles.filter(pl.col("circle").is_in(NEED_CIRCLES)), [*where, "need"], "service"),
        exact_only=True,
    )
    builder.add_relations(
        _chain_identity(circles.filter(pl.col("circle").is_in(SERVICE_CIRCLES)), [*where, "service"], "need"),
        exact_only=True,
    )
    builder.add_relations(
        _chain_identity(
            base_cells.with_columns(_pair=pl.concat_str("need", "service", separator="|")), where, "_pair"
        ),
        exact_only=True,
    )
    builder.add_pairs("at_most", tc["c_var"].to_numpy(), tc["b_var"].to_numpy())
    builder.add_pairs("couples", tc["b_var"].to_numpy(), tc["c_var"].to_numpy())
    builder.add_pairs("complements", tc["c_var"].to_numpy(), tc["b_var"].to_numpy())
    add_union_inequalities(builder, circles, base_cells)
    return tc.drop("_rank")


def add_union_inequalities(builder: SystemBuilder, circles: pl.DataFrame, bases: pl.DataFrame) -> None:
    """Sums a reader can bound from the definitions (need/flags.yaml): a service group within `service_any`
    (= either group), a need within `need_any` (= any need). Same group of children, per circle:

    - with service g ⊆ with any service: need_with_service and service_without_need of g ≤ those of any;
      without any service ⊆ without g: need_without_service and neither of any ≤ those of g;
    - any service is at most the sum of the groups (need_with_service, service_without_need);
    - need X ⊆ need_any: need_with_service, need_without_service and the base of X ≤ those of need_any;
      need_any is at most the sum of every need (need_with_service, need_without_service).
    Kept only where the true counts satisfy them (SystemBuilder.add_inequalities).
    """
    where = [*GEOGRAPHY, *BREAKDOWN]
    groups = list(service_groups())
    for g in groups:
        for circle_set, small, large in (
            (SERVICE_CIRCLES, g, ANY_SERVICE),
            (NO_SERVICE_CIRCLES, ANY_SERVICE, g),
        ):
            left = circles.filter(pl.col("service") == small, pl.col("circle").is_in(circle_set))
            right = circles.filter(pl.col("service") == large, pl.col("circle").is_in(circle_set))
            builder.add_inequalities(_leq_terms(left, right, [*where, "need", "circle"]))
    builder.add_inequalities(_union_terms(circles, "service", ANY_SERVICE, groups, SERVICE_CIRCLES, "need"))
    needs = [n for n in need_flag_names("pupil") if n != ANY_NEED]
    for x in needs:
        for cells, keys in (
            (circles.filter(pl.col("circle").is_in(NEED_CIRCLES)), ["service", "circle"]),
            (bases, ["service"]),
        ):
            left, right = cells.filter(pl.col("need") == x), cells.filter(pl.col("need") == ANY_NEED)
            builder.add_inequalities(_leq_terms(left, right, [*where, *keys]))
    builder.add_inequalities(_union_terms(circles, "need", ANY_NEED, needs, NEED_CIRCLES, "service"))


def _leq_terms(left: pl.DataFrame, right: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """Terms of `left − right ≤ 0` for each key both sides have (one variable a side)."""
    return identity_terms(left.select([*on, "var"]), right.select([*on, "var"]), on=on)


def _union_terms(
    circles: pl.DataFrame, dim: str, union: str, members: list[str], circle_set: list[str], other: str
) -> pl.DataFrame:
    """Terms of `union − Σ members ≤ 0` per group, circle and `other` flag, where every member is present."""
    keys = [*GEOGRAPHY, *BREAKDOWN, other, "circle"]
    cells = circles.filter(pl.col("circle").is_in(circle_set))
    parts = cells.filter(pl.col(dim).is_in(members))
    complete = (
        parts.group_by(keys).agg(pl.col(dim).n_unique().alias("_k")).filter(pl.col("_k") == len(members))
    )
    whole = cells.filter(pl.col(dim) == union).join(complete.drop("_k"), on=keys, nulls_equal=True)
    return identity_terms(whole.select([*keys, "var"]), parts.select([*keys, "var"]), on=keys)


def link_estimates_to_needs(builder: SystemBuilder, est: pl.DataFrame, tc: pl.DataFrame) -> None:
    """Estimates that count a three-circles need (rules.yaml estimate_need_links) share its counts."""
    links: dict[str, str] = load_rules().get("estimate_need_links") or {}
    if not links or est.is_empty() or tc.is_empty():
        return
    where = [*GEOGRAPHY, *BREAKDOWN, "need"]
    first_service = tc.group_by(where).agg(pl.col("service").min())
    need = tc.join(first_service, on=[*where, "service"])
    linked = est.filter(pl.col("indicator_id").is_in(list(links))).with_columns(
        need=pl.col("indicator_id").replace_strict(links, return_dtype=pl.String)
    )
    builder.add_relations(
        identity_terms(
            linked.select([*where, pl.col("p_var").alias("var")]).drop_nulls("var"),
            need.filter(pl.col("circle").is_in(NEED_CIRCLES)).select([*where, pl.col("c_var").alias("var")]),
            on=where,
        ),
        exact_only=True,
    )
    builder.add_relations(
        identity_terms(
            linked.select([*where, pl.col("n_var").alias("var")]),
            need.select([*where, pl.col("b_var").alias("var")]).unique(),
            on=where,
        ),
        exact_only=True,
    )


def add_response_rates(
    builder: SystemBuilder, response_rates: pl.DataFrame, parents: pl.DataFrame
) -> pl.DataFrame:
    """Respondents per row; stage and sex margins; hierarchy sums.

    The roll is public, so it bounds respondents, except where the roll does not count those children
    (e.g. sex `X` is not on the census roll: roll 0, respondents 2): there it bounds nothing.
    """
    totals = (pl.col("stage") == "all").cast(pl.Int64) + (pl.col("sex") == "all").cast(pl.Int64)
    rr = response_rates.with_columns(_rank=level_rank(totals))
    var = builder.add_variables(
        rr["respondents"],
        rr["_rank"],
        upper=rr.select(
            pl.when(pl.col("respondents") <= pl.col("roll"))
            .then(pl.col("roll").cast(pl.Float64))
            .otherwise(np.inf)
        )
        .to_series()
        .to_numpy(),
    )
    rr = rr.with_columns(var=pl.Series(var))
    for dim, other in (("stage", "sex"), ("sex", "stage")):
        builder.add_relations(margin_terms(rr, dim, on=[*GEOGRAPHY, "instrument", other]))
    builder.add_relations(hierarchy_terms(rr, parents, on=["instrument", "stage", "sex"]))
    return rr.drop("_rank")


def add_linkage_quality(builder: SystemBuilder, linkage_quality: pl.DataFrame) -> pl.DataFrame:
    """Counts per row; breakdown values add to `all`; measure identities from rules.yaml where they hold."""
    rank = level_rank((pl.col("breakdown_value") == "all").cast(pl.Int64))
    lq = linkage_quality.with_columns(pl.lit("council").alias("geography_level")).with_columns(_rank=rank)
    var = builder.add_variables(lq["count"], lq["_rank"])
    lq = lq.with_columns(var=pl.Series(var)).drop("_rank", "geography_level")
    builder.add_relations(
        margin_terms(lq, "breakdown", on=["instrument", "measure"], by=["instrument", "measure", "breakdown"])
    )
    keys = ["instrument", *BREAKDOWN]
    for identity in load_rules()["linkage_measure_identities"]:
        builder.add_relations(_measure_identity(lq, keys, identity), exact_only=True)
    return lq


def _measure_identity(lq: pl.DataFrame, keys: list[str], identity: dict[str, Any]) -> pl.DataFrame:
    """Terms `total − Σ parts = 0` for every group that has the total and every part."""
    parts: list[str] = identity["parts"]
    present = (
        lq.filter(pl.col("measure").is_in(parts))
        .group_by(keys)
        .agg(pl.col("measure").n_unique().alias("k"))
        .filter(pl.col("k") == len(parts))
        .drop("k")
    )
    total = lq.filter(pl.col("measure") == identity["total"]).join(present, on=keys, nulls_equal=True)
    return identity_terms(
        total.select([*keys, "var"]),
        lq.filter(pl.col("measure").is_in(parts)).select([*keys, "var"]),
        on=keys,
    )


def link_linkage_to_response(builder: SystemBuilder, lq: pl.DataFrame, rr: pl.DataFrame) -> None:
    """Linkage-quality respondents and council response_rates respondents count the same children."""
    if lq.is_empty() or rr.is_empty():
        return
    for breakdown, spec in load_rules()["linkage_response_links"].items():
        rows = lq.filter((pl.col("measure") == "respondents") & (pl.col("breakdown") == breakdown))
        rows = rows.with_columns(
            **{
                col: (pl.col("breakdown_value") if value == "value" else pl.lit(value))
                for col, value in spec.items()
            }
        )
        keys = ["instrument", *spec]
        builder.add_relations(
            identity_terms(rows.select([*keys, "var"]), rr.select([*keys, "var"]), on=keys), exact_only=True
        )
