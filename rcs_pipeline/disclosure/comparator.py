"""Disclosure control of the wave-wide all-councils comparator, over the councils' published estimates.

Each council is already published, so its cells are fixed (frozen): only comparator cells are decided
here. The rule (docs/methods/disclosure.md, "The all-councils comparator"):

1. The attacker's system holds every council's council-level estimates (published cells known, hidden
   cells unknown), the comparator cells (each the sum of the councils' cells), and, when the comparator
   counts children of a council with no published tables (a council whose delivery or gate failed),
   those children as one more council whose every cell is hidden ("other councils").
2. With every comparator cell hidden, the audit finds the cells the councils' published tables already
   pin exactly: only those are published (unless a primary rule withholds them). In a two-council wave
   "all councils" minus one council is the other council, so any other comparator cell would give a hidden
   council cell away; a determined cell reveals nothing the councils did not already publish.
3. The audit then compares the attacker's intervals with the comparator published against those with it
   withheld: the comparator must narrow no hidden cell (a narrow interval that the councils' own tables
   already give is theirs, audited and accepted by their own checks, and is counted, not failed).

A wave with fewer than two councils with published tables publishes no comparator: with one council the
"all councils" figures are that council's own, and with the others unpublished they would give them away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import families, primary, publish
from rcs_pipeline.disclosure.audit import AuditResult, Failure, attacker_intervals
from rcs_pipeline.disclosure.explain import cell_names
from rcs_pipeline.disclosure.protect import Protection
from rcs_pipeline.disclosure.secondary import close_couples
from rcs_pipeline.disclosure.settings import DisclosureSettings
from rcs_pipeline.disclosure.system import CountSystem, SystemBuilder

KEYS = ["indicator_id", *families.BREAKDOWN]
OTHER_COUNCILS = "other_councils"
ONE_COUNCIL = (
    "the wave has one council with published tables: the all-councils comparator would be that "
    "council's own figures (and, were other councils' children counted in it, would give them away), "
    "so no comparator is published"
)


@dataclass(frozen=True)
class ComparatorSystem:
    """The comparator's CountSystem: council rows (frozen), other-councils rows (hidden) and comparator rows."""

    system: CountSystem
    comparator: pl.DataFrame  # comparator rows with their n_var / p_var ids and primary reasons
    rows: pl.DataFrame  # every row (councils, other councils, comparator) with its variable ids
    fixed_hidden: np.ndarray  # council cells hidden by their councils, and every other-councils cell
    comparator_vars: np.ndarray  # ids of every comparator variable
    councils: tuple[str, ...]
    other_councils: bool


@dataclass(frozen=True)
class ComparatorProtection(Protection):
    """A Protection with what the comparator adds: cells published as determined, intervals already narrow."""

    withheld_reason: str | None = None
    determined: int = 0
    narrow_before: int = 0
    councils: tuple[str, ...] = ()
    other_councils: bool = False
    before: AuditResult | None = None  # the audit with the comparator withheld
    built: ComparatorSystem | None = None  # the system it was decided on (the file's audit re-uses it)


