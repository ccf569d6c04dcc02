"""The "Change over time" chapter of every report: each indicator over every wave the area has.

Values of earlier waves are the council's PUBLISHED estimates of those waves (`PublishedTables.history`,
never an unsuppressed table); a change is a published `wave_vs_wave` comparison (family
`<level>:<code>:trend`, Benjamini-Hochberg within it), and the report says it rose or fell only when that
row is significant, else "no clear change". A school or cluster that is new, renamed, re-coded or whose
schools changed between waves is explained from each wave's list of schools (names and codes only).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rcs_pipeline.charts.figures import ChartSpec
from rcs_pipeline.charts.series import SeriesPanel, series_panels
from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.catalogue import IndicatorLabel, indicator_labels, report_layout
from rcs_pipeline.reports.inputs import (
    HISTORY_SCHEMA,
    HISTORY_SCHOOLS_SCHEMA,
    PublishedTables,
    conform,
    empty,
)
from rcs_pipeline.reports.lookup import Cell, Comparisons, Estimates, cell, interval_cell, point, value_cell
from rcs_pipeline.reports.sections import Geography, Section, Table, findings_or, trend_sentence

INSTRUMENT_ORDER = ("secondary", "primary", "pupil", "parent")
INSTRUMENT_HEADINGS = {
    "secondary": "Secondary pupils (S1 to S4)",
    "primary": "Primary pupils (P5 to P7)",
    "pupil": "Pupils",
    "parent": "Parents of children aged 0 to 8",
}
CHANGE_WORDS = {"higher": "Rose", "lower": "Fell", "no clear difference": "No clear change"}
PANELS_PER_CHART = 12
"""At most this many indicators in one series chart (three rows of four small multiples)."""


def earlier_estimates(tables: PublishedTables) -> pl.DataFrame:
    """The council's published estimates of every earlier wave (HISTORY_SCHEMA); the previous wave's alone
    when only it was given."""
    if not tables.history.is_empty():
        return conform(tables.history, HISTORY_SCHEMA)
    if tables.previous_wave and not tables.previous.is_empty():
        return conform(tables.previous.with_columns(wave=pl.lit(tables.previous_wave)), HISTORY_SCHEMA)
    return empty(HISTORY_SCHEMA)


@dataclass(frozen=True)
class WaveSeries:
    """One geography's published estimates in each wave it has (oldest first, the report's wave last)."""

    waves: list[str]
    by_wave: dict[str, Estimates]

    def row(self, wave: str, geo: Geography, ident: str) -> dict | None:
        """The published row of one indicator in one wave (None when that wave published none)."""
        return self.by_wave[wave].get(geo.level, geo.code, ident)


def wave_series(tables: PublishedTables, geo: Geography) -> WaveSeries:
    """The waves with any published row (shown or withheld) for the geography, and their estimates."""
    history = earlier_estimates(tables).filter(
        (pl.col("geography_level") == geo.level) & (pl.col("geography_code") == geo.code)
    )
    waves = sorted(w for w in set(history["wave"].to_list()) if w < tables.wave)
    by_wave = {w: Estimates(history.filter(pl.col("wave") == w).drop("wave")) for w in waves}
    by_wave[tables.wave] = Estimates(tables.estimates)
    return WaveSeries([*waves, tables.wave], by_wave)


def council_waves(tables: PublishedTables) -> list[str]:
    """Every wave the council has published estimates for, this one included."""
    return sorted({*earlier_estimates(tables)["wave"].to_list(), tables.wave})


def change_row(comparisons: Comparisons, geo: Geography, ident: str, earlier: str) -> dict | None:
    """The published wave_vs_wave comparison of an indicator in this geography against an earlier wave."""
    return comparisons.get("wave_vs_wave", geo.level, geo.code, ident, "all", "all", earlier)


def change_cell(row: dict | None) -> Cell:
    """What a published change says: 'Rose', 'Fell' (significant only), 'No clear change', 'Not tested',
    '[c]' when the comparison is withheld, '[x]' when there is none."""
    if row is None or row["suppressed"]:
        return cell(None, suppressed=row is not None)
    if row["direction"] in CHANGE_WORDS:
        word = CHANGE_WORDS[row["direction"]]
        stated = row["estimate"] is not None and row["reference_estimate"] is not None
        return cell(word if stated or word == "No clear change" else "Not tested")
    return cell(None if row["test_status"] == "not_published" else "Not tested")


def by_instrument(indicators: list[str], labels: dict[str, IndicatorLabel]) -> list[tuple[str, list[str]]]:
    """Indicators split by survey (secondary, primary, pupil, parent), catalogue order kept within each."""
    present = {labels[i].instrument for i in indicators}
    order = [i for i in INSTRUMENT_ORDER if i in present] + sorted(present - set(INSTRUMENT_ORDER))
    return [(inst, [i for i in indicators if labels[i].instrument == inst]) for inst in order]


def by_domain(indicators: list[str], labels: dict[str, IndicatorLabel]) -> list[tuple[str, list[str]]]:
    """Indicators split by domain, in the layout's domain order (titles from layout.yaml)."""
    layout = report_layout()
    domains = [*layout["domains"], layout["other_domain"]]
    known = {d["id"] for d in layout["domains"]}
    out = []
    for domain in domains:
        members = [
            i
            for i in indicators
            if (labels[i].domain if labels[i].domain in known else "other") == domain["id"]
        ]
        if members:
            out.append((str(domain["title"]), members))
    return out


