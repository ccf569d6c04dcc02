"""The council report's chapters (docs/architecture.md §9), built from one council's published tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from rcs_pipeline.codelists import council_names
from rcs_pipeline.disclosure.settings import default_threshold, rule_text
from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.catalogue import (
    IndicatorLabel,
    indicator_labels,
    report_layout,
)
from rcs_pipeline.reports.equalities import completeness_section
from rcs_pipeline.reports.formatting import format_count, format_value
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.journeys import journeys_reason, journeys_section
from rcs_pipeline.reports.lookup import Comparisons, Estimates, cell, with_area_bases
from rcs_pipeline.reports.parents import parent_chapter
from rcs_pipeline.reports.sections import (
    Geography,
    Section,
    Table,
    Verdict,
    breakdown_table,
    circles_sections,
    claim_sentence,
    clearest,
    comparison_chart,
    findings_or,
    indicator_table,
    linkage_table,
    panels_chart,
    percent_indicators,
    respondents_sentence,
    response_table,
    scores_chart,
    trend_sentence,
    without_service_table,
)
from rcs_pipeline.reports.trends import trend_section


@dataclass(frozen=True)
class AreaOutcome:
    """A cluster or school report: produced, or not produced and why."""

    level: str
    code: str
    name: str
    produced: bool
    reason: str = ""
    respondents: int | None = None


@dataclass(frozen=True)
class ReportSettings:
    """Disclosure settings and provenance printed in the methods annex."""

    min_group: int = field(default_factory=lambda: default_threshold("min_group"))
    min_cell: int = field(default_factory=lambda: default_threshold("min_cell"))
    run_id: str = ""

    @property
    def rule_text(self) -> dict[str, str]:
        """The rules in plain words with these thresholds (rcs_pipeline/disclosure/rules.yaml `rule_text`)."""
        return rule_text(self.min_group, self.min_cell)


INSTRUMENT_TITLES = {
    "secondary": "Secondary pupils (S1 to S4)",
    "primary": "Primary pupils (P5 to P7)",
    "pupil": "Pupils",
}


def heading_lower(heading: str) -> str:
    """A survey heading for use inside a sentence ('Secondary pupils (S1 to S4)' -> 'secondary pupils (S1 to S4)')."""
    return heading[:1].lower() + heading[1:]


def domain_groups(
    indicators: list[str], labels: dict[str, IndicatorLabel]
) -> list[tuple[str, str, list[str]]]:
    """(domain id, title, pupil indicators) in the layout's order; parent indicators are left out."""
    layout = report_layout()
    pupil = [i for i in indicators if labels[i].instrument != "parent"]
    known = {d["id"] for d in layout["domains"]}
    out = []
    for domain in [*layout["domains"], layout["other_domain"]]:
        members = [
            i for i in pupil if (labels[i].domain if labels[i].domain in known else "other") == domain["id"]
        ]
        if members:
            out.append((domain["id"], domain["title"], members))
    return out


def by_instrument(members: list[str], labels: dict[str, IndicatorLabel]) -> list[tuple[str, list[str]]]:
    """Indicators split by pupil survey, secondary first."""
    order = ["secondary", "primary", "pupil"]
    instruments = sorted(
        {labels[i].instrument for i in members}, key=lambda x: order.index(x) if x in order else 9
    )
    return [(inst, [i for i in members if labels[i].instrument == inst]) for inst in instruments]


def wave_comparison_reason(tables: PublishedTables) -> str | None:
    """Why the council is not compared with the other councils of its wave, or None when it is."""
    if tables.councils_in_wave == 1:
        return "This wave has only one participating council, so the report makes no comparison with other councils."
    if tables.comparator.is_empty():
        return (
            "No figures for all participating councils were published for this wave, so the report makes "
            "no comparison with other councils."
        )
    return None


def comparators(tables: PublishedTables, geo: Geography) -> list[tuple[str, Estimates, str, str]]:
    """The series a council is compared with: all participating councils (not in a one-council wave), and
    its previous wave if any."""
    series = []
    if wave_comparison_reason(tables) is None:
        series.append(("All participating councils", Estimates(tables.comparator), "all_councils", "all"))
    if tables.previous_wave and not tables.previous.is_empty():
        series.append((f"{geo.name} {tables.previous_wave}", Estimates(tables.previous), "council", geo.code))
    return series


