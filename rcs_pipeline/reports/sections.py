"""Report sections built from published tables: the numbers, charts, tables and plain words of each chapter.

Every number a section prints is a published value (or a published count) taken as it is: nothing is
re-derived, so nothing withheld can be recovered from a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from rcs_pipeline.charts.figures import ChartSpec, Mark, Panel, dot_chart, dot_panels, stacked_bar
from rcs_pipeline.need import service_group_names
from rcs_pipeline.reports.blocks import Finding, Table
from rcs_pipeline.reports.blocks import Section as Section
from rcs_pipeline.reports.blocks import resolve_sheet_notes as resolve_sheet_notes
from rcs_pipeline.reports.catalogue import (
    IndicatorLabel,
    breakdown_title,
    breakdown_value_label,
    humanise,
    report_layout,
)
from rcs_pipeline.reports.formatting import (
    SYMBOL_LOW_RELIABILITY,
    SYMBOL_NOT_APPLICABLE,
    SYMBOL_NOT_AVAILABLE,
    format_count,
    format_value,
)
from rcs_pipeline.reports.lookup import (
    Cell,
    Estimates,
    base_cell,
    cell,
    comparison_cell,
    interval_cell,
    point,
    significant,
    value_cell,
)

Verdict = Callable[[str], "dict | None"]
"""An indicator's published comparison of one kind (e.g. against the rest of the council), or None."""

STAGE_ORDER = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "S1", "S2", "S3", "S4", "S5", "S6")


@dataclass(frozen=True)
class Geography:
    """The geography a report is about, and the wider one it is compared with."""

    level: str
    code: str
    name: str


def ordered_values(est: Estimates, geo: Geography, indicators: list[str], breakdown: str) -> list[str]:
    """The groups of a breakdown present for any of the indicators, in a natural order."""
    seen: dict[str, None] = {}
    for ident in indicators:
        for value in est.values_of(geo.level, geo.code, ident, breakdown):
            seen.setdefault(value, None)
    values = list(seen)
    layout_values = list(report_layout()["breakdowns"].get(breakdown, {}).get("values", {}))
    if breakdown == "stage":
        return sorted(values, key=lambda v: STAGE_ORDER.index(v) if v in STAGE_ORDER else 99)
    if layout_values:
        return sorted(
            values, key=lambda v: layout_values.index(v.lower()) if v.lower() in layout_values else 99
        )
    return sorted(values)


def percent_indicators(est: Estimates, geo: Geography, indicators: list[str]) -> list[str]:
    """The indicators published as percentages for this geography."""
    return [
        i
        for i in indicators
        if (row := est.get(geo.level, geo.code, i)) is not None and row["unit"] == "percent"
    ]


def mark_of(row: dict | None, words: tuple[str, str]) -> Mark | None:
    """The chart mark of a published comparison: ▲/▼ when it is significant, else None.

    `words` name the two sides as claim sentences do, e.g. ('in Academy 1', 'in the rest of Fife') →
    '▲ higher in Academy 1 than in the rest of Fife'.
    """
    if not significant(row):
        return None
    assert row is not None
    glyph = "\u25b2" if row["direction"] == "higher" else "\u25bc"
    return Mark(glyph, f"{row['direction']} {words[0]} than {words[1]}")


def comparison_chart(
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    series: list[tuple[str, Estimates, str, str]],
    title: str,
    verdict: tuple[Verdict, tuple[str, str]] | None = None,
) -> ChartSpec | None:
    """A dot chart of each indicator for this geography against comparators (each a labelled Estimates).

    With `verdict` (an indicator's published comparison and its words), significant rows are marked.
    """
    if not indicators:
        return None
    rows = [
        (labels[i].label, [point(e.get(level, code, i)) for _, e, level, code in series]) for i in indicators
    ]
    marks = tuple(mark_of(verdict[0](i), verdict[1]) for i in indicators) if verdict else ()
    return dot_chart(rows, [name for name, *_ in series], unit="percent", title=title, marks=marks)


