"""Publishable (disclosure-controlled) tables of each (wave, council) and of the all-councils comparator.

The four council tables are suppressed together (secondary suppression crosses tables), so one
multi-asset writes them; its blocking checks re-read the files as written and re-run the attacker audit.
"""

from typing import Any

import dagster as dg
import polars as pl

from assets.partitions import every_council_of_wave, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, table_metadata
from rcs_pipeline.disclosure import CouncilTables, DisclosureSettings, audit_published, protect_council
from rcs_pipeline.disclosure.audit import AuditResult
from rcs_pipeline.disclosure.comparator import (
    ComparatorProtection,
    audit_facts,
    audit_from_facts,
    audit_published_comparator,
    protect_comparator,
    protection_facts,
    protection_from_facts,
)
from rcs_pipeline.disclosure.explain import audit_summary, cell_names
from rcs_pipeline.disclosure.protect import TABLES, Protection, council_system
from rcs_pipeline.disclosure.publish import for_publication, suppression_reasons
from rcs_pipeline.paths import RcsHome, project_root
from rcs_pipeline.schemas import check, conform
from rcs_pipeline.storage import Partition
from rcs_pipeline.storage.memo import (
    Memo,
    family_of,
    file_digest,
    inputs_digest,
    read_memo,
    source_digest,
    write_memo,
)
from rcs_pipeline.storage.parquet import read_parquet

GROUP = "disclosure"
CODE_VERSION = "disclosure-1"
COMPARATOR_VERSION = "comparator-2"
KINDS = {"polars", "scipy", "parquet"}
SOURCES = {
    "estimates": "analysis",
    "three_circles": "analysis",
    "response_rates": "analysis",
    "linkage_quality": "linkage",
}
PUBLISHED = [f"published_{name}" for name in TABLES]
COMPARATOR_SOURCES = tuple(project_root() / p for p in ("rcs_pipeline/disclosure", "rcs_pipeline/schemas.py"))
THRESHOLDS_KEY = "thresholds"  # disclosure_settings metadata: the partition's resolved thresholds (label)
AUDITED = PUBLISHED


def disclosure_settings(settings: RcsSettings, wave: str, la_code: str) -> DisclosureSettings:
    """The partition's thresholds (rules.yaml defaults, wave rule and overrides, or the run's setting)."""
    return settings.thresholds(wave, la_code)


def read_council_tables(part: Partition) -> CouncilTables:
    """The unsuppressed upstream tables of one partition, conformed to docs/tables.md."""
    return CouncilTables(**{name: conform(part.read(zone, name), name) for name, zone in SOURCES.items()})


def read_schools(part: Partition) -> pl.DataFrame:
    """The public schools list (names and clusters only; no statistics) for the hierarchy."""
    return part.lookup("analysis", "schools").select("seed_code", "asg_code")


def settings_table(rules: DisclosureSettings) -> pl.DataFrame:
    """One row: thresholds and rule text, for reports' methods annexes."""
    text = rules.rule_text()
    return pl.DataFrame(
        {
            "min_group": [rules.min_group],
            "min_cell": [rules.min_cell],
            **{f"rule_{name}": [value] for name, value in text.items()},
        }
    )


def audit_metadata(audit: AuditResult, breaches: int) -> dict[str, Any]:
    """Findings of the attacker audit for Dagster metadata (no identifiers: counts and widths only)."""
    return {
        "cells_checked": audit.cells_checked,
        "intervals_checked": audit.intervals_checked,
        "narrowest_interval": audit.narrowest if audit.narrowest is not None else -1.0,
        "failures": len(audit.failures),
        "primary_rule_breaches": breaches,
        "lp_solves": audit.lp_solves,
        # widths only: a failure's bounds would put a suppressed count into Dagster's event log
        "first_failures": dg.MetadataValue.json(
            [
                {"var": f.var, "kind": f.kind, "values_possible": f.high - f.low + 1}
                for f in audit.failures[:20]
            ]
        ),
    }


def protection_metadata(result: Protection, rules: DisclosureSettings, table: str) -> dict[str, Any]:
    """Suppression shares per geography level, counts hidden, thresholds and rule text."""
    return {
        "min_group": rules.min_group,
        "min_cell": rules.min_cell,
        "rules": dg.MetadataValue.json(rules.rule_text()),
        "suppressed_share_by_level": dg.MetadataValue.json(result.shares.get(table, {})),
        "suppressed_rows": int(result.published[table]["suppressed"].sum() or 0),
        "counts_hidden": result.hidden,
        "counts_hidden_by_primary_rules": result.primary_hidden,
        "counts_in_wave_system": result.variables,
    }


