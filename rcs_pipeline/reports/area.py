"""Cluster and school reports: a shorter profile of one area against its council, and which areas get one."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.catalogue import IndicatorLabel, indicator_labels
from rcs_pipeline.reports.council import (
    INSTRUMENT_TITLES,
    AreaOutcome,
    ReportSettings,
    by_instrument,
    domain_groups,
    heading_lower,
)
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.lookup import Comparisons, Estimates, with_area_bases
from rcs_pipeline.reports.parents import parent_area_section
from rcs_pipeline.reports.sections import (
    Geography,
    Section,
    Verdict,
    breakdown_table,
    circles_sections,
    claim_sentence,
    clearest,
    comparison_chart,
    findings_or,
    indicator_table,
    percent_indicators,
    respondents_sentence,
    response_table,
)
from rcs_pipeline.reports.trends import area_history, trend_section

PUPIL_INSTRUMENTS = ("primary", "secondary")


def not_produced_reason(min_group: int) -> str:
    """The one reason given for every area without a report: it depends on no count of the area.

    A reason per area (e.g. "fewer than 20 pupils answered") would tell a reader on which side of a threshold
    a withheld count lies (issue 21); this sentence says only what the published tables already show.
    """
    return (
        "none of its figures could be published (no figure is published for a group of fewer than "
        f"{min_group} pupils, nor any that would reveal a small count)"
    )


def area_respondents(rates: pl.DataFrame, level: str) -> dict[str, int | None]:
    """Per area code: its published pupil respondents, or None when they are withheld.

    The all-instruments total is used when published, else the sum of the pupil surveys when each is.
    """
    frame = rates.filter(
        (pl.col("geography_level") == level)
        & (pl.col("stage") == "all")
        & (pl.col("sex") == "all")
        & pl.col("instrument").is_in([*PUPIL_INSTRUMENTS, "all"])
    )
    out: dict[str, int | None] = {}
    for code, rows in frame.group_by("geography_code", maintain_order=True):
        by_instrument = {r["instrument"]: r for r in rows.iter_rows(named=True)}
        shown = {k: r["respondents"] for k, r in by_instrument.items() if not r["suppressed"]}
        pupils = [shown.get(k) for k in PUPIL_INSTRUMENTS if k in by_instrument]
        total = (
            shown.get("all") if "all" in shown else (sum(pupils) if None not in pupils and pupils else None)
        )
        out[str(code[0])] = total
    return out


def plan_areas(tables: PublishedTables, min_group: int) -> list[AreaOutcome]:
    """Every cluster and school of the council, with whether its report is produced and, if not, why.

    An area gets a report when at least one of its estimates is published, a fact of the published tables
    only: whether an area has a report, and the reason when not, tell a reader nothing they do not show.
    """
    schools = tables.schools
    est = tables.estimates
    published = set(
        est.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
        .select(pl.concat_str("geography_level", pl.lit("|"), "geography_code"))
        .to_series()
        .to_list()
    )
    clusters = schools.select("asg_code", "asg_name").unique(maintain_order=True).sort("asg_code")
    areas = [
        ("cluster", r["asg_code"], r["asg_name"] or r["asg_code"]) for r in clusters.iter_rows(named=True)
    ]
    areas += [
        ("school", r["seed_code"], r["school_name"] or r["seed_code"])
        for r in schools.sort("asg_code", "seed_code").iter_rows(named=True)
    ]
    sizes = {level: area_respondents(tables.response_rates, level) for level in ("cluster", "school")}
    outcomes = []
    for level, code, name in areas:
        if f"{level}|{code}" in published:
            outcomes.append(AreaOutcome(level, code, name, True, "", sizes[level].get(code)))
        else:
            outcomes.append(AreaOutcome(level, code, name, False, not_produced_reason(min_group)))
    return outcomes


def area_tables(tables: PublishedTables, level: str, code: str) -> PublishedTables:
    """The part of a council's published tables one area report uses: its own rows and the council's totals."""
    council = (pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")
    own = (pl.col("geography_level") == level) & (pl.col("geography_code") == code)
    return PublishedTables(
        comparisons=tables.comparisons.filter(own),
        wave=tables.wave,
        la_code=tables.la_code,
        estimates=tables.estimates.filter(own | council),
        three_circles=tables.three_circles.filter(own),
        linkage_quality=tables.linkage_quality.clear(),
        response_rates=tables.response_rates.filter(own),
        schools=tables.schools.filter(pl.col("seed_code" if level == "school" else "asg_code") == code),
        **area_history(tables, level, code),
    )


AREA_FINDINGS = 5
"""At most this many differences from the rest of the council in an area report's summary (the clearest)."""


def rest_of_council(comparisons: Comparisons, geo: Geography) -> Verdict:
    """Each indicator's published comparison of the area with the rest of its council."""
    return lambda ident: comparisons.get(
        "area_vs_rest_of_council", geo.level, geo.code, ident, "all", "all", "rest_of_council"
    )