@dataclass(frozen=True)
class CouncilTests:
    """The council report's published comparisons, by kind, with the words that name their two sides."""

    comparisons: Comparisons
    code: str
    name: str
    previous_wave: str | None
    with_other_councils: bool

    def vs_wave(self, ident: str) -> dict | None:
        """The council against the rest of the wave's councils."""
        return self.comparisons.get(
            "council_vs_rest_of_wave", "council", self.code, ident, "all", "all", "rest_of_wave"
        )

    def trend(self, ident: str) -> dict | None:
        """The council against its previous wave."""
        return self.comparisons.get(
            "wave_vs_wave", "council", self.code, ident, "all", "all", self.previous_wave or ""
        )

    def group(self, breakdown: str) -> Verdict:
        """The group comparison of a breakdown (girls vs boys, SIMD 1 vs 5, an equality group vs the rest)."""
        kind, first, second = GROUP_TESTS[breakdown]
        return lambda ident: self.comparisons.get(kind, "council", self.code, ident, breakdown, first, second)

    def wave_words(self) -> tuple[str, str]:
        """How claims name the two sides of the comparison with other councils."""
        return (f"in {self.name}", "in the other participating councils")

    def table_verdicts(self) -> list[tuple[str, Verdict]]:
        """The test columns of the council's indicator tables.

        Change over time has its own chapter (every wave, tested); a "Change since" column here as well made
        the domain tables too wide for the page.
        """
        return [("Against other councils", self.vs_wave)] if self.with_other_councils else []


GROUP_TESTS = {
    "sex": ("group_vs_group", "F", "M"),
    "simd_quintile": ("group_vs_group", "1", "5"),
    "any_asn": ("group_vs_rest", "true", "rest"),
    "fsm_p6plus": ("group_vs_rest", "true", "rest"),
    "looked_after_any": ("group_vs_rest", "true", "rest"),
}
"""Which published comparison states a gap between the groups of a breakdown: (kind, first group, reference)."""
GROUP_WORDS = {
    "sex": ("among girls", "among boys"),
    "simd_quintile": (
        "among pupils in the most deprived fifth of areas, SIMD 1",
        "among those in the least deprived fifth, SIMD 5",
    ),
}


def council_tests(tables: PublishedTables, geo: Geography) -> CouncilTests:
    """The council's published comparisons and what it is compared with."""
    previous = tables.previous_wave if tables.previous_wave and not tables.previous.is_empty() else None
    return CouncilTests(
        Comparisons(tables.comparisons), geo.code, geo.name, previous, wave_comparison_reason(tables) is None
    )


def domain_section(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    domain: str,
    title: str,
    members: list[str],
    series: list[tuple[str, Estimates, str, str]],
    tests: CouncilTests,
    reason: str | None,
) -> Section:
    """One domain chapter per pupil survey: comparison chart, charts by sex and SIMD, tables by stage and area."""
    section = Section(anchor=f"domain-{domain}", title=title)
    section.para(
        "Each marker is the published figure and its line the 95% confidence interval: the range within which the "
        "true figure is likely to lie. \u25b2 or \u25bc beside a row marks a clear difference: a statistical test "
        "of the difference, allowing for the number of comparisons in this report, finds it unlikely to be chance. "
        "Without a mark, the report does not claim a difference."
    )
    if reason:
        section.para(reason)
    own = [(geo.name, est, geo.level, geo.code), *series]
    for instrument, group in by_instrument(members, labels):
        heading = INSTRUMENT_TITLES.get(instrument, instrument)
        pct = percent_indicators(est, geo, group)
        section.heading(heading)
        against = ["all participating councils"] if tests.with_other_councils else []
        against += ["the previous wave"] if tests.previous_wave else []
        compared = f" compared with {' and '.join(against)}" if against else ""
        section.chart(
            comparison_chart(
                geo,
                labels,
                pct,
                own,
                f"{title}, {heading_lower(heading)}: {geo.name}{compared}",
                (tests.vs_wave, tests.wave_words()) if tests.with_other_councils else None,
            )
        )
        section.chart(
            panels_chart(
                est,
                geo,
                labels,
                pct,
                [("sex", "By sex"), ("simd_quintile", "By SIMD quintile")],
                f"{title}, {heading_lower(heading)}: by sex and by deprivation (SIMD 1 is the most deprived fifth of areas)",
                {b: (tests.group(b), GROUP_WORDS[b]) for b in ("sex", "simd_quintile")},
            )
        )
        section.table(
            indicator_table(
                est,
                geo,
                labels,
                group,
                series,
                f"{title}, {heading_lower(heading)}: indicators",
                f"{domain} {instrument}"[:31],
                tests.table_verdicts(),
            )
        )
        section.table(
            breakdown_table(
                est,
                geo,
                labels,
                pct,
                ["stage", "urban_rural_2fold"],
                f"{title}, {heading_lower(heading)}: by stage and urban or rural area",
                f"{domain} {instrument} groups"[:31],
            )
        )
    return section