@dg.multi_asset(
    specs=[
        *[
            dg.AssetSpec(
                name,
                group_name=GROUP,
                kinds=KINDS,
                partitions_def=wave_council_partitions,
                code_version=CODE_VERSION,
                deps=[*SOURCES, "schools"],
                description=f"Disclosure-controlled {name.removeprefix('published_')} (docs/architecture.md §8): "
                "suppressed values null, `suppressed` and `reason` set, display rounding.",
            )
            for name in PUBLISHED
        ],
        dg.AssetSpec(
            "disclosure_settings",
            group_name=GROUP,
            kinds={"parquet"},
            partitions_def=wave_council_partitions,
            code_version=CODE_VERSION,
            description="The run's min_group and min_cell with the rule text, for methods annexes.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            f"{name}_audit",
            asset=name,
            blocking=True,
            description="Attacker LP audit of the tables as written: every suppressed count "
            "keeps an interval ≥ min_cell; no published cell breaks a primary rule.",
        )
        for name in AUDITED
    ],
    can_subset=False,
)
def publish_council_tables(context: dg.AssetExecutionContext, settings: RcsSettings):
    """Suppress (primary, secondary, audit-driven repair), write the published tables, then audit the files."""
    part = partition(context, settings)
    la_code, rules = part.la_code, disclosure_settings(settings, part.wave, part.la_code)
    tables, schools = read_council_tables(part), read_schools(part)
    result = protect_council(tables, schools, la_code, rules)
    for name in PUBLISHED:
        frame = result.published[name]
        yield _materialise(part, name, frame, protection_metadata(result, rules, name))
    yield _materialise(part, "disclosure_settings", settings_table(rules), {THRESHOLDS_KEY: rules.label})
    part.write("disclosure", "suppression_reasons", suppression_reasons(result.published))  # internal only
    written = {name: part.read("published", name) for name in PUBLISHED}
    audit, breaches = audit_published(tables, schools, la_code, rules, written)
    passed = audit.passed and breaches == 0
    names = {} if passed else cell_names(council_system(tables, schools, la_code, rules).tables)
    summary = audit_summary(audit, breaches, rules.min_cell, names)
    if not passed:
        context.log.error(f"published tables audit: {summary}")
    for name in AUDITED:
        yield dg.AssetCheckResult(
            asset_key=name,
            check_name=f"{name}_audit",
            passed=passed,
            description=summary,
            metadata={**audit_metadata(audit, breaches), "summary": summary},
        )
    if not passed:  # the step's failure message (rcs run, the UI's run view) says what the audit found
        raise dg.Failure(description=f"published tables audit: {summary}", allow_retries=False)


