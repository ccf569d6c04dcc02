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

from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.catalogue import breakdown_title, breakdown_value_label
from rcs_pipeline.reports.formatting import (
    SYMBOL_NOT_APPLICABLE,
    format_count,
    format_value,
)
from rcs_pipeline.reports.inputs import JOURNEYS_SCHEMA, PublishedTables, conform
from rcs_pipeline.reports.lookup import Cell, cell
from rcs_pipeline.reports.sections import Geography, Section, Table, service_label
from rcs_pipeline.reports.trends import council_waves

ONE_WAVE_REASON = (
    "Journeys of children followed from one wave to the next need a second wave of the survey in the council, "
    "so this report has no journeys chapter."
)
NEED_GROUPS = {
    "received_service": "Gained a service between the waves",
    "no_service": "No service in either wave",
}
WELLBEING_MEASURES = {
    "wemwbs": "Mental wellbeing (WEMWBS, 14 to 70; higher is better)",
    "sdq_total": "SDQ total difficulties (0 to 40; lower is better)",
}
LINK_GROUPS = {
    "need_any": {"true": "High need", "false": "No high need"},
    "service_any": {"true": "A service recorded", "false": "No service recorded"},
    "transition": {
        "primary_to_secondary": "Moved from primary to secondary school",
        "same_sector": "Stayed in primary or in secondary school",
    },
}
"""Group names of the link-rate breakdowns that are not the estimates' breakdowns (layout.yaml names those)."""
UNSTABLE_NOTE = (
    "Children who moved from primary to secondary school between these waves could mostly not be followed: the "
    "council's pupil references change at the move, so the children followed are fewer than those who took part "
    "in both waves and are mostly those who stayed in the same sector. Read the figures below with that in mind. "
    "A reference that stays with a child, such as the Scottish Candidate Number councils hold, would follow them."
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


def _value(row: dict | None, column: str = "estimate", *, blank: bool = False) -> Cell:
    """A published value of a journeys row ('[c]' when withheld, '[x]' when absent, '[z]' where `blank`)."""
    if blank:
        return cell(None, missing=SYMBOL_NOT_APPLICABLE)
    value = row[column] if row is not None else None
    suppressed = row is not None and row["suppressed"]
    unit = _unit(row) if row is not None else "text"
    return cell(None if value is None else value + 0.0, unit, suppressed=suppressed)  # no "-0.0"


def _count(row: dict | None, column: str) -> Cell:
    """A published count of a journeys row ('[c]' when withheld, '[x]' when absent)."""
    return cell(row and row[column], "count", suppressed=row is not None and row["suppressed"])


def _base(row: dict | None, column: str) -> Cell:
    """A published base of a journeys row: printed whenever the table publishes it (a row's value may be
    withheld while its base is shown), '[c]' when withheld, '[x]' when absent."""
    shown = row is not None and row[column] is not None
    return cell(
        row[column] if shown else None,
        "count",
        suppressed=not shown and row is not None and row["suppressed"],
    )


def _interval(row: dict | None) -> Cell:
    """The published 95% interval of a journeys row ('[c]' when withheld, '[x]' when absent)."""
    if row is None:
        return cell(None)
    return cell((row["ci_low"], row["ci_high"]), _unit(row), suppressed=row["suppressed"])


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
            (service_label(r["measure"]), [_base(r, "n"), _count(r, "count"), _value(r), _interval(r)])
            for r in rows
        ],
        sheet="Journeys service uptake",
        note=f"Children linked in both waves who had a high level of need and no recorded service in {before}. {NOTE}",
    )


def need_table(rows: list[dict], before: str, after: str) -> Table | None:
    """High need in each wave for children who gained a service between the waves, and for those with none."""
    index = {(r["breakdown_value"], r["outcome"]): r for r in rows}
    groups = [g for g in NEED_GROUPS if (g, "before") in index or (g, "after") in index]
    if not groups:
        return None
    body = []
    for group in groups:
        first, last = index.get((group, "before")), index.get((group, "after"))
        body.append(
            (
                NEED_GROUPS[group],
                [_base(first or last, "n"), _value(first), _interval(first), _value(last), _interval(last)],
            )
        )
    return Table(
        f"High need in {before} and in {after}: children who gained a service, and children with none",
        [
            "Group",
            "Children",
            f"High need in {before}",
            f"{before} 95% confidence interval",
            f"High need in {after}",
            f"{after} 95% confidence interval",
        ],
        body,
        sheet="Journeys need after service",
        note=f"Children linked in both waves with no service in {before}, by whether they had one in {after}: the per "
        f"cent with a high level of need in each wave. {NOTE}",
    )


