"""The parent chapter of the council report and the parent figures of cluster reports (docs/methods/parents.md).

Every number is a published value: parent estimates (under the household sample design) from
published_estimates, interviews from published_linkage_quality, comparisons from published_comparisons.
Words state a difference only where a published comparison is significant.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.catalogue import IndicatorLabel
from rcs_pipeline.reports.formatting import format_count, format_value
from rcs_pipeline.reports.lookup import Cell, Estimates, base_cell, cell, interval_cell, value_cell
from rcs_pipeline.reports.sections import (
    Geography,
    Section,
    Table,
    Verdict,
    breakdown_table,
    claim_sentence,
    clearest,
    comparison_chart,
    findings_or,
    indicator_table,
    panels_chart,
    percent_indicators,
    trend_sentence,
)

BASE_LABEL = "Base (parents)"
MAX_CLAIMS = 3
NEED_BREAKDOWN = "need_sdq_high"
SERVICE_PREFIX = "par_used_"
NO_RATE = (
    "No response rate can be given: the delivery carries no count of the families the survey contractor "
    "approached [x]."
)
SYMBOLS_NOTE = "[c] withheld to protect confidentiality; [x] not available; [u] low reliability."

Series = list[tuple[str, Estimates, str, str]]


def parent_indicators(est: Estimates, geo: Geography, labels: dict[str, IndicatorLabel]) -> list[str]:
    """Parent indicators with a published row (shown or withheld) for the geography, catalogue order."""
    return [i for i in est.indicators if labels[i].instrument == "parent" and est.get(geo.level, geo.code, i)]


def _count_cell(row: dict | None) -> Cell:
    """A published linkage count as a cell: the count, '[c]' when withheld, '[x]' when absent."""
    if row is None:
        return cell(None)
    return cell(row["count"], "count", suppressed=bool(row["suppressed"]))


def interviews(linkage: pl.DataFrame) -> dict[str, dict | None]:
    """The parent survey's published respondents and linked counts (breakdown all), None where absent."""
    rows = linkage.filter(
        (pl.col("instrument") == "parent")
        & (pl.col("breakdown") == "all")
        & (pl.col("breakdown_value") == "all")
    )
    found = {r["measure"]: r for r in rows.iter_rows(named=True)}
    return {m: found.get(m) for m in ("respondents", "linked")}


def rate_row(rates: pl.DataFrame | None, geo: Geography) -> dict | None:
    """The published parent response row (interviews against families issued) of the geography, or None."""
    if rates is None:
        return None
    rows = rates.filter(
        (pl.col("instrument") == "parent")
        & (pl.col("geography_level") == geo.level)
        & (pl.col("geography_code") == geo.code)
        & (pl.col("stage") == "all")
        & (pl.col("sex") == "all")
    )
    return rows.row(0, named=True) if rows.height else None


def _rate_cells(row: dict | None) -> tuple[Cell, Cell]:
    """(families issued, response rate) cells of the published parent response row."""
    if row is None:
        return cell(None), cell(None)
    withheld = bool(row["suppressed"]) or row["response_rate"] is None
    return cell(row["roll"], "count"), cell(row["response_rate"], "percent", suppressed=withheld)


def response_table(linkage: pl.DataFrame, rate: dict | None = None) -> Table:
    """Interviews achieved, linked to a child's council record, families approached and the response rate."""
    counts = interviews(linkage)
    issued, percent = _rate_cells(rate)
    rows = [
        ("Interviews achieved", [_count_cell(counts["respondents"])]),
        ("Linked to the child's council record", [_count_cell(counts["linked"])]),
        ("Families approached", [issued]),
        ("Response rate", [percent]),
    ]
    why = (
        NO_RATE
        if rate is None
        else "Response rate: interviews in the survey contractor's sample strata against the families approached."
    )
    return Table(
        "Parent survey: interviews",
        ["Measure", "Parents"],
        rows,
        sheet="Parents interviews",
        note="Interviews with a parent or carer of a child aged 0 to 8. " + why + " " + SYMBOLS_NOTE,
    )


def response_sentence(linkage: pl.DataFrame, rate: dict | None = None) -> str:
    """Interviews achieved and the response rate in words (published figures, or why they are not given)."""
    row = interviews(linkage)["respondents"]
    if row is None or (row["count"] is None and not row["suppressed"]):
        said = "The number of interviews was not published for this wave [x]."
    elif row["suppressed"]:
        said = "The number of interviews is withheld to protect confidentiality [c]."
    else:
        said = f"{format_count(row['count'])} parents and carers were interviewed."
    if rate is None:
        return f"{said} {NO_RATE}"
    if rate["suppressed"] or rate["response_rate"] is None:
        return f"{said} The response rate is withheld to protect confidentiality [c]."
    return f"{said} {format_value(rate['response_rate'], 'percent')} of the families approached took part."


def claims(
    members: list[str],
    labels: dict[str, IndicatorLabel],
    vs_wave: tuple[Verdict, tuple[str, str]] | None,
    trend: Verdict | None,
    wave: str,
    previous_wave: str | None,
) -> list[Finding]:
    """Findings in words: only significant published comparisons, else a plain 'no clear difference'."""
    out: list[Finding] = []
    if vs_wave is not None:
        verdict, words = vs_wave
        rows = [r for i in members if (r := verdict(i)) is not None]
        if not rows:
            out.append(
                Finding(
                    "Other councils",
                    "Parent indicators were not tested against the other councils this wave.",
                )
            )
        else:
            found = clearest(rows, MAX_CLAIMS)
            out += findings_or(
                "Compared with other councils",
                (claim_sentence(labels[r["indicator_id"]], r, *words) for r in found),
                "No parent indicator differs clearly from the other participating councils.",
            )
    if trend is not None and previous_wave:
        rows = [r for i in members if (r := trend(i)) is not None]
        found = clearest(rows, MAX_CLAIMS)
        out += findings_or(
            f"Change since {previous_wave}",
            (trend_sentence(labels[r["indicator_id"]], r, wave) for r in found),
            f"No parent indicator changed clearly since {previous_wave}.",
        )
    return out