def indicator_table(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    comparators: list[tuple[str, Estimates, str, str]],
    caption: str,
    sheet: str,
    verdicts: list[tuple[str, Verdict]] | None = None,
    base_label: str = "Base (pupils)",
) -> Table:
    """Value, interval and base of each indicator, with comparator values and what each published test says.

    `base_label` names who the base counts ('Base (parents)' for the parent survey).
    """
    verdicts = verdicts or []
    rows = []
    for ident in indicators:
        row = est.get(geo.level, geo.code, ident)
        cells = [value_cell(row), interval_cell(row), base_cell(row)]
        cells += [value_cell(e.get(level, code, ident)) for _, e, level, code in comparators]
        cells += [comparison_cell(verdict(ident)) for _, verdict in verdicts]
        rows.append((labels[ident].label, cells))
    columns = ["Indicator", geo.name, "95% confidence interval", base_label]
    columns += [name for name, *_ in comparators] + [name for name, _ in verdicts]
    note = "Percentages, or mean scores where the indicator is a score."
    if verdicts:
        note += (
            " Higher or Lower: a clear difference in the test named in the column (significant after allowing "
            "for the number of comparisons); otherwise no clear difference."
        )
    return Table(
        caption,
        columns,
        rows,
        sheet=sheet,
        note=note + " [c] withheld to protect confidentiality; [x] not available; [u] low reliability.",
    )


def breakdown_table(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    breakdowns: list[str],
    caption: str,
    sheet: str,
) -> Table | None:
    """Each indicator by the groups of several breakdowns (columns), '[c]' where withheld."""
    columns: list[tuple[str, str]] = []
    for breakdown in breakdowns:
        columns += [(breakdown, v) for v in ordered_values(est, geo, indicators, breakdown)]
    if not columns or not indicators:
        return None
    rows = [
        (labels[i].label, [value_cell(est.get(geo.level, geo.code, i, b, v)) for b, v in columns])
        for i in indicators
    ]
    headers = ["Indicator"] + [f"{breakdown_value_label(b, v)}" for b, v in columns]
    return Table(
        caption,
        headers,
        rows,
        sheet=sheet,
        note="Groups: "
        + "; ".join(breakdown_title(b) for b in breakdowns)
        + ". [c] withheld to protect confidentiality.",
    )


def response_table(rates: pl.DataFrame, geo: Geography, sheet: str) -> Table:
    """Respondents, roll and response rate by instrument and stage (all pupils, girls, boys)."""
    layout = report_layout()
    frame = rates.filter((pl.col("geography_level") == geo.level) & (pl.col("geography_code") == geo.code))
    index = {(r["instrument"], r["stage"], r["sex"]): r for r in frame.iter_rows(named=True)}
    rows = []
    for instrument in ("primary", "secondary"):  # the parent survey's response is in the parent chapter
        stages = sorted(
            {s for (i, s, _) in index if i == instrument and s != "all"},
            key=lambda v: STAGE_ORDER.index(v) if v in STAGE_ORDER else 99,
        )
        for stage in [*stages, "all"]:
            if (instrument, stage, "all") not in index and not any(
                (instrument, stage, x) in index for x in ("F", "M")
            ):
                continue
            label = (
                (layout["instruments"].get(instrument, instrument) + ", all stages")
                if stage == "all"
                else stage
            )
            cells = []
            for sex in ("all", "F", "M"):
                r = index.get((instrument, stage, sex))
                cells += _rate_cells(r)
            rows.append((label, cells))
    columns = [
        "Stage",
        "Respondents",
        "Roll",
        "Response rate",
        "Girls: respondents",
        "Girls: rate",
        "Boys: respondents",
        "Boys: rate",
    ]
    trimmed = [
        (label, [cells[0], cells[1], cells[2], cells[3], cells[5], cells[6], cells[8]])
        for label, cells in rows
    ]
    return Table(
        "Response to the survey against the school roll",
        columns,
        trimmed,
        sheet=sheet,
        note="Roll: pupils on the school roll at the census. [c] withheld to protect confidentiality; [x] not available.",
    )


def _rate_cells(row: dict | None) -> list[Cell]:
    """Respondents, roll and rate cells of one response-rate row."""
    if row is None or row["suppressed"]:
        return [cell(None, suppressed=row is not None)] * 3
    return [
        cell(row["respondents"], "count"),
        cell(row["roll"], "count"),
        cell(
            row["response_rate"],
            "percent",
            missing=SYMBOL_NOT_APPLICABLE if not row["roll"] else SYMBOL_NOT_AVAILABLE,
        ),
    ]