def series_indicators(series: WaveSeries, geo: Geography, pupils_only: bool) -> list[str]:
    """Indicators with a row for the geography in any wave (this wave's order first, then earlier-only ones)."""
    ordered: dict[str, None] = {}
    for wave in reversed(series.waves):
        for ident in series.by_wave[wave].indicators:
            if series.row(wave, geo, ident) is not None:
                ordered.setdefault(ident, None)
    idents = list(ordered)
    labels = indicator_labels(idents)
    return [i for i in idents if not (pupils_only and labels[i].instrument == "parent")]


def trend_table(
    series: WaveSeries,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    comparisons: Comparisons,
    caption: str,
    sheet: str,
) -> Table:
    """Each indicator's value and 95% interval in every wave, then what each published change test says."""
    earlier = series.waves[:-1]
    rows = []
    for ident in indicators:
        cells: list[Cell] = []
        for wave in series.waves:
            row = series.row(wave, geo, ident)
            cells += [value_cell(row), interval_cell(row)]
        cells += [change_cell(change_row(comparisons, geo, ident, w)) for w in earlier]
        rows.append((labels[ident].label, cells))
    columns = ["Indicator"]
    for wave in series.waves:
        columns += [wave, f"{wave} 95% confidence interval"]
    columns += [f"Change since {w}" for w in earlier]
    return Table(
        caption,
        columns,
        rows,
        sheet=sheet,
        note="Percentages, or mean scores where the indicator is a score, in each wave as published then. "
        f"Change since a wave: the {series.waves[-1]} figure tested against that wave's; Rose or Fell only where "
        "the test is significant after allowing for the number of comparisons in this report, otherwise No "
        "clear change. [c] withheld to protect confidentiality; [x] not available; [u] low reliability.",
    )


def change_mark(comparisons: Comparisons, geo: Geography, ident: str, earlier: list[str]) -> tuple[str, str]:
    """A panel's change glyphs ('▲ since 2015-16') and their words for alt text, from significant published tests."""
    glyphs, words = [], []
    for wave in earlier:
        row = change_row(comparisons, geo, ident, wave)
        if change_cell(row).text in ("Rose", "Fell"):
            assert row is not None
            glyph, word = ("\u25b2", "increase") if row["direction"] == "higher" else ("\u25bc", "decrease")
            glyphs.append(f"{glyph} since {wave}")
            words.append(f"{glyph} clear {word} since {wave}")
    return ", ".join(glyphs), "; ".join(words)