def scores_section(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    domains: list[tuple[str, str, list[str]]],
) -> Section:
    """Mental wellbeing scores: SDQ difficulty bands shares and WEMWBS / SDQ mean scores by group."""
    section = Section(anchor="mental-wellbeing-scales", title="Mental wellbeing: SDQ and WEMWBS")
    section.para(
        "The Strengths and Difficulties Questionnaire (SDQ) total difficulties score runs from 0 to 40; lower is "
        "better, and pupils above the 'close to average' band are counted in the mental wellbeing chapter. The "
        "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) runs from 14 to 70; higher is better."
    )
    members = [i for _, _, m in domains for i in m]
    for instrument, group in by_instrument(members, labels):
        scores = [
            i for i in group if (r := est.get(geo.level, geo.code, i)) is not None and r["unit"] == "mean"
        ]
        if not scores:
            continue
        heading = INSTRUMENT_TITLES.get(instrument, instrument)
        section.heading(heading)
        chart, table = scores_chart(
            est,
            geo,
            labels,
            scores,
            ["sex", "stage", "simd_quintile"],
            f"Mean scores, {heading_lower(heading)}",
        )
        section.chart(chart)
        section.table(table)
    return section


KEY_FINDINGS_PER_KIND = 3
"""At most this many claims of one kind in the summary (the clearest, by adjusted p-value); the rest are in the
chapters' tables and charts."""


def key_findings(
    tables: PublishedTables,
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    domains: list[tuple[str, str, list[str]]],
) -> list[Finding]:
    """Plain-words findings: who took part, then only significant published comparisons (or plainly none)."""
    findings: list[Finding] = []
    taking_part = respondents_sentence(tables.response_rates, geo)
    if taking_part:
        findings.append(taking_part)
    tests = council_tests(tables, geo)
    tested = [i for _, _, m in domains for i in m if est.get(geo.level, geo.code, i) is not None]
    reason = wave_comparison_reason(tables)
    if reason:
        findings.append(Finding("Other councils", reason))
    else:
        findings += _claims(
            "Compared with other councils",
            [tests.vs_wave(i) for i in tested],
            labels,
            tests.wave_words(),
            f"No indicator differs clearly between {geo.name} and the other participating councils.",
        )
    for breakdown, heading, nothing in (
        ("sex", "Sex", "No indicator differs clearly between girls and boys."),
        (
            "simd_quintile",
            "Deprivation (SIMD 1 against 5)",
            "No indicator differs clearly between pupils in the most and the least deprived fifths of areas.",
        ),
    ):
        verdict = tests.group(breakdown)
        findings += _claims(heading, [verdict(i) for i in tested], labels, GROUP_WORDS[breakdown], nothing)
    findings += equality_findings(tests, tested, labels)
    need = tables.three_circles.filter(
        (pl.col("geography_level") == geo.level)
        & (pl.col("geography_code") == geo.code)
        & (pl.col("breakdown") == "all")
        & (pl.col("need") == "need_any")
        & (pl.col("service") == "service_any")
        & (pl.col("circle") == "need_without_service")
    )
    if need.height and not need["suppressed"][0] and need["percent"][0] is not None:
        findings.append(
            Finding(
                "Need and services",
                f"{format_value(need['percent'][0], 'percent')} of linked pupils had a high level of need and "
                "were not receiving any service recorded by the council.",
            )
        )
    if tests.previous_wave:
        rows = clearest([r for i in tested if (r := tests.trend(i)) is not None], KEY_FINDINGS_PER_KIND)
        findings += findings_or(
            f"Change since {tests.previous_wave}",
            [trend_sentence(labels[r["indicator_id"]], r, tables.wave) for r in rows],
            f"No indicator rose or fell clearly since {tests.previous_wave}.",
        )
    return findings


def equality_findings(
    tests: CouncilTests, tested: list[str], labels: dict[str, IndicatorLabel]
) -> list[Finding]:
    """The clearest significant gaps between an equality group and the rest (over ASN, free school meals and
    looked after together), or one finding saying there are none; the equalities chapter lists them all."""
    rows = []
    for breakdown, heading, _, phrases in EQUALITY_GROUPS:
        verdict = tests.group(breakdown)
        rows += [(r, heading, phrases) for i in tested if (r := verdict(i)) is not None]
    clear = {id(r) for r in clearest([r for r, *_ in rows], KEY_FINDINGS_PER_KIND)}
    ordered = sorted((x for x in rows if id(x[0]) in clear), key=lambda x: x[0]["p_adjusted"])
    found = [
        Finding(heading, sentence)
        for r, heading, phrases in ordered
        if (sentence := claim_sentence(labels[r["indicator_id"]], r, *equality_words(phrases)))
    ]
    return found or [
        Finding(
            "Equalities",
            "No indicator differs clearly between pupils with and without additional support needs, "
            "free school meals (P6 and above) or a looked-after status.",
        )
    ]