def _materialise(
    part: Partition, name: str, frame: pl.DataFrame, extra: dict[str, Any]
) -> dg.MaterializeResult:
    """Write one published table (no reason column: every suppressed cell is only [c]) and describe it."""
    frame = check(for_publication(frame), name)  # the columns reports conform to (rcs_pipeline/schemas.py)
    path = part.write("published", name, frame)
    return dg.MaterializeResult(asset_key=name, metadata={**table_metadata(frame, path), **extra})


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=COMPARATOR_VERSION,
    deps=[
        "comparator_estimates",
        dg.AssetDep("estimates", partition_mapping=every_council_of_wave),
        dg.AssetDep("published_estimates", partition_mapping=every_council_of_wave),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "published_comparator_estimates_audit",
            asset="published_comparator_estimates",
            blocking=True,
            description="Attacker LP audit of the comparator as written, with "
            "every council's published council-level estimates: it must narrow no hidden "
            "cell below min_cell beyond what the councils' own tables give, and no shown "
            "cell may break a primary rule.",
        )
    ],
    description="Disclosure-controlled all-councils comparator of the wave, for this council's reports: only cells "
    "the councils' published tables already determine are shown (docs/methods/disclosure.md), then the "
    "file is audited. A wave with fewer than two published councils gets an empty table and the "
    "reason in metadata. Reads every council's estimates of the wave (same wave, every council).",
)
def published_comparator_estimates(context: dg.AssetExecutionContext, settings: RcsSettings):
    """Suppress and publish the all-councils comparator beside this council's tables, then audit the file.

    Computed once per wave: a later council whose inputs have the same bytes and whose thresholds are the same
    reads the wave's memo (docs/architecture.md, "Storage"); the audit verdict is re-used only for a file
    with the very bytes it was reached on.
    """
    part = partition(context, settings)
    rules = disclosure_settings(settings, part.wave, part.la_code)
    name = "published_comparator_estimates"
    family, digest = comparator_memo_key(part, rules)
    memo = read_memo(part.home, "disclosure", name, part.wave, family, digest)
    inputs: tuple[pl.DataFrame, dict] | None = None
    if memo is None:
        inputs = comparator_inputs(part)
        result = protect_comparator(*inputs, rules, audit=False)  # the check audits the file
        reasons = suppression_reasons(result.published)
    else:
        result = protection_from_facts(memo.facts["protection"], memo.tables["published"])
        reasons = memo.tables["reasons"]
    metadata = {**protection_metadata(result, rules, name), **comparator_metadata(result)}
    yield _materialise(
        part, name, result.published[name], {**metadata, "computed_for_this_council": memo is None}
    )
    part.write("disclosure", "comparator_suppression_reasons", reasons)  # internal
    audited = file_digest(part.path("published", name))
    reused = memo is not None and memo.facts["audited_sha256"] == audited
    if reused:
        audit, breaches, names = audit_from_facts(memo.facts["audit"]), 0, {}
    else:
        comparator, councils = inputs or comparator_inputs(part)
        written = part.read("published", name)
        audit, breaches, names = audit_published_comparator(
            comparator, councils, rules, written, result.before, result.built
        )
    passed = audit.passed and breaches == 0
    summary = audit_summary(audit, breaches, rules.min_cell, names)
    if not passed:
        context.log.error(f"{name}_audit: {summary}")
    elif not reused and comparator_memo_key(part, rules) == (family, digest):
        # later councils of the wave with the same inputs and thresholds read it (not when an input was
        # rewritten by a concurrent run while this one read it: the memo would name other bytes)
        facts = {
            "protection": protection_facts(result),
            "audit": audit_facts(audit),
            "audited_sha256": audited,
        }
        tables = {"published": result.published[name], "reasons": reasons}
        write_memo(part.home, "disclosure", name, part.wave, family, digest, Memo(tables, facts))
    yield dg.AssetCheckResult(
        check_name=f"{name}_audit",
        passed=passed,
        description=summary + (REUSED if reused else ""),
        metadata={
            **audit_metadata(audit, breaches),
            "summary": summary,
            **comparator_metadata(result),
            "audit_reused_from_memo": reused,
        },
    )
    if not passed:  # the step's failure message says what the audit found
        raise dg.Failure(description=f"{name}_audit: {summary}", allow_retries=False)


REUSED = (
    " (verdict re-used from the wave's memo: the same file bytes, inputs, thresholds and code were audited for "
    "an earlier council)"
)


def comparator_memo_key(part: Partition, rules: DisclosureSettings) -> tuple[str, str]:
    """(family, digest) of the published comparator's memo: the thresholds, and the bytes of this partition's
    comparator_estimates and of every published council's estimates and published_estimates with the code."""
    home, wave = part.home, part.wave
    councils = [p for p in home.wave_tables("analysis", "estimates", wave) if _published(home, wave, p.stem)]
    files = [f for p in councils for f in (p, home.table("published", "published_estimates", wave, p.stem))]
    comparator = file_digest(part.path("analysis", "comparator_estimates"))  # bytes only: its name is ours
    code = source_digest(*COMPARATOR_SOURCES)
    parts = (comparator, str([p.stem for p in councils]), rules.label, COMPARATOR_VERSION, code)
    digest = inputs_digest(files, *parts)
    return family_of(rules.label), digest


def _published(home: RcsHome, wave: str, la_code: str) -> bool:
    """Whether a council of the wave has published estimates (read_published_councils keeps it)."""
    return home.table("published", "published_estimates", wave, la_code).exists()


def comparator_inputs(part: Partition) -> tuple[pl.DataFrame, dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    """This partition's comparator_estimates and every published council's (estimates, published_estimates)."""
    comparator = conform(part.read("analysis", "comparator_estimates"), "estimates")
    return comparator, read_published_councils(part.home, part.wave)


def read_published_councils(home: RcsHome, wave: str) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """la_code → (estimates, published_estimates) of every council of the wave with published tables.

    A council whose delivery or gates failed has none and is left out; children it has in the comparator
    are then hidden as "other councils" (docs/methods/disclosure.md).
    """
    councils = {}
    for path in home.wave_tables("analysis", "estimates", wave):
        published = home.table("published", "published_estimates", wave, path.stem)
        if published.exists():
            councils[path.stem] = (conform(read_parquet(path), "estimates"), read_parquet(published))
    return councils


def comparator_metadata(result: ComparatorProtection) -> dict[str, Any]:
    """Which councils the comparator was protected with, cells shown as determined, and why it is withheld."""
    return {
        "councils_included": dg.MetadataValue.json(list(result.councils)),
        "other_councils_hidden": result.other_councils,
        "cells_determined_by_council_tables": result.determined,
        "narrow_intervals_from_council_tables": result.narrow_before,
        "withheld_reason": result.withheld_reason or "",
    }
