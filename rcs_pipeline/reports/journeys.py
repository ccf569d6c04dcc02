"""The council report's "Journeys" chapter: children linked in an earlier wave and this one, from the
disclosure-controlled `published_journeys` table (docs/methods/journeys.md).

Everything printed is a published figure taken as it is ([c] where withheld, [x] where absent): service
uptake of children with high need and no service, how need changed for children who gained a service,
within-child against cross-sectional change in wellbeing, and the link rate across waves by subgroup (its
bias). Where the council's pupil references are not stable across waves, a plain note says so. A council
with one wave has no chapter, and the report says why in one line.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.reports.catalogue import breakdown_title, breakdown_value_label
from rcs_pipeline.reports.formatting import (
    SYMBOL_NOT_AVAILABLE,
    SYMBOL_SUPPRESSED,
    format_count,
    format_interval,
    format_value,
)
from rcs_pipeline.reports.inputs import JOURNEYS_SCHEMA, PublishedTables, conform
from rcs_pipeline.reports.lookup import Cell
from rcs_pipeline.reports.sections import Geography, Section, Table, service_label
from rcs_pipeline.reports.trends import council_waves

ONE_WAVE_REASON = (
    "Journeys of children followed from one wave to the next need a second wave of the survey in the council, "
    "so this report has no journeys chapter."
)
NEED_OUTCOMES = {
    "need_to_need": "High need in both waves",
    "need_to_no_need": "High need before, not after",
    "no_need_to_need": "High need after, not before",
    "no_need_to_no_need": "High need in neither wave",
}
WELLBEING_MEASURES = {
    "wemwbs": "Mental wellbeing (WEMWBS, 14 to 70; higher is better)",
    "sdq_total": "SDQ total difficulties (0 to 40; lower is better)",
}
UNSTABLE_NOTE = (
    "Pupil references in this council were not stable across these waves, so fewer children could be followed "
    "from one wave to the next than took part in both, and those followed may not be typical of all children; "
    "read the figures below with that in mind. A reference that stays with a child, "
    "such as the Scottish Candidate Number councils hold, would let more children be followed."
)
NOTE = "[c] withheld to protect confidentiality; [x] not available."


def journeys_reason(tables: PublishedTables) -> str | None:
    """The one-line reason the council report has no journeys chapter (one wave only), or None."""
    return ONE_WAVE_REASON if len(council_waves(tables)) < 2 else None


def _rows(frame: pl.DataFrame, table: str, from_wave: str) -> list[dict]:
    """The published rows of one journey table for one earlier wave, in table order."""
    return frame.filter((pl.col("journey_table") == table) & (pl.col("from_wave") == from_wave)).to_dicts()


def _unit(row: dict) -> str:
    """The formatting unit of a journeys row: whole percentages or points to one decimal place."""
    return "percent" if row["unit"] in ("%", "percent") else "mean"


def _value(row: dict | None, column: str = "estimate") -> Cell:
    """A published value of a journeys row ('[c]' when withheld, '[x]' when absent)."""
    if row is None:
        return Cell(SYMBOL_NOT_AVAILABLE)
    if row["suppressed"]:
        return Cell(SYMBOL_SUPPRESSED, True)
    value = row[column]
    return Cell(SYMBOL_NOT_AVAILABLE if value is None else format_value(value, _unit(row)))


def _count(row: dict | None, column: str) -> Cell:
    """A published count of a journeys row ('[c]' when withheld, '[x]' when absent)."""
    if row is None:
        return Cell(SYMBOL_NOT_AVAILABLE)
    if row["suppressed"]:
        return Cell(SYMBOL_SUPPRESSED, True)
    return Cell(SYMBOL_NOT_AVAILABLE if row[column] is None else format_count(row[column]))


def _interval(row: dict | None) -> Cell:
    """The published 95% interval of a journeys row ('[c]' when withheld, '[x]' when absent)."""
    if row is None or row["suppressed"] or row["ci_low"] is None or row["ci_high"] is None:
        return (
            Cell(SYMBOL_SUPPRESSED, True)
            if row is not None and row["suppressed"]
            else Cell(SYMBOL_NOT_AVAILABLE)
        )
    return Cell(format_interval(row["ci_low"], row["ci_high"], _unit(row)))


def _shown(row: dict | None) -> bool:
    """Whether a journeys row carries published figures."""
    return row is not None and not row["suppressed"] and row["estimate"] is not None


def uptake_table(rows: list[dict], before: str, after: str) -> Table | None:
    """Service by the later wave for children with high need and no service in the earlier one."""
    rows = [r for r in rows if r["breakdown"] == "all"]
    if not rows:
        return None
    return Table(
        f"Children with high need and no service in {before}: a service by {after}",
        ["Service", "Children", "With the service", "Per cent", "95% confidence interval"],
        [
            (service_label(r["measure"]), [_count(r, "n"), _count(r, "count"), _value(r), _interval(r)])
            for r in rows
        ],
        sheet="Journeys service uptake",
        note=f"Children linked in both waves who had a high level of need and no recorded service in {before}. {NOTE}",
    )


def need_table(rows: list[dict], before: str, after: str) -> Table | None:
    """How need changed between the waves for children who gained a service."""
    rows = [r for r in rows if r["breakdown"] == "all"]
    if not rows:
        return None
    order = list(NEED_OUTCOMES)
    rows = sorted(rows, key=lambda r: order.index(r["outcome"]) if r["outcome"] in order else 99)
    return Table(
        f"Children who gained a service between {before} and {after}: their need in each wave",
        ["Need", "Children", "Per cent", "95% confidence interval"],
        [
            (
                NEED_OUTCOMES.get(r["outcome"], str(r["outcome"])),
                [_count(r, "count"), _value(r), _interval(r)],
            )
            for r in rows
        ],
        sheet="Journeys need after service",
        note=f"Per cent of children linked in both waves with no service in {before} and a service by {after}. {NOTE}",
    )


def wellbeing_table(rows: list[dict], before: str, after: str) -> Table | None:
    """Within-child change of wellbeing scores against the change between all respondents of the two waves."""
    rows = [r for r in rows if r["breakdown"] == "all"]
    if not rows:
        return None
    return Table(
        f"Change in wellbeing scores from {before} to {after}: the same children, and all respondents",
        [
            "Score",
            "Within-child change (points)",
            "95% confidence interval",
            "Children followed",
            "Change between all respondents (points)",
            "All respondents",
        ],
        [
            (
                WELLBEING_MEASURES.get(r["measure"], str(r["measure"])),
                [
                    _value(r),
                    _interval(r),
                    _count(r, "n"),
                    _value(r, "reference_estimate"),
                    _count(r, "reference_n"),
                ],
            )
            for r in rows
        ],
        sheet="Journeys wellbeing change",
        note="Within-child: the average change in score of children linked in both waves (each older by the time "
        "between the waves). "
        "Between all respondents: the later wave's mean minus the earlier wave's, over different children and "
        f"stages. {NOTE}",
    )


def link_table(rows: list[dict], before: str, after: str) -> Table | None:
    """The share of this wave's respondents linked to an earlier-wave answer, overall and by subgroup."""
    if not rows:
        return None
    ordered = sorted(rows, key=lambda r: (r["breakdown"] != "all", r["breakdown"], str(r["breakdown_value"])))
    body = []
    for r in ordered:
        label = (
            "All respondents"
            if r["breakdown"] == "all"
            else f"{breakdown_title(r['breakdown'])}: {breakdown_value_label(r['breakdown'], r['breakdown_value'])}"
        )
        body.append(
            (
                label,
                [
                    _count(r, "n"),
                    _count(r, "count"),
                    _value(r),
                    _interval(r),
                    _value(r, "reference_estimate"),
                ],
            )
        )
    return Table(
        f"Link rate from {after} back to {before}, by group",
        [
            "Group",
            "Respondents",
            "Linked",
            "Link rate",
            "95% confidence interval",
            "Link rate, all respondents",
        ],
        body,
        sheet="Journeys link rate",
        note=f"Respondents in {after} in stages that took part in {before}, and how many were linked to an answer of "
        "theirs in that wave. A group linked at a lower rate than all respondents is under-represented among the "
        f"children followed, so journeys describe it less well. {NOTE}",
    )