def _claims(
    heading: str,
    rows: list[dict | None],
    labels: dict[str, IndicatorLabel],
    words: tuple[str, str],
    nothing: str,
) -> list[Finding]:
    """The clearest significant comparisons of one kind as findings, or one finding saying there are none."""
    found = clearest([r for r in rows if r is not None], KEY_FINDINGS_PER_KIND)
    return findings_or(
        heading, [claim_sentence(labels[r["indicator_id"]], r, *words) for r in found], nothing
    )


def council_sections(
    tables: PublishedTables, settings: ReportSettings, outcomes: list[AreaOutcome]
) -> tuple[list[Section], Geography]:
    """Every chapter of the council report, in order, and the council it is about."""
    geo = Geography("council", tables.la_code, council_names().get(tables.la_code, tables.la_code))
    est = Estimates(with_area_bases(tables.estimates, tables.response_rates, tables.linkage_quality))
    labels = indicator_labels(est.indicators)
    domains = domain_groups(est.indicators, labels)
    series = comparators(tables, geo)
    summary = Section("key-findings", "Summary of key findings")
    summary.para(
        "These findings are written from the published figures in this report. A difference is called higher "
        "or lower only where a statistical test, allowing for the number of comparisons made, finds it clear; "
        "the methods annex explains the test."
    )
    summary.findings(key_findings(tables, est, geo, labels, domains))
    sections = [summary]
    about = Section("about", "About the survey")
    about.para(
        f"Pupils in P5 to P7 and S1 to S4 in {geo.name} answered a survey about their wellbeing in the {tables.wave} "
        "school year. Their answers were linked, without names, to the council's records of the services they receive."
    )
    about.para(
        "Response rates compare the number who answered with the number on the school roll at the census."
    )
    about.table(response_table(tables.response_rates, geo, "Response rates"))
    about.table(linkage_table(tables.linkage_quality, "Linkage"))
    sections.append(about)
    tests, reason = council_tests(tables, geo), wave_comparison_reason(tables)
    for domain, title, members in domains:
        sections.append(domain_section(est, geo, labels, domain, title, members, series, tests, reason))
    sections.append(scores_section(est, geo, labels, domains))
    sections.append(trend_section(tables, geo))
    need = Section("need-services", "Need and services")
    need.para(
        "The three circles compare children's need, from their own answers, with the services the council records for "
        "them: high need with a service, high need without a service, a service without high need, and neither."
    )
    chart, table = circles_sections(tables.three_circles, geo, "Three circles")
    need.chart(chart)
    need.table(table)
    need.table(without_service_table(tables.three_circles, geo, "Need without service"))
    if (no_journeys := journeys_reason(tables)) is not None:
        need.para(no_journeys)
    sections.append(need)
    sections += [s for s in [journeys_section(tables, geo)] if s is not None]
    sections.append(equalities_section(est, geo, labels, domains, tests))
    pupil_groups = [
        (INSTRUMENT_TITLES.get(i, i), i.capitalize(), percent_indicators(est, geo, members))
        for i, members in by_instrument([i for _, _, m in domains for i in m], labels)
    ]
    sections.append(completeness_section(tables.linkage_quality, est, geo, labels, pupil_groups))
    sections.append(
        parent_chapter(
            tables.linkage_quality,
            est,
            geo,
            labels,
            [(geo.name, est, geo.level, geo.code), *series],
            tests.table_verdicts(),
            (tests.vs_wave, tests.wave_words()) if tests.with_other_councils else None,
            tests.trend if tests.previous_wave else None,
            (tables.wave, tests.previous_wave),
            tables.response_rates,
        )
    )
    sections.append(areas_section(outcomes, settings))
    return sections, geo


EQUALITY_GROUPS = (
    ("any_asn", "Additional support needs", "ASN", ("pupils with additional support needs", "those without")),
    (
        "fsm_p6plus",
        "Free school meals (P6+)",
        "Free meals (P6+)",
        ("pupils registered for free school meals", "those not registered"),
    ),
    ("looked_after_any", "Looked after", "Looked after", ("looked-after pupils", "other pupils")),
)
"""Equality groups charted in the equalities chapter (sex and SIMD are charted in every domain chapter):
breakdown, finding heading, panel heading (short: three panels share the chart's width), and how the
findings name its two groups."""