LINK_MEASURES = (
    ("respondents", "Respondents"),
    ("linked", "Linked to council records"),
    ("linked_exact", "Linked exactly"),
    ("linked_probabilistic", "Linked probabilistically"),
    ("unlinked_no_reference", "Not linked: no pupil reference"),
    ("unlinked_reference_not_in_extract", "Not linked: reference not in council extract"),
    ("unlinked_below_threshold", "Not linked: match below threshold"),
    ("duplicate", "Duplicate responses excluded"),
)


def linkage_table(quality: pl.DataFrame, sheet: str) -> Table:
    """Published linkage counts by pupil survey (breakdown all)."""
    frame = quality.filter(pl.col("breakdown") == "all")
    instruments = [i for i in ("primary", "secondary", "parent") if i in set(frame["instrument"].to_list())]
    index = {(r["instrument"], r["measure"]): r for r in frame.iter_rows(named=True)}
    rows = []
    for measure, label in LINK_MEASURES:
        cells = []
        for instrument in instruments:
            r = index.get((instrument, measure))
            cells.append(cell(r and r["count"], "count", suppressed=r is not None and r["suppressed"]))
        rows.append((label, cells))
    names = report_layout()["instruments"]
    return Table(
        "Linkage of survey responses to council records",
        ["Measure", *[names.get(i, i) for i in instruments]],
        rows,
        sheet=sheet,
        note="Counts of survey respondents. [c] withheld to protect confidentiality.",
    )


def circles_sections(circles: pl.DataFrame, geo: Geography, sheet: str) -> tuple[ChartSpec | None, Table]:
    """The three-circles chart and table for one geography (breakdown all): each published need × service
    group (social work, additional support for learning, any service; need/flags.yaml), and which rows are
    withheld in full."""
    layout = report_layout()
    frame = circles.filter(
        (pl.col("geography_level") == geo.level)
        & (pl.col("geography_code") == geo.code)
        & (pl.col("breakdown") == "all")
    )
    order = list(layout["circles"])
    needs = list(dict.fromkeys(frame["need"].to_list()))
    index = {(r["need"], r["service"], r["circle"]): r for r in frame.iter_rows(named=True)}
    listed = list(dict.fromkeys(frame["service"].to_list()))
    services = [s for s in service_group_names() if s in listed] or listed[:1]
    chart_rows, table_rows, withheld = [], [], []
    for need in needs:
        for service in services:
            cells = [index.get((need, service, c)) for c in order]
            if all(c is None for c in cells):
                continue
            label = (
                need_label(need) if len(services) == 1 else f"{need_label(need)}: {service_label(service)}"
            )
            if all(c is not None and c["suppressed"] for c in cells):
                withheld.append(label)
            chart_rows.append(
                (label, [None if c is None or c["suppressed"] else c["percent"] for c in cells])
            )
            table_cells = []
            for c in cells:
                hidden = c is not None and (c["suppressed"] or c["percent"] is None)
                table_cells += [
                    cell(c and c["n"], "count", suppressed=hidden or (c is not None and c["n"] is None)),
                    cell(c and c["percent"], "percent", suppressed=hidden),
                ]
            table_rows.append((label, table_cells))
    columns = ["Need"]
    for c in order:
        columns += [f"{layout['circles_short'][c]}: number", f"{layout['circles_short'][c]}: %"]
    table = Table(
        "Children with high need, by whether they receive a service",
        columns,
        table_rows,
        sheet=sheet,
        note="Number of pupils and per cent of all linked pupils in the group. [c] withheld to protect confidentiality."
        + withheld_note(withheld, len(table_rows)),
    )
    if all(any(p is None for p in parts) for _, parts in chart_rows):
        chart_rows = []  # every bar has a withheld part: a chart of [c] only says nothing the table does not
    chart = (
        stacked_bar(
            chart_rows,
            [layout["circles"][c] for c in order],
            title=f"High need and receipt of services, {geo.name}",
        )
        if chart_rows
        else None
    )
    return chart, table