def wellbeing_table(rows: list[dict], before: str, after: str) -> Table | None:
    """Within-child change of wellbeing scores against the change between all respondents of the two waves."""
    index = {(r["measure"], r["outcome"]): r for r in rows if r["breakdown"] == "all"}
    measures = list(dict.fromkeys(m for m, _ in index))
    if not measures:
        return None
    body = []
    for measure in measures:
        within, cross = index.get((measure, "within_child")), index.get((measure, "cross_sectional"))
        body.append(
            (
                WELLBEING_MEASURES.get(measure, str(measure)),
                [
                    _value(within),
                    _interval(within),
                    _base(within, "n"),
                    _value(cross),
                    _interval(cross),
                    _base(cross, "reference_n"),
                    _base(cross, "n"),
                ],
            )
        )
    return Table(
        f"Change in wellbeing scores from {before} to {after}: the same children, and all respondents",
        [
            "Score",
            "Within-child change (points)",
            "95% confidence interval",
            "Children followed",
            "Change, all who answered (points)",
            "95% confidence interval",
            f"Answered {before}",
            f"Answered {after}",
        ],
        body,
        sheet="Journeys wellbeing change",
        note="Within-child: the average change in score of the children linked in both waves (each older by the "
        "time between the waves). Between all respondents: the later wave's mean minus the earlier wave's, over "
        f"different children and stages. {NOTE}",
    )


def link_label(breakdown: str, value: str) -> str:
    """How the link-rate table names a group ('Sex: Girls', 'Moved from primary to secondary school')."""
    if breakdown == "all":
        return "All respondents"
    if breakdown in LINK_GROUPS:
        return LINK_GROUPS[breakdown].get(str(value).lower(), str(value))
    return f"{breakdown_title(breakdown)}: {breakdown_value_label(breakdown, value)}"


def link_table(rows: list[dict], before: str, after: str) -> Table | None:
    """The share of this wave's respondents followed up from the earlier wave, overall and by group, beside the
    rate of the rest of each group's breakdown (a gap is the link's bias)."""
    if not rows:
        return None
    return Table(
        f"Children followed from {before} to {after}, by group",
        [
            "Group",
            "Respondents",
            "Followed",
            "Per cent followed",
            "95% confidence interval",
            "Rest of the group's breakdown",
        ],
        [
            (
                link_label(r["breakdown"], r["breakdown_value"]),
                [
                    _base(r, "n"),
                    _count(r, "count"),
                    _value(r),
                    _interval(r),
                    _value(r, "reference_estimate", blank=r["breakdown"] == "all"),
                ],
            )
            for r in rows
        ],
        sheet="Journeys link rate",
        note=f"Respondents in {after} in stages that took part in {before}, and how many were linked to their answer "
        "in that wave. A group followed less often than the rest of its breakdown is under-represented among the "
        f"children followed, so the journeys describe it less well. {NOTE}",
    )


def uptake_sentence(rows: list[dict], before: str, after: str) -> Finding | None:
    """The headline of service uptake as a finding, from the published 'any service' row only."""
    row = next((r for r in rows if r["measure"] == "service_any" and r["breakdown"] == "all"), None)
    if not _shown(row) or row is None or row["n"] is None or row["count"] is None:
        return None
    pct = format_value(row["estimate"], _unit(row))
    return Finding(
        "Service by the next wave",
        f"Of {format_count(row['n'])} children linked in both waves who had a high level of need and no service "
        f"in {before}, {format_count(row['count'])} ({pct}) had a service recorded by {after}.",
    )


def transfer_rates(frame: pl.DataFrame) -> str:
    """The published follow-up rates of children who moved to secondary school and of the rest, in words
    (what a stable reference would change), or nothing when either is withheld."""
    rows = frame.filter((pl.col("journey_table") == "link_rate") & (pl.col("breakdown") == "transition"))
    rates = {r["breakdown_value"]: r for r in rows.iter_rows(named=True) if _shown(r)}
    moved, stayed = rates.get("primary_to_secondary"), rates.get("same_sector")
    if moved is None or stayed is None:
        return ""
    return (
        f" In {moved['to_wave']}, {format_value(moved['estimate'], 'percent')} of the children who had moved to "
        f"secondary school were followed, against {format_value(stayed['estimate'], 'percent')} of those who "
        "stayed in the same sector; a stable reference would bring the first towards the second."
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
    if (frame["pupil_ref_stable"] == False).any():  # noqa: E712 (null: too few children to judge)
        section.para(UNSTABLE_NOTE + transfer_rates(frame))
    for before in sorted(set(frame["from_wave"].to_list()), reverse=True):
        after = tables.wave
        section.heading(f"From {before} to {after}")
        uptake = _rows(frame, "service_uptake", before)
        finding = uptake_sentence(uptake, before, after)
        if finding:
            section.findings([finding])
        section.table(uptake_table(uptake, before, after))
        section.table(need_table(_rows(frame, "need_after_service", before), before, after))
        section.table(wellbeing_table(_rows(frame, "wellbeing_change", before), before, after))
        section.table(link_table(_rows(frame, "link_rate", before), before, after))
    return section