def equality_words(phrases: tuple[str, str]) -> tuple[str, str]:
    """How claims name an equality group and the rest ('among pupils with additional support needs', 'among those without')."""
    return (f"among {phrases[0]}", f"among {phrases[1]}")


def equalities_section(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    domains: list[tuple[str, str, list[str]]],
    tests: CouncilTests,
) -> Section:
    """Equalities chapter: findings in words and, per pupil survey, a chart by ASN, free school meals and looked after.

    The full tables of every indicator by sex, SIMD, urban/rural, ASN, free school meals and looked after
    (about a thousand cells) go to the spreadsheet only; a note under each chart names their sheets.
    """
    section = Section("equalities", "Equalities")
    section.para(
        "Equality duties and the programme ask how children in different groups fare. Sex and deprivation (SIMD) "
        "are charted in each domain chapter; the charts below compare pupils with and without additional support "
        "needs, registered or not for free school meals (P6 and above) and looked after or not. Small groups are "
        "withheld ([c]) so that no child can be identified."
    )
    members = [i for _, _, m in domains for i in percent_indicators(est, geo, m)]
    tested = [i for _, _, m in domains for i in m if est.get(geo.level, geo.code, i) is not None]
    findings = []
    for breakdown, heading, _, phrases in EQUALITY_GROUPS:
        verdict = tests.group(breakdown)
        findings += _claims(
            heading,
            [verdict(i) for i in tested],
            labels,
            equality_words(phrases),
            f"No indicator differs clearly between {phrases[0]} and {phrases[1]}.",
        )
    section.findings(findings)
    for instrument, group in by_instrument(members, labels):
        heading = INSTRUMENT_TITLES.get(instrument, instrument)
        section.heading(heading)
        name = instrument.capitalize()
        by_sex_simd = breakdown_table(
            est,
            geo,
            labels,
            group,
            ["sex", "simd_quintile"],
            f"{heading}: indicators by sex and SIMD quintile",
            f"{name} sex, SIMD",
        )
        by_groups = breakdown_table(
            est,
            geo,
            labels,
            group,
            ["urban_rural_2fold", "any_asn", "fsm_p6plus", "looked_after_any"],
            f"{heading}: indicators by urban/rural, additional support needs, free school meals and looked after",
            f"{name} groups",
        )
        section.chart(
            panels_chart(
                est,
                geo,
                labels,
                group,
                [(b, panel) for b, _, panel, _ in EQUALITY_GROUPS],
                f"Equalities, {heading_lower(heading)}: by additional support needs, free school meals and looked after",
                {b: (tests.group(b), equality_words(phrases)) for b, _, _, phrases in EQUALITY_GROUPS},
            )
        )
        section.sheet_note("Figures, with urban/rural, sex and SIMD", [by_groups, by_sex_simd])
        section.sheet_only(by_groups)
        section.sheet_only(by_sex_simd)
    return section


def areas_section(outcomes: list[AreaOutcome], settings: ReportSettings) -> Section:
    """Which cluster and school reports were produced (a compact list), and which were not and why (a table)."""
    section = Section("area-reports", "Cluster and school reports")
    produced = [o for o in outcomes if o.produced]
    missing = [o for o in outcomes if not o.produced]
    section.para(
        "A report is produced for each school cluster and school with at least one published figure (no figure "
        f"is published for a group of fewer than {settings.min_group} pupils). Every cluster and school, with its "
        "code, is listed in the spreadsheet."
    )
    for level, plural in (("cluster", "Cluster"), ("school", "School")):
        names = [o.name for o in produced if o.level == level]
        section.names(f"{plural} reports produced ({format_count(len(names))})", names)
    if missing:
        section.table(
            Table(
                "Reports not produced, and why",
                ["Name", "Type", "Code", "Reason"],
                [
                    (
                        o.name,
                        [cell("Cluster" if o.level == "cluster" else "School"), cell(o.code), cell(o.reason)],
                    )
                    for o in missing
                ],
                sheet="Reports not produced",
                text=True,
            )
        )
    else:
        section.para("Every cluster and school has a report.")
    section.sheet_only(
        Table(
            "Cluster and school reports",
            ["Name", "Type", "Code", "Report", "Reason"],
            [
                (
                    o.name,
                    [
                        cell("Cluster" if o.level == "cluster" else "School"),
                        cell(o.code),
                        cell("Produced" if o.produced else "Not produced"),
                        cell(o.reason or ""),
                    ],
                )
                for o in outcomes
            ],
            sheet="Reports produced",
        )
    )
    return section