def withheld_reason(councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> str | None:
    """Why no comparator is published (fewer than two councils with published tables), or None."""
    return ONE_COUNCIL if len(councils) < 2 else None


def build_system(
    comparator: pl.DataFrame,
    councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
    settings: DisclosureSettings,
) -> ComparatorSystem:
    """The attacker's system over the councils' council-level rows and the comparator (see module docstring)."""
    council_rows = _council_rows(councils)
    other = _other_councils(comparator, council_rows)
    fixed = pl.concat([council_rows, other], how="vertical_relaxed") if other.height else council_rows
    comp = primary.estimates_primary(comparator, settings).with_columns(
        n_hidden=pl.lit(False), p_hidden=pl.lit(False)
    )
    rows = pl.concat([fixed, comp.select(fixed.columns)], how="vertical_relaxed")
    frozen = np.concatenate([np.ones(fixed.height, bool), np.zeros(comp.height, bool)])
    codes = sorted(councils) + ([OTHER_COUNCILS] if other.height else [])
    parents = pl.DataFrame(
        {
            "geography_level": "council",
            "geography_code": codes,
            "parent_level": "all_councils",
            "parent_code": "all",
        }
    )
    builder = SystemBuilder()
    est = families.add_estimates(builder, rows, parents, frozen=frozen)
    system = builder.build()
    fixed_hidden = np.zeros(system.size, bool)
    fixed_part, comp_part = est.head(fixed.height), est.tail(comp.height)
    for column, flag in (("n_var", "n_hidden"), ("p_var", "p_hidden")):
        fixed_hidden[fixed_part.filter(pl.col(flag) & pl.col(column).is_not_null())[column].to_numpy()] = True
    comparator_vars = np.concatenate(
        [comp_part["n_var"].to_numpy(), comp_part["p_var"].drop_nulls().to_numpy()]
    )
    return ComparatorSystem(
        system,
        comp_part,
        est,
        fixed_hidden,
        comparator_vars.astype(np.int64),
        tuple(sorted(councils)),
        bool(other.height),
    )


def protect_comparator(
    comparator: pl.DataFrame,
    councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
    settings: DisclosureSettings,
    *,
    audit: bool = True,
) -> ComparatorProtection:
    """Publish the comparator; `councils` maps la_code → (its estimates, its published_estimates).

    With audit=False the result's audit is left empty (the caller audits the file it writes, with
    `audit_published_comparator` and the result's `before`).
    """
    if reason := withheld_reason(councils):
        return _withheld(comparator, reason, tuple(sorted(councils)))
    built = build_system(comparator, councils, settings)
    before = withheld_intervals(built, settings)
    determined = _determined(built, before)
    primary_mask = np.zeros(built.system.size, bool)
    for column, why in (("n_var", "n_reason"), ("p_var", "p_reason")):
        flagged = built.comparator.filter(pl.col(why).is_not_null() & pl.col(column).is_not_null())
        primary_mask[flagged[column].to_numpy()] = True
    mask = built.fixed_hidden | primary_mask
    mask[built.comparator_vars] |= ~determined[built.comparator_vars]
    hidden = close_couples(built.system, mask)  # a hidden base hides its numerator and percentage
    published = publish.publish_estimates(built.comparator, hidden)
    final = (
        beyond_councils(attacker_intervals(built.system, hidden, settings.min_cell), before)
        if audit
        else AuditResult(0, 0, None, 0)
    )
    return ComparatorProtection(
        published={"published_comparator_estimates": published},
        audit=final,
        primary_breaches=int((primary_mask & ~hidden).sum()),
        variables=built.system.size,
        hidden=int(hidden[built.comparator_vars].sum()),
        primary_hidden=int(primary_mask.sum()),
        shares={"published_comparator_estimates": publish.suppression_shares(published)},
        determined=int(determined.sum()),
        narrow_before=len(before.failures),
        councils=built.councils,
        other_councils=built.other_councils,
        before=before,
        built=built,
    )


def audit_published_comparator(
    comparator: pl.DataFrame,
    councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
    settings: DisclosureSettings,
    written: pl.DataFrame,
    before: AuditResult | None = None,
    built: ComparatorSystem | None = None,
) -> tuple[AuditResult, int, dict[int, str]]:
    """Audit the comparator as written: what it adds to the councils' tables, the shown cells breaking a
    primary rule, and the names of the system's cells when it fails (for explain.audit_summary).

    A withheld comparator must be written empty; any row it has then counts as a primary breach.
    `before` is protect_comparator's audit with the comparator withheld and `built` the system it was decided
    on, from the same inputs and settings (each built again when None: the system is a function of them).
    """
    if withheld_reason(councils):
        return AuditResult(0, 0, None, 0), written.height, {}
    built = built if built is not None else build_system(comparator, councils, settings)
    # no base is printed: a row's base is withheld exactly when its value is (docs/methods/disclosure.md §4)
    shown = written.select(*publish.ESTIMATE_KEYS, pl.col("value").alias("_n"), pl.col("value").alias("_v"))
    rows = built.comparator.join(shown, on=publish.ESTIMATE_KEYS, how="left", nulls_equal=True)
    hidden = built.fixed_hidden.copy()
    hidden[rows.filter(pl.col("_n").is_null())["n_var"].to_numpy()] = True
    hidden[rows.filter(pl.col("_v").is_null() & pl.col("p_var").is_not_null())["p_var"].to_numpy()] = True
    breaches = rows.filter(
        (pl.col("n_reason").is_not_null() & pl.col("_n").is_not_null())
        | (pl.col("p_reason").is_not_null() & pl.col("_v").is_not_null())
    ).height
    before = before if before is not None else withheld_intervals(built, settings)
    audit = beyond_councils(attacker_intervals(built.system, hidden, settings.min_cell), before)
    if audit.passed and breaches == 0:  # names serve only to say which cells failed (1.8 s at national scale)
        return audit, breaches, {}
    return audit, breaches, cell_names({"estimates": built.rows})


def withheld_intervals(built: ComparatorSystem, settings: DisclosureSettings) -> AuditResult:
    """The narrow intervals the councils' published tables alone give (every comparator cell withheld)."""
    hidden = built.fixed_hidden.copy()
    hidden[built.comparator_vars] = True
    return attacker_intervals(built.system, hidden, settings.min_cell)


def beyond_councils(audit: AuditResult, before: AuditResult) -> AuditResult:
    """Failures the comparator causes: narrow intervals other than those the councils' tables already give.

    Example: a council's hidden count pinned to 0 (allowed) makes the comparator's count equal another
    council's published one; hiding or showing the comparator cell changes nothing, so it is not a failure.
    """
    known = {(f.var, f.kind, f.low, f.high) for f in before.failures if f.kind != "unproven"}
    kept = [f for f in audit.failures if (f.var, f.kind, f.low, f.high) not in known]
    return AuditResult(
        audit.cells_checked,
        audit.intervals_checked,
        audit.narrowest,
        audit.lp_solves + before.lp_solves,
        kept,
    )


def _determined(built: ComparatorSystem, before: AuditResult) -> np.ndarray:
    """Comparator variables the councils' published tables pin to one value (publishing them adds nothing).

    Pinned by the audit of the withheld comparator, or (a zero, which the audit does not list) a sum whose
    every council cell is published.
    """
    out = np.zeros(built.system.size, bool)
    out[np.array([f.var for f in before.failures if f.kind == "count" and f.low == f.high], np.int64)] = True
    a = built.system.equalities.tocsc()
    for var in built.comparator_vars[~out[built.comparator_vars]]:
        out[var] = _sum_of_shown(a, built, int(var))
    keep = np.zeros(built.system.size, bool)
    keep[built.comparator_vars] = True
    return out & keep


def _sum_of_shown(a, built: ComparatorSystem, var: int) -> bool:
    """Whether some relation gives `var` as a sum of frozen, published variables only."""
    rows = a.indices[a.indptr[var] : a.indptr[var + 1]]
    for row in rows:
        members = built.system.equalities.indices[
            built.system.equalities.indptr[row] : built.system.equalities.indptr[row + 1]
        ]
        others = members[members != var]
        if others.size and (built.system.frozen[others] & ~built.fixed_hidden[others]).all():
            return True
    return False


def audit_facts(audit: AuditResult) -> dict[str, Any]:
    """A passed audit's figures as JSON (for the wave's memo); an audit with failures is refused.

    A failure's bounds would put a suppressed count into a file, and a failed verdict is never re-used.
    """
    if audit.failures:
        raise ValueError("only a passed audit is memoised: its failures' bounds must not be written")
    return {
        "cells_checked": audit.cells_checked,
        "intervals_checked": audit.intervals_checked,
        "narrowest": audit.narrowest,
        "lp_solves": audit.lp_solves,
    }


def audit_from_facts(facts: dict[str, Any]) -> AuditResult:
    """The passed AuditResult that `audit_facts` wrote."""
    narrowest = facts["narrowest"]
    return AuditResult(
        int(facts["cells_checked"]),
        int(facts["intervals_checked"]),
        None if narrowest is None else float(narrowest),
        int(facts["lp_solves"]),
    )


def protection_facts(result: ComparatorProtection) -> dict[str, Any]:
    """Every figure of a comparator protection except its table and `before`, as JSON (for the wave's memo)."""
    return {
        "audit": audit_facts(result.audit),
        "primary_breaches": result.primary_breaches,
        "variables": result.variables,
        "hidden": result.hidden,
        "primary_hidden": result.primary_hidden,
        "shares": result.shares,
        "withheld_reason": result.withheld_reason,
        "determined": result.determined,
        "narrow_before": result.narrow_before,
        "councils": list(result.councils),
        "other_councils": result.other_councils,
    }


def protection_from_facts(facts: dict[str, Any], published: pl.DataFrame) -> ComparatorProtection:
    """The ComparatorProtection that `protection_facts` wrote, with its published table (`before` is not kept:
    an audit of another file computes it again)."""
    return ComparatorProtection(
        published={"published_comparator_estimates": published},
        audit=audit_from_facts(facts["audit"]),
        primary_breaches=int(facts["primary_breaches"]),
        variables=int(facts["variables"]),
        hidden=int(facts["hidden"]),
        primary_hidden=int(facts["primary_hidden"]),
        shares={t: {k: float(v) for k, v in s.items()} for t, s in facts["shares"].items()},
        withheld_reason=facts["withheld_reason"],
        determined=int(facts["determined"]),
        narrow_before=int(facts["narrow_before"]),
        councils=tuple(facts["councils"]),
        other_councils=bool(facts["other_councils"]),
    )


def _withheld(comparator: pl.DataFrame, reason: str, councils: tuple[str, ...]) -> ComparatorProtection:
    """An empty published comparator (the published_estimates schema) with the reason it is withheld."""
    empty = comparator.head(0).with_columns(
        n_var=pl.lit(None, pl.Int64),
        p_var=pl.lit(None, pl.Int64),
        n_reason=pl.lit(None, pl.String),
        p_reason=pl.lit(None, pl.String),
    )
    published = publish.publish_estimates(empty, np.zeros(0, bool))
    return ComparatorProtection(
        published={"published_comparator_estimates": published},
        audit=AuditResult(0, 0, None, 0),
        primary_breaches=0,
        variables=0,
        hidden=0,
        primary_hidden=0,
        shares={"published_comparator_estimates": {}},
        withheld_reason=reason,
        councils=councils,
    )


def _council_rows(councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> pl.DataFrame:
    """Council-level estimates of every council with n_hidden / p_hidden from what each council published."""
    frames = []
    for la_code in sorted(councils):
        estimates, published = councils[la_code]
        shown = published.filter(pl.col("geography_level") == "council").select(
            *publish.ESTIMATE_KEYS,
            pl.col("value").is_null().alias("n_hidden"),  # no base printed: withheld with its value
            pl.col("value").is_null().alias("p_hidden"),
        )
        rows = estimates.filter(pl.col("geography_level") == "council").join(
            shown, on=publish.ESTIMATE_KEYS, how="left", nulls_equal=True
        )
        frames.append(
            rows.with_columns(
                pl.col("n_hidden").fill_null(True),
                pl.col("p_hidden").fill_null(True),
                n_reason=pl.lit(None, pl.String),
                p_reason=pl.lit(None, pl.String),
            )
        )
    return pl.concat(frames, how="vertical_relaxed")


def _other_councils(comparator: pl.DataFrame, council_rows: pl.DataFrame) -> pl.DataFrame:
    """Rows of the children the comparator counts beyond the councils given, all hidden (empty when none).

    Raises ValueError when the comparator counts fewer children than the councils: it predates their estimates.
    """
    sums = council_rows.group_by(KEYS).agg(
        pl.col("n").sum().alias("_n"), pl.col("n_positive").sum().alias("_p")
    )
    rest = comparator.join(sums, on=KEYS, how="left", nulls_equal=True).with_columns(
        n=pl.col("n") - pl.col("_n").fill_null(0),
        n_positive=pl.col("n_positive") - pl.col("_p").fill_null(0),
    )
    negative = rest.filter(
        (pl.col("n") < 0) | (pl.col("n_positive") < 0) | (pl.col("n_positive") > pl.col("n"))
    )
    if negative.height:
        first = negative.row(0, named=True)
        raise ValueError(
            f"comparator_estimates counts fewer respondents than the councils' own estimates in {negative.height} "
            f"cell(s) (first: indicator {first['indicator_id']}, breakdown {first['breakdown']}): it is older than a "
            "council's estimates; materialise comparator_estimates of this wave again"
        )
    if rest.select((pl.col("n") > 0).any()).item() is not True:
        return council_rows.head(0)
    return rest.with_columns(
        geography_level=pl.lit("council"),
        geography_code=pl.lit(OTHER_COUNCILS),
        n_hidden=pl.lit(True),
        p_hidden=pl.lit(True),
        n_reason=pl.lit(None, pl.String),
        p_reason=pl.lit(None, pl.String),
    ).select(council_rows.columns)


__all__ = [
    "ComparatorProtection",
    "Failure",
    "audit_facts",
    "audit_from_facts",
    "audit_published_comparator",
    "protect_comparator",
    "protection_facts",
    "protection_from_facts",
]