def uptake_sentence(rows: list[dict], before: str, after: str) -> str | None:
    """The headline of service uptake in words, from the published 'any service' row only."""
    row = next((r for r in rows if r["measure"] == "service_any" and r["breakdown"] == "all"), None)
    if not _shown(row) or row is None or row["n"] is None or row["count"] is None:
        return None
    pct = format_value(row["estimate"], _unit(row))
    return (
        f"Service by the next wave. Of {format_count(row['n'])} children linked in both waves who had a high level "
        f"of need and no service in {before}, {format_count(row['count'])} ({pct}) had a service recorded by {after}."
    )


def journeys_section(tables: PublishedTables, geo: Geography) -> Section | None:
    """The council's journeys chapter, or None when it has one wave (see `journeys_reason`)."""
    if journeys_reason(tables) is not None:
        return None
    section = Section("journeys", "Journeys: the same children over time")
    frame = conform(tables.journeys, JOURNEYS_SCHEMA).filter(pl.col("to_wave") == tables.wave)
    section.para(
        f"Children who answered the survey in an earlier wave and again in {tables.wave} were linked, without names, "
        "through the council's pupil references. These figures follow those children; like every published "
        "table, small groups are withheld ([c])."
    )
    if frame.is_empty():
        section.para(f"No journeys table was published for {geo.name} in {tables.wave} [x].")
        return section
    if not all(frame["pupil_ref_stable"].fill_null(True).to_list()):
        section.para(UNSTABLE_NOTE)
    for before in sorted(set(frame["from_wave"].to_list()), reverse=True):
        after = tables.wave
        section.heading(f"From {before} to {after}")
        uptake = _rows(frame, "service_uptake", before)
        sentence = uptake_sentence(uptake, before, after)
        if sentence:
            section.bullets([sentence])
        section.table(uptake_table(uptake, before, after))
        section.table(need_table(_rows(frame, "need_after_service", before), before, after))
        section.table(wellbeing_table(_rows(frame, "wellbeing_change", before), before, after))
        section.table(link_table(_rows(frame, "link_rate", before), before, after))
    return section