def area_findings(
    tables: PublishedTables,
    est: Estimates,
    geo: Geography,
    council: Geography,
    labels: dict[str, IndicatorLabel],
    domains: list[tuple[str, str, list[str]]],
) -> list[Finding]:
    """Plain-words findings for an area: who took part (published counts), then only its significant
    differences from the rest of the council, or plainly that there are none."""
    findings: list[Finding] = []
    taking_part = respondents_sentence(tables.response_rates, geo)
    if taking_part:
        findings.append(taking_part)
    verdict = rest_of_council(Comparisons(tables.comparisons), geo)
    titles = {ident: title for _, title, members in domains for ident in members}
    rows = [r for ident in titles if (r := verdict(ident)) is not None]
    words = (f"in {geo.name}", f"in the rest of {council.name}")
    for row in clearest(rows, AREA_FINDINGS):
        sentence = claim_sentence(labels[row["indicator_id"]], row, *words)
        if sentence:
            findings.append(Finding(titles[row["indicator_id"]], sentence))
    if len(findings) == (1 if taking_part else 0):
        findings.append(
            Finding(
                f"Compared with the rest of {council.name}",
                f"No indicator differs clearly between {geo.name} and the rest of {council.name}.",
            )
        )
    return findings + sex_findings(tables, geo, labels, list(titles))


def sex_findings(
    tables: PublishedTables, geo: Geography, labels: dict[str, IndicatorLabel], indicators: list[str]
) -> list[Finding]:
    """A cluster's clearest significant gaps between girls and boys, or plainly none (when any was tested)."""
    comparisons = Comparisons(tables.comparisons)
    rows = [
        r
        for i in indicators
        if (r := comparisons.get("group_vs_group", geo.level, geo.code, i, "sex", "F", "M")) is not None
    ]
    if not any(r["direction"] is not None for r in rows):
        return []
    return findings_or(
        "Sex",
        [
            claim_sentence(labels[r["indicator_id"]], r, "among girls", "among boys")
            for r in clearest(rows, 3)
        ],
        f"No indicator differs clearly between girls and boys in {geo.name}.",
    )


def area_sections(
    tables: PublishedTables, outcome: AreaOutcome, council_name: str, settings: ReportSettings
) -> tuple[list[Section], Geography]:
    """The chapters of one cluster or school report."""
    geo = Geography(outcome.level, outcome.code, outcome.name)
    council = Geography("council", tables.la_code, council_name)
    est = Estimates(with_area_bases(tables.estimates, tables.response_rates, tables.linkage_quality))
    present = [i for i in est.indicators if est.get(geo.level, geo.code, i) is not None]
    labels = indicator_labels(est.indicators)
    domains = domain_groups(present, labels)
    kind = "cluster" if outcome.level == "cluster" else "school"
    summary = Section("key-findings", "Summary")
    summary.para(
        f"This report describes the wellbeing of pupils in {outcome.name}, a {kind} in {council_name}, "
        f"beside the figures for the whole council. A difference from the rest of {council_name} is called "
        "higher or lower only where a statistical test, allowing for the number of comparisons in this report, "
        "finds it clear; the methods annex explains the test."
    )
    summary.findings(area_findings(tables, est, geo, council, labels, domains))
    summary.table(response_table(tables.response_rates, geo, "Response rates"))
    sections = [summary]
    series = [(council_name, est, "council", council.code)]
    own = [(geo.name, est, geo.level, geo.code), *series]
    glance = Section("at-a-glance", "Wellbeing at a glance")
    glance.para(
        "Each marker is the published figure and its line the 95% confidence interval. \u25b2 or \u25bc beside "
        f"a row marks a clear difference from the rest of {council_name}; without a mark, the report does not "
        "claim a difference. Small groups are withheld ([c]) so that no child can be identified."
    )
    verdict = rest_of_council(Comparisons(tables.comparisons), geo)
    words = (f"in {geo.name}", f"in the rest of {council_name}")
    members = [i for _, _, m in domains for i in m]
    for instrument, group in by_instrument(members, labels):
        heading = INSTRUMENT_TITLES.get(instrument, instrument)
        glance.heading(heading)
        pct = percent_indicators(est, geo, group)
        glance.chart(
            comparison_chart(
                geo,
                labels,
                pct,
                own,
                f"{geo.name} compared with {council_name}, {heading_lower(heading)}",
                (verdict, words),
            )
        )
        glance.table(
            indicator_table(
                est,
                geo,
                labels,
                group,
                series,
                f"Indicators, {heading_lower(heading)}",
                f"Indicators {instrument}"[:31],
                [(f"Against the rest of {council_name}", verdict)],
            )
        )
        glance.sheet_only(
            breakdown_table(
                est,
                geo,
                labels,
                pct,
                ["sex", "stage"],
                f"Indicators by sex and stage, {heading_lower(heading)}",
                f"By sex and stage {instrument}"[:31],
            )
        )
    sections.append(glance)
    sections.append(trend_section(tables, geo))
    need = Section("need-services", "Need and services")
    need.para(
        "How many pupils have a high level of need, and whether the council records a service for them."
    )
    chart, table = circles_sections(tables.three_circles, geo, "Three circles")
    need.chart(chart)
    need.table(table)
    sections.append(need)
    if outcome.level == "cluster":  # parents of children at school in the cluster, where published
        sections += [s for s in [parent_area_section(est, geo, council, labels, verdict)] if s is not None]
    return sections, geo