def withheld_note(withheld: list[str], rows: int) -> str:
    """The sentence saying which need-versus-services rows are withheld in full (empty when none is)."""
    if not withheld:
        return ""
    if len(withheld) == rows:
        return " The whole table is withheld to protect confidentiality."
    return " Withheld in full to protect confidentiality: " + "; ".join(withheld) + "."


def need_label(flag: str) -> str:
    """Printed name of a need flag (layout.yaml, else from the flag name)."""
    return str(report_layout()["needs"].get(flag) or humanise(flag.removeprefix("need_")))


def service_label(flag: str) -> str:
    """Printed name of a service flag (layout.yaml, else from the flag name)."""
    return str(report_layout()["services"].get(flag) or humanise(flag.removeprefix("service_")))


def without_service_table(circles: pl.DataFrame, geo: Geography, sheet: str) -> Table | None:
    """Per cent of children with each high need and not receiving each type of service (rows: services)."""
    frame = circles.filter(
        (pl.col("geography_level") == geo.level)
        & (pl.col("geography_code") == geo.code)
        & (pl.col("breakdown") == "all")
        & (pl.col("circle") == "need_without_service")
    )
    if frame.is_empty():
        return None
    needs = list(dict.fromkeys(frame["need"].to_list()))
    index = {(r["need"], r["service"]): r for r in frame.iter_rows(named=True)}
    services = list(dict.fromkeys(frame["service"].to_list()))
    title = (
        "High need without any service, by type of need"
        if services == ["service_any"]
        else "High need without a service, by type of service and of need"
    )
    rows = []
    for service in services:
        cells = []
        for need in needs:
            r = index.get((need, service))
            withheld = r is not None and (r["suppressed"] or r["percent"] is None)
            cells.append(cell(r and r["percent"], "percent", suppressed=withheld))
        rows.append((service_label(service), cells))
    return Table(
        title,
        ["Service not received", *[need_label(n) for n in needs]],
        rows,
        sheet=sheet,
        note="Per cent of all linked pupils in the group who have the need and do not receive the service. "
        "[c] withheld to protect confidentiality.",
    )


SURVEY_OF = {"secondary": "secondary pupils", "primary": "primary pupils", "parent": "parents"}


def claim_sentence(label: IndicatorLabel, row: dict | None, first: str, second: str) -> str | None:
    """A significant published comparison in words, else None (the report then states no direction).

    'Usually sleeps 8 hours or more (secondary pupils): higher in Academy 1 (52%) than in the rest of Fife (37%).'
    Both values are the published ones; the direction is the published test's.
    """
    if not significant(row):
        return None
    assert row is not None
    a, b = sides(row)
    survey = SURVEY_OF.get(label.instrument, "pupils")
    return f"{label.label} ({survey}): {row['direction']} {first} ({a}) than {second} ({b})."


def sides(row: dict) -> tuple[str, str]:
    """A published comparison's two values as printed, with [u] beside a side of low reliability."""
    out = []
    for value, flag in (("estimate", "reliability"), ("reference_estimate", "reference_reliability")):
        text = format_value(row[value], row["unit"])
        out.append(f"{text} {SYMBOL_LOW_RELIABILITY}" if row.get(flag) == "low" else text)
    return out[0], out[1]


def trend_sentence(label: IndicatorLabel, row: dict | None, wave: str) -> str | None:
    """A significant published change since an earlier wave ('…: rose from 30% in 2012-13 to 40% in 2015-16.')."""
    if not significant(row):
        return None
    assert row is not None
    word = "rose" if row["direction"] == "higher" else "fell"
    a, b = sides(row)
    survey = SURVEY_OF.get(label.instrument, "pupils")
    return f"{label.label} ({survey}): {word} from {b} in {row['reference']} to {a} in {wave}."


def findings_or(heading: str, sentences: Iterable[str | None], nothing: str) -> list[Finding]:
    """Each sentence as a finding under `heading`, or one finding saying `nothing` when there is none."""
    said = [Finding(heading, s) for s in sentences if s]
    return said or [Finding(heading, nothing)]


