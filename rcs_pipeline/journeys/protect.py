"""Disclosure control of the journey tables: the project's primary rules, secondary suppression and audit.

Each published count is a variable of a CountSystem (rcs_pipeline.disclosure.system): a row's base `n`
(shared by the rows of one base, e.g. the three service groups of `service_uptake`), its `count` when it is a
proportion, and `reference_n` of a cross-sectional change. Relations an attacker can use: count ≤ n and
n − count protected (complement); the groups of a link-rate breakdown sum to the overall row (n and count);
the social-work and ASL service groups are each at most `service_any`, which is at most their sum. Primary
rules as for estimates (rules.yaml): a base below min_group hides the row; a count or its complement between 1
and min_cell − 1 hides the count. `protect` adds secondary suppression until the audit passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from rcs_pipeline.disclosure.audit import AuditResult, attacker_intervals
from rcs_pipeline.disclosure.primary import group_or_cell
from rcs_pipeline.disclosure.publish import round_half_up
from rcs_pipeline.disclosure.secondary import protect
from rcs_pipeline.disclosure.settings import DisclosureSettings, zeros_are_disclosive
from rcs_pipeline.disclosure.system import CountSystem, SystemBuilder

ROW_KEYS = ["journey_table", "from_wave", "to_wave", "measure", "outcome", "breakdown", "breakdown_value"]
PUBLISHED_COLUMNS = [*ROW_KEYS, "unit", "n", "count", "estimate", "ci_low", "ci_high", "reference_n",
                     "reference_estimate", "suppressed", "pupil_ref_stable"]  # fmt: skip
COUNT_RANK, BASE_RANK = 0, 1  # hide counts before bases


@dataclass(frozen=True)
class JourneySystem:
    """The count system of one table and, per row, its variable ids (null where the row has no such count)."""

    system: CountSystem
    rows: pl.DataFrame  # the table with n_var, count_var, ref_var (Int64, nullable)


def _base_key() -> pl.Expr:
    """Rows with the same base share their `n` variable (the service groups; need before and after)."""
    own = pl.concat_str([pl.col("measure"), pl.col("outcome")], separator="|")
    shared = pl.col("journey_table").is_in(["service_uptake", "need_after_service"])
    return pl.concat_str(
        [pl.col("journey_table"), pl.col("from_wave"), pl.col("breakdown"), pl.col("breakdown_value"),
         pl.when(shared).then(pl.lit("")).otherwise(own)],
        separator="|",
    )  # fmt: skip


def build_system(table: pl.DataFrame) -> JourneySystem:
    """Variables and relations of the journey tables of one council and wave."""
    builder = SystemBuilder()
    rows = table.with_row_index("row").with_columns(base_key=_base_key())
    bases = rows.group_by("base_key", maintain_order=True).agg(pl.col("n").first())
    base_ids = builder.add_variables(bases["n"], np.full(bases.height, BASE_RANK))
    rows = rows.join(bases.select("base_key", n_var=pl.Series(base_ids)), on="base_key", how="left")
    counted = rows.filter(pl.col("count").is_not_null())
    count_ids = builder.add_variables(counted["count"], np.full(counted.height, COUNT_RANK))
    rows = rows.join(counted.select("row", count_var=pl.Series(count_ids)), on="row", how="left")
    referenced = rows.filter(pl.col("reference_n").is_not_null() & (pl.col("journey_table") != "link_rate"))
    ref_ids = builder.add_variables(referenced["reference_n"], np.full(referenced.height, BASE_RANK))
    rows = rows.join(referenced.select("row", ref_var=pl.Series(ref_ids)), on="row", how="left").sort("row")
    with_count = rows.filter(pl.col("count_var").is_not_null())
    builder.add_pairs("at_most", with_count["count_var"].to_numpy(), with_count["n_var"].to_numpy())
    builder.add_pairs("complements", with_count["count_var"].to_numpy(), with_count["n_var"].to_numpy())
    builder.add_pairs("couples", with_count["n_var"].to_numpy(), with_count["count_var"].to_numpy())
    builder.add_relations(_breakdown_sums(rows))
    builder.add_inequalities(_service_group_bounds(rows))
    return JourneySystem(builder.build(), rows.drop("row", "base_key"))


def _breakdown_sums(rows: pl.DataFrame) -> pl.DataFrame:
    """Equalities (eq, var, coef): a link-rate breakdown's groups minus the overall row (n, then count)."""
    link = rows.filter(pl.col("journey_table") == "link_rate")
    terms, eq = [], 0
    for (from_wave, _breakdown), group in link.filter(pl.col("breakdown") != "all").group_by(
        ["from_wave", "breakdown"], maintain_order=True
    ):
        overall = link.filter((pl.col("from_wave") == from_wave) & (pl.col("breakdown") == "all"))
        for var in ("n_var", "count_var"):
            ids = group[var].to_list()
            terms += [(eq, v, 1.0) for v in ids] + [(eq, overall[var][0], -1.0)]
            eq += 1
    return pl.DataFrame(terms, schema={"eq": pl.Int64, "var": pl.Int64, "coef": pl.Float64}, orient="row")