def need_services_table(est: Estimates, geo: Geography, labels: dict[str, IndicatorLabel]) -> Table | None:
    """Each service the family reports by parent-reported need (SDQ high or very high, child aged 4+)."""
    services = [i for i in parent_indicators(est, geo, labels) if i.startswith(SERVICE_PREFIX)]
    if not services:
        return None
    rows = []
    for ident in services:
        cells: list[Cell] = []
        for value in ("true", "false"):
            row = est.get(geo.level, geo.code, ident, NEED_BREAKDOWN, value)
            cells += [value_cell(row), interval_cell(row), base_cell(row)]
        rows.append((labels[ident].label, cells))
    return Table(
        "Services the family uses, by the child's difficulties as the parent reports them",
        [
            "Service",
            "High difficulties",
            "High difficulties: 95% confidence interval",
            "High difficulties: base",
            "Others",
            "Others: 95% confidence interval",
            "Others: base",
        ],
        rows,
        sheet="Parents need and services",
        note="Percentages of families. High difficulties: the child's SDQ total difficulties score (parent "
        "report) is high or very high; children aged 4 and over only. Services as the family reports them. "
        "No test of the difference between the two groups is made, so none is claimed. " + SYMBOLS_NOTE,
    )


def parent_chapter(
    linkage: pl.DataFrame,
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    series: Series,
    verdicts: list[tuple[str, Verdict]],
    vs_wave: tuple[Verdict, tuple[str, str]] | None,
    trend: Verdict | None,
    waves: tuple[str, str | None],
    rates: pl.DataFrame | None = None,
) -> Section:
    """Parents of children aged 0–8: response, indicators against all councils and earlier waves, groups, need."""
    section = Section("parents", "Parents of children aged 0 to 8")
    members = parent_indicators(est, geo, labels)
    if not members:
        section.para("No parent survey results were published for this wave [x].")
        return section
    section.para(
        "Parents and carers of a sample of families with a child aged 0 to 8 answered a separate survey. It is a "
        "sample of households, not a census: each figure is an estimate for all such families in the council, "
        "with a 95% confidence interval. The methods annex describes the design."
    )
    rate = rate_row(rates, geo)
    section.para(response_sentence(linkage, rate))
    section.table(response_table(linkage, rate))
    section.findings(claims(members, labels, vs_wave, trend, *waves))
    pct = percent_indicators(est, geo, members)
    compared = " and ".join(name for name, *_ in series[1:])
    title = f"Parents: {geo.name}" + (f" compared with {compared}" if compared else "")
    section.chart(comparison_chart(geo, labels, pct, series, title, vs_wave))
    councils = [s for s in series[1:] if s[2] == "all_councils"]  # earlier waves: the trends chapter's table
    verdicts = [(name, v) for name, v in verdicts if any(v(i) is not None for i in members)]  # tests made
    section.table(
        indicator_table(
            est, geo, labels, members, councils, "Parent survey indicators", "Parents", verdicts, BASE_LABEL
        )
    )
    section.heading("By the child's age, sex, area deprivation and urban or rural area")
    section.para(
        "SIMD and urban or rural area come from the council's record of a child at school, so they are known "
        "only for children at school whose parent's answers were linked to that record."
    )
    section.chart(
        panels_chart(
            est,
            geo,
            labels,
            pct,
            [("child_age_band", "Child's age"), ("simd_quintile", "SIMD quintile")],
            "Parents: by the child's age and by deprivation (SIMD 1 is the most deprived fifth of areas)",
        )
    )
    section.table(
        breakdown_table(
            est,
            geo,
            labels,
            members,
            ["child_age_band", "sex"],
            "Parents: by child's age and sex",
            "Parents age, sex",
        )
    )
    section.table(
        breakdown_table(
            est,
            geo,
            labels,
            members,
            ["simd_quintile", "urban_rural_2fold"],
            "Parents: by SIMD quintile and urban or rural area",
            "Parents SIMD, urban-rural",
        )
    )
    section.heading("Need and the services families report")
    section.table(need_services_table(est, geo, labels))
    return section


def parent_area_section(
    est: Estimates, geo: Geography, council: Geography, labels: dict[str, IndicatorLabel], verdict: Verdict
) -> Section | None:
    """A cluster report's parent figures beside the council's, where disclosure control published them."""
    members = parent_indicators(est, geo, labels)
    if not members:
        return None
    section = Section("parents", "Parents of children aged 0 to 8")
    section.para(
        f"Parents of children at school in {geo.name} who answered the parent survey, beside all parents "
        f"interviewed in {council.name}. Small groups are withheld ([c])."
    )
    section.table(
        indicator_table(
            est,
            geo,
            labels,
            members,
            [(council.name, est, council.level, council.code)],
            "Parent survey indicators",
            "Parents",
            [(f"Against the rest of {council.name}", verdict)] if any(verdict(i) for i in members) else [],
            BASE_LABEL,
        )
    )
    return section