def clearest(rows: list[dict], limit: int) -> list[dict]:
    """The significant published comparisons with the smallest adjusted p-values (ties in table order)."""
    found = [r for r in rows if significant(r)]
    return sorted(found, key=lambda r: r["p_adjusted"] if r["p_adjusted"] is not None else 1.0)[:limit]


def panels_chart(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    breakdowns: list[tuple[str, str]],
    title: str,
    verdicts: dict[str, tuple[Verdict, tuple[str, str]]] | None = None,
) -> ChartSpec | None:
    """Indicators (rows) by the groups of several breakdowns, one panel per breakdown; None when empty.

    `verdicts` give, per breakdown, each indicator's published group comparison and its words: significant
    ones are marked beside that panel.
    """
    verdicts = verdicts or {}
    panels = []
    for breakdown, heading in breakdowns:
        values = ordered_values(est, geo, indicators, breakdown)
        if values:
            groups = [breakdown_value_label(breakdown, v).split(" (")[0] for v in values]
            points = [
                [point(est.get(geo.level, geo.code, i, breakdown, v)) for v in values] for i in indicators
            ]
            verdict = verdicts.get(breakdown)
            marks = tuple(mark_of(verdict[0](i), verdict[1]) for i in indicators) if verdict else ()
            panels.append(Panel(heading, groups, points, marks=marks))
    if not panels or not indicators:
        return None
    return dot_panels([labels[i].label for i in indicators], panels, title=title)


def scores_chart(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    breakdowns: list[str],
    title: str,
) -> tuple[ChartSpec | None, Table | None]:
    """Mean scores (one panel each) for all pupils and each group of some breakdowns, and their table."""
    groups: list[tuple[str, str, str]] = [("All pupils", "all", "all")]
    for breakdown in breakdowns:
        groups += [
            (breakdown_value_label(breakdown, v), breakdown, v)
            for v in ordered_values(est, geo, indicators, breakdown)
        ]
    present = [i for i in indicators if est.get(geo.level, geo.code, i) is not None]
    if not present:
        return None, None
    panels = [
        Panel(
            wrap_title(labels[i].label),
            [""],
            [[point(est.get(geo.level, geo.code, i, b, v))] for _, b, v in groups],
            "mean",
        )
        for i in present
    ]
    chart = dot_panels([name for name, *_ in groups], panels, title=title)
    columns = ["Group"] + [f"{labels[i].label}" for i in present]
    rows = [
        (name, [value_cell(est.get(geo.level, geo.code, i, b, v)) for i in present]) for name, b, v in groups
    ]
    table = Table(
        f"{title}: mean scores by group",
        columns,
        rows,
        sheet="Scores",
        note="Mean scores to one decimal place. [c] withheld to protect confidentiality; [x] not available.",
    )
    return chart, table


def wrap_title(text: str, width: int = 34) -> str:
    """A panel heading shortened to fit above a narrow panel."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


SURVEY_WORDS = {
    "primary": "primary pupils (P5 to P7)",
    "secondary": "secondary pupils (S1 to S4)",
    "parent": "parents",
    "all": "pupils",
}


def respondents_sentence(rates: pl.DataFrame, geo: Geography) -> Finding | None:
    """Who took part, as a finding, from the published respondent counts and rates of each survey (never summed)."""
    frame = rates.filter(
        (pl.col("geography_level") == geo.level)
        & (pl.col("geography_code") == geo.code)
        & (pl.col("stage") == "all")
        & (pl.col("sex") == "all")
        & ~pl.col("suppressed")
    )
    frame = frame.filter(pl.col("instrument") != "parent")  # families issued, not a roll: the parent chapter
    surveys = frame.filter(pl.col("instrument") != "all")
    # The all-surveys total only when no survey's own figure is published (never beside them: no double count).
    frame = surveys if surveys.filter(pl.col("instrument") != "parent").height else frame
    parts = [
        f"{format_count(r['respondents'])} {SURVEY_WORDS.get(r['instrument'], r['instrument'])}"
        + (
            f" ({format_value(r['response_rate'], 'percent')} of the roll)"
            if r["response_rate"] is not None
            else ""
        )
        for r in frame.iter_rows(named=True)
        if r["respondents"] is not None
    ]
    return Finding("Taking part", " and ".join(parts) + " answered the survey.") if parts else None