def _service_group_bounds(rows: pl.DataFrame) -> pl.DataFrame:
    """Inequalities: each service group ≤ any service ≤ social work + ASL (counts of `service_uptake`)."""
    terms, eq = [], 0
    for _, group in rows.filter(pl.col("journey_table") == "service_uptake").group_by("from_wave"):
        var = dict(zip(group["measure"], group["count_var"], strict=True))
        any_, asl, sw = var["service_any"], var["service_asl"], var["service_social_work"]
        terms += [(eq, asl, 1.0), (eq, any_, -1.0), (eq + 1, sw, 1.0), (eq + 1, any_, -1.0)]
        terms += [(eq + 2, any_, 1.0), (eq + 2, asl, -1.0), (eq + 2, sw, -1.0)]
        eq += 3
    return pl.DataFrame(terms, schema={"eq": pl.Int64, "var": pl.Int64, "coef": pl.Float64}, orient="row")


def primary_mask(built: JourneySystem, settings: DisclosureSettings) -> np.ndarray:
    """Variables hidden by the primary rules (as estimates: min_group on the base, min_cell on count and rest)."""
    rows = built.rows.with_columns(
        n_reason=group_or_cell(pl.col("n"), [pl.col("n")], settings),
        count_reason=group_or_cell(
            pl.col("n"), [pl.col("count"), pl.col("n") - pl.col("count")], settings,
            zeros_are_disclosive("estimates"),
        ),
        ref_reason=group_or_cell(pl.col("reference_n"), [pl.col("reference_n")], settings),
    )  # fmt: skip
    hidden = np.zeros(built.system.size, bool)
    for var, why in (("n_var", "n_reason"), ("count_var", "count_reason"), ("ref_var", "ref_reason")):
        chosen = rows.filter(pl.col(var).is_not_null() & pl.col(why).is_not_null())[var].to_numpy()
        hidden[chosen] = True
    return hidden


def protect_journeys(table: pl.DataFrame, settings: DisclosureSettings) -> tuple[pl.DataFrame, AuditResult]:
    """The published journey table and the audit of its final suppression pattern."""
    built = build_system(table)
    hidden, audit = protect(built.system, primary_mask(built, settings), settings.min_cell)
    return publish(built, hidden), audit


def _hidden(rows: pl.DataFrame, var: str, mask: np.ndarray) -> pl.Series:
    """Per row: its `var` variable is hidden (False where the row has none)."""
    ids = rows[var]
    out = np.zeros(rows.height, bool)
    present = ids.is_not_null().to_numpy()
    out[present] = mask[ids.drop_nulls().to_numpy()]
    return pl.Series(out)


def publish(built: JourneySystem, hidden: np.ndarray) -> pl.DataFrame:
    """Rows with hidden counts withheld: percentages as whole numbers, points to one decimal place."""
    rows = built.rows.with_columns(
        n_hidden=_hidden(built.rows, "n_var", hidden),
        count_hidden=_hidden(built.rows, "count_var", hidden),
        ref_hidden=_hidden(built.rows, "ref_var", hidden),
    )
    value_hidden = pl.col("n_hidden") | pl.col("count_hidden") | pl.col("ref_hidden")
    shown = ~value_hidden

    def display(column: str) -> pl.Expr:
        value = pl.col(column)
        scaled = pl.when(pl.col("unit") == "percent").then(round_half_up(value * 100, 0))
        return pl.when(shown).then(scaled.otherwise(round_half_up(value, 1))).otherwise(None).alias(column)

    return rows.select(
        *ROW_KEYS,
        "unit",
        pl.when(pl.col("n_hidden")).then(None).otherwise(pl.col("n")).alias("n"),
        pl.when(shown).then(pl.col("count")).otherwise(None).alias("count"),
        display("estimate"),
        display("ci_low"),
        display("ci_high"),
        pl.when(shown).then(pl.col("reference_n")).otherwise(None).alias("reference_n"),
        display("reference_estimate"),
        value_hidden.alias("suppressed"),
        "pupil_ref_stable",
    )


def hidden_from_published(built: JourneySystem, published: pl.DataFrame) -> np.ndarray:
    """The variables a published table withholds (a null n, count or reference_n where the table has one)."""
    hidden = np.zeros(built.system.size, bool)
    pairs = (("n_var", "n"), ("count_var", "count"), ("ref_var", "reference_n"))
    joined = built.rows.select(*ROW_KEYS, "n_var", "count_var", "ref_var").join(
        published.select(*ROW_KEYS, "n", "count", "reference_n"), on=ROW_KEYS, how="left", nulls_equal=True
    )
    for var, column in pairs:
        chosen = joined.filter(pl.col(var).is_not_null() & pl.col(column).is_null())[var].to_numpy()
        hidden[chosen] = True
    return hidden


def audit_journeys(table: pl.DataFrame, published: pl.DataFrame, settings: DisclosureSettings) -> AuditResult:
    """The attacker audit of a published journey table against the true counts (the disclosure gate)."""
    built = build_system(table)
    return attacker_intervals(built.system, hidden_from_published(built, published), settings.min_cell)