def trend_charts(
    series: WaveSeries,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    comparisons: Comparisons,
    heading: str,
) -> list[ChartSpec]:
    """Series charts of one survey's indicators in domain order, PANELS_PER_CHART small multiples a chart."""
    ordered = [i for _, members in by_domain(indicators, labels) for i in members]
    parts = -(-len(ordered) // PANELS_PER_CHART)
    charts = []
    for k in range(parts):
        panels = []
        for ident in ordered[k * PANELS_PER_CHART : (k + 1) * PANELS_PER_CHART]:
            rows = [series.row(w, geo, ident) for w in series.waves]
            unit = next((r["unit"] for r in rows if r is not None and r["unit"]), "percent")
            change, words = change_mark(comparisons, geo, ident, series.waves[:-1])
            name = labels[ident].label + (" (mean score)" if unit == "mean" else "")
            panels.append(
                SeriesPanel(name, list(series.waves), [point(r) for r in rows], unit, change, words)
            )
        part = f" (part {k + 1} of {parts})" if parts > 1 else ""
        charts.append(series_panels(panels, title=f"{heading}: {geo.name} by wave{part}"))
    return charts


def change_findings(
    series: WaveSeries,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    indicators: list[str],
    comparisons: Comparisons,
) -> list[Finding]:
    """Every significant published change in words (newest earlier wave first), or plainly that there is none."""
    findings: list[Finding] = []
    for wave in reversed(series.waves[:-1]):
        findings += findings_or(
            f"Change since {wave}",
            [
                trend_sentence(labels[ident], change_row(comparisons, geo, ident, wave), series.waves[-1])
                for ident in indicators
            ],
            f"No indicator changed clearly between {wave} and {series.waves[-1]} in {geo.name}.",
        )
    return findings


def trend_section(tables: PublishedTables, geo: Geography) -> Section:
    """The chapter: what changed (significant published tests only), notes on areas that changed, then per
    survey the series charts and the table of every wave."""
    section = Section("change-over-time", "Change over time")
    series = wave_series(tables, geo)
    notes = change_notes(tables, geo, series.waves)
    if len(series.waves) < 2:
        section.para(single_wave_sentence(tables, geo))
        for note in notes:
            section.para(note)
        return section
    comparisons = Comparisons(tables.comparisons)
    indicators = series_indicators(series, geo, pupils_only=geo.level != "council")
    labels = indicator_labels(indicators)
    section.para(
        f"Figures for {geo.name} in every wave it has ({', '.join(series.waves)}), each as published for its wave. "
        f"The {series.waves[-1]} figure of each indicator is tested against each earlier wave's; a change is "
        "reported only where the test, allowing for the number of comparisons in this report, finds it clear."
    )
    for note in notes:
        section.para(note)
    section.findings(change_findings(series, geo, labels, indicators, comparisons))
    for instrument, members in by_instrument(indicators, labels):
        heading = INSTRUMENT_HEADINGS.get(instrument, instrument)
        lowered = heading[:1].lower() + heading[1:]
        section.heading(heading)
        for chart in trend_charts(series, geo, labels, members, comparisons, heading):
            section.chart(chart)
        section.table(
            trend_table(
                series,
                geo,
                labels,
                members,
                comparisons,
                f"Change over time, {lowered}",
                f"Trend {instrument}"[:31],
            )
        )
    return section


def single_wave_sentence(tables: PublishedTables, geo: Geography) -> str:
    """Why a report has no series: the area has published figures for this wave only."""
    if geo.level == "council":
        return f"{geo.name} has published figures for {tables.wave} only, so there is no earlier wave to compare with."
    return (
        f"{geo.name} has published figures for {tables.wave} only, so there is no earlier wave to compare with; "
        "its series will start here."
    )


def wave_schools(tables: PublishedTables) -> pl.DataFrame:
    """Every wave's list of schools (names, codes, clusters) known to the report, this wave's included."""
    current = tables.schools.with_columns(wave=pl.lit(tables.wave))
    return pl.concat(
        [conform(tables.history_schools, HISTORY_SCHOOLS_SCHEMA), conform(current, HISTORY_SCHOOLS_SCHEMA)]
    )


def _names(frame: pl.DataFrame) -> str:
    """School names in words ('A', 'A and B', 'A, B and C')."""
    names = sorted(set(frame["school_name"].fill_null("").to_list()) - {""}) or sorted(
        set(frame["seed_code"].to_list())
    )
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def change_notes(tables: PublishedTables, geo: Geography, waves: list[str]) -> list[str]:
    """Plain notes on why a series is short or covers different schools: the area missing from an earlier
    wave of its council (opened, re-coded, too few answers), and a cluster or council whose schools changed."""
    schools = wave_schools(tables)
    listed = set(schools["wave"].to_list())
    missing = [w for w in council_waves(tables) if w not in waves]
    notes = []
    if geo.level == "council":
        earliest = waves[0]
        if earliest in listed and earliest != tables.wave:
            before = set(schools.filter(pl.col("wave") == earliest)["seed_code"].to_list())
            now = set(tables.schools["seed_code"].to_list())
            if before != now:
                new, gone = len(now - before), len(before - now)
                notes.append(
                    f"The council's list of schools changed between {earliest} and {tables.wave}: "
                    f"{new} {'school is' if new == 1 else 'schools are'} new and {gone} no longer listed (opened, "
                    "closed, merged or given a new code). Each wave's figures are for the schools of that wave."
                )
        return notes
    column = "seed_code" if geo.level == "school" else "asg_code"
    for wave in missing:
        notes.append(_missing_note(schools, geo, column, wave, waves[0], tables.wave))
    if geo.level == "school":
        notes += _renamed_notes(schools, geo, [w for w in waves if w != tables.wave])
    if geo.level == "cluster":
        notes += _membership_notes(schools, geo, [w for w in waves if w != tables.wave], tables.wave)
    return notes


def _missing_note(
    schools: pl.DataFrame, geo: Geography, column: str, wave: str, first: str, current: str
) -> str:
    """Why an area has no figures in one wave of its council, from that wave's list of schools."""
    in_wave = schools.filter(pl.col("wave") == wave)
    starts = f"its series starts in {first}"
    if in_wave.is_empty():
        return f"No figures were published for {geo.name} in {wave}, so {starts}."
    if geo.code in set(in_wave[column].to_list()):
        return f"{geo.name} was listed in {wave} but no figure was published for it (too few pupils answered), so {starts}."
    if geo.level == "school":
        same = in_wave.filter(pl.col("school_name") == geo.name)
        if same.height:
            code = same["seed_code"][0]
            return (
                f"In {wave} a school named {geo.name} was listed under another code ({code}); figures under another "
                f"code are not joined into this series, so {starts}."
            )
    kind = "school" if geo.level == "school" else "cluster"
    note = (
        f"{geo.name} was not in the council's list of schools in {wave} (a {kind} that opened, merged or took a new "
        f"code since), so {starts}."
    )
    if geo.level == "cluster":
        members = schools.filter((pl.col("wave") == current) & (pl.col("asg_code") == geo.code))["seed_code"]
        before = in_wave.filter(pl.col("seed_code").is_in(members.implode()))
        clusters = sorted(set(before["asg_name"].fill_null("").to_list()) - {""})
        if clusters:
            named = clusters[0] if len(clusters) == 1 else ", ".join(clusters[:-1]) + " and " + clusters[-1]
            note += f" In {wave} its schools were in {named}."
    return note


def _renamed_notes(schools: pl.DataFrame, geo: Geography, waves: list[str]) -> list[str]:
    """A school of the series listed under another name in an earlier wave (same code: the series is joined)."""
    notes = []
    for wave in waves:
        names = schools.filter((pl.col("wave") == wave) & (pl.col("seed_code") == geo.code))["school_name"]
        old = sorted(set(names.drop_nulls().to_list()) - {geo.name})
        if old:
            notes.append(
                f"In {wave} {geo.name} was listed as {old[0]}; its figures under that name are in the series."
            )
    return notes


def _membership_notes(schools: pl.DataFrame, geo: Geography, earlier: list[str], wave: str) -> list[str]:
    """Which schools joined or left a cluster since each earlier wave of its series."""
    now = schools.filter((pl.col("wave") == wave) & (pl.col("asg_code") == geo.code))
    notes = []
    for before_wave in earlier:
        before = schools.filter((pl.col("wave") == before_wave) & (pl.col("asg_code") == geo.code))
        if before.is_empty():
            continue
        joined = now.filter(~pl.col("seed_code").is_in(before["seed_code"].implode()))
        left = before.filter(~pl.col("seed_code").is_in(now["seed_code"].implode()))
        recoded = set(joined["school_name"].to_list()) & set(left["school_name"].to_list()) - {None}
        joined = joined.filter(~pl.col("school_name").is_in(list(recoded)))
        left = left.filter(~pl.col("school_name").is_in(list(recoded)))
        parts = [f"{_names(joined)} joined"] if joined.height else []
        parts += [f"{_names(left)} left"] if left.height else []
        if recoded:
            parts.append(f"{_names(now.filter(pl.col('school_name').is_in(list(recoded))))} took a new code")
        if parts:
            notes.append(
                f"The schools of {geo.name} changed since {before_wave}: {'; '.join(parts)}. Each wave's figures "
                "are for the schools the cluster had then."
            )
    return notes


def area_history(tables: PublishedTables, level: str, code: str) -> dict[str, pl.DataFrame]:
    """The history a cluster or school report uses: its own earlier published rows (and the council's totals,
    which say which waves the council had), and every earlier wave's list of schools (names and codes only:
    whether the area was listed, under which code, and with which schools)."""
    own = (pl.col("geography_level") == level) & (pl.col("geography_code") == code)
    council = (pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")
    return {
        "history": earlier_estimates(tables).filter(own | council),
        "history_schools": conform(tables.history_schools, HISTORY_SCHOOLS_SCHEMA),
    }
