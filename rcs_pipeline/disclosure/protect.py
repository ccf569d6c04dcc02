"""Disclosure control of one (wave, council): primary rules, secondary suppression, audit, publishable tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import families, primary, publish, side_information
from rcs_pipeline.disclosure.audit import AuditResult, attacker_intervals
from rcs_pipeline.disclosure.scope import estimates_in_scope, response_rates_in_scope, three_circles_in_scope
from rcs_pipeline.disclosure.secondary import protect
from rcs_pipeline.disclosure.settings import DisclosureSettings, audit_budget, load_rules
from rcs_pipeline.disclosure.system import CountSystem, SystemBuilder

TABLES = ("estimates", "three_circles", "response_rates", "linkage_quality")


@dataclass(frozen=True)
class CouncilTables:
    """The unsuppressed analysis tables of one (wave, council) as docs/tables.md defines them."""

    estimates: pl.DataFrame
    three_circles: pl.DataFrame
    response_rates: pl.DataFrame
    linkage_quality: pl.DataFrame


@dataclass(frozen=True)
class CouncilSystem:
    """The council's CountSystem, the tables with their variable ids and the primary mask."""

    system: CountSystem
    tables: dict[str, pl.DataFrame]
    primary: np.ndarray
    dropped_identities: int


@dataclass(frozen=True)
class Protection:
    """Publishable tables and the evidence that they are safe."""

    published: dict[str, pl.DataFrame]
    audit: AuditResult
    primary_breaches: int
    variables: int
    hidden: int
    primary_hidden: int
    shares: dict[str, dict[str, float]] = field(default_factory=dict)


def council_system(
    tables: CouncilTables, schools: pl.DataFrame, la_code: str, settings: DisclosureSettings
) -> CouncilSystem:
    """Apply the primary rules and map every table into one CountSystem with its relations."""
    parents = families.geography_parents(schools, la_code)
    builder = SystemBuilder()
    estimates, circles = estimates_in_scope(tables.estimates), three_circles_in_scope(tables.three_circles)
    est = families.add_estimates(builder, primary.estimates_primary(estimates, settings), parents)
    tc = families.add_three_circles(builder, primary.three_circles_primary(circles, settings), parents)
    rates = response_rates_in_scope(tables.response_rates)
    rr = families.add_response_rates(builder, primary.response_rates_primary(rates, settings), parents)
    lq = families.add_linkage_quality(
        builder, primary.linkage_quality_primary(tables.linkage_quality, settings)
    )
    families.link_estimates_to_needs(builder, est, tc)
    families.link_linkage_to_response(builder, lq, rr)
    if load_rules().get("base_within_respondents", True):  # a printed base ≤ its area's respondents
        side_information.add_base_bounds(builder, tc, rr)
    # No estimate base is printed, so a reader has none for a withheld row: a withheld value withholds its base
    # (the audit of the written tables reads it so: hidden_from_published).
    builder.add_pairs(
        "couples",
        est["p_var"].drop_nulls().to_numpy(),
        est.filter(pl.col("p_var").is_not_null())["n_var"].to_numpy(),
    )
    system = builder.build()
    mask = np.zeros(system.size, bool)
    for frame, var, why in (
        (est, "n_var", "n_reason"),
        (est, "p_var", "p_reason"),
        (tc, "b_var", "base_reason"),
        (tc, "c_var", "count_reason"),
        (rr, "var", "reason"),
        (lq, "var", "reason"),
    ):
        flagged = frame.filter(pl.col(why).is_not_null() & pl.col(var).is_not_null())[var].to_numpy()
        mask[flagged] = True
    named = {"estimates": est, "three_circles": tc, "response_rates": rr, "linkage_quality": lq}
    return CouncilSystem(system, named, mask, builder.dropped_identities)


def publish_tables(built: CouncilSystem, hidden: np.ndarray) -> dict[str, pl.DataFrame]:
    """The four published tables from a hidden mask."""
    t = built.tables
    return {
        "published_estimates": publish.publish_estimates(t["estimates"], hidden),
        "published_three_circles": publish.publish_three_circles(t["three_circles"], hidden),
        "published_response_rates": publish.publish_response_rates(t["response_rates"], hidden),
        "published_linkage_quality": publish.publish_linkage_quality(t["linkage_quality"], hidden),
    }


def protect_council(
    tables: CouncilTables, schools: pl.DataFrame, la_code: str, settings: DisclosureSettings
) -> Protection:
    """Primary → secondary → audit-driven repair; the published tables with their audit.

    Example: protect_council(tables, schools, "S12000005", DisclosureSettings()).published["published_estimates"]
    """
    built = council_system(tables, schools, la_code, settings)
    hidden, audit = protect(built.system, built.primary, settings.min_cell, budget_rounds=audit_budget())
    published = publish_tables(built, hidden)
    return Protection(
        published=published,
        audit=audit,
        primary_breaches=int((built.primary & ~hidden).sum()),
        variables=built.system.size,
        hidden=int(hidden.sum()),
        primary_hidden=int(built.primary.sum()),
        shares={name: publish.suppression_shares(frame) for name, frame in published.items()},
    )


def hidden_from_published(built: CouncilSystem, published: dict[str, pl.DataFrame]) -> np.ndarray:
    """Rebuild the hidden mask from what the published tables actually show (nulls), for the audit check."""
    hidden = np.zeros(built.system.size, bool)
    t = built.tables

    def mark(table: str, keys: list[str], pairs: list[tuple[str, str]]) -> None:
        shown = published[f"published_{table}"].select(
            [*keys, *[pl.col(c).alias(f"{c}_pub") for c in dict.fromkeys(c for c, _ in pairs)]]
        )
        joined = t[table].join(shown, on=keys, how="left", nulls_equal=True)
        for column, var in pairs:
            rows = joined.filter(pl.col(f"{column}_pub").is_null() & pl.col(var).is_not_null())
            hidden[rows[var].to_numpy()] = True

    # No n is printed: an estimate's base is withheld exactly when its value is (the couple in council_system);
    # a publication that prints n anyway is audited with it (side_information.estimate_base_information).
    mark("estimates", publish.ESTIMATE_KEYS, [("value", "n_var"), ("value", "p_var")])
    mark("three_circles", publish.CIRCLE_KEYS, [("n", "c_var"), ("base", "b_var")])
    mark("response_rates", publish.RESPONSE_KEYS, [("respondents", "var")])
    mark("linkage_quality", publish.LINKAGE_KEYS, [("count", "var")])
    return hidden


def audit_published(
    tables: CouncilTables,
    schools: pl.DataFrame,
    la_code: str,
    settings: DisclosureSettings,
    published: dict[str, pl.DataFrame],
) -> tuple[AuditResult, int]:
    """Audit the tables as written: (attacker intervals, number of published cells breaking a primary rule)."""
    built = council_system(tables, schools, la_code, settings)
    hidden = hidden_from_published(built, published)
    side = side_information.published_side_information(built.system, built.tables, hidden, published)
    result = attacker_intervals(
        built.system, hidden, settings.min_cell, budget_rounds=audit_budget(), side=side
    )
    return result, int((built.primary & ~hidden).sum())
