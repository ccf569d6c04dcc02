"""Equality fields in the council report: how complete each is, and who links, from published counts.

Everything comes from published_linkage_quality (disclosure-controlled and audited): the admin side
(instrument `any`) counts the council's records of participating children by each field's values, with
`unknown` where the field is blank; the survey side counts respondents by the sex they gave and how many
linked. Published counts are printed as they are; a link rate (linked ÷ records) and its gap from all
records' rate (linkage bias, GUILD) are printed only where both counts it divides are published (a function
of published figures reveals nothing more), else [c]. Pupil indicators by ASN reason group come from
published_estimates (breakdowns asn_<group>), withheld cells as [c] (docs/methods/parents.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from rcs_pipeline.need.asn_groups import BREAKDOWN_PREFIX, asn_groups
from rcs_pipeline.reports.catalogue import IndicatorLabel, report_layout
from rcs_pipeline.reports.formatting import (
    SYMBOL_NOT_APPLICABLE,
)
from rcs_pipeline.reports.lookup import Cell, Estimates, cell, value_cell
from rcs_pipeline.reports.lookup import shown as shown_estimate
from rcs_pipeline.reports.sections import Geography, Section, Table, breakdown_table

UNKNOWN = "unknown"
SYMBOLS_NOTE = "[c] withheld to protect confidentiality; [x] not available; [z] not applicable."


@dataclass(frozen=True)
class EqualityField:
    """One equality field of the admin extract: its linkage breakdown, printed name and value labels."""

    breakdown: str
    name: str
    values: dict[str, str]
    blank_means_none: bool = False


YES_NO = {"Y": "Yes", "N": "No"}
FIELDS: tuple[EqualityField, ...] = (
    EqualityField("sex", "Sex", {"F": "Female", "M": "Male", "X": "Another way / not said"}),
    EqualityField("simd_quintile", "SIMD quintile", {str(q): f"SIMD {q}" for q in range(1, 6)}),
    EqualityField("urban_rural_8fold", "Urban/rural (8-fold)", {}),
    EqualityField("any_asn", "Additional support needs", YES_NO, blank_means_none=True),
    EqualityField("looked_after_home", "Looked after at home", YES_NO),
    EqualityField("looked_after_foster", "Looked after: foster care", YES_NO),
    EqualityField("looked_after_kinship", "Looked after: kinship care", YES_NO),
    EqualityField("looked_after_residential", "Looked after: residential", YES_NO),
    EqualityField("child_protection_register", "Child protection register", YES_NO),
    EqualityField("free_school_meals", "Free school meals", YES_NO),
)
"""The equality fields the report covers, in order (sex including X, SIMD, urban/rural, ASN, looked after,
child protection, free school meals)."""


class Counts:
    """Published linkage counts indexed by (instrument, breakdown, value, measure)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        """Index the rows of a published_linkage_quality frame."""
        self.rows = {
            (r["instrument"], r["breakdown"], str(r["breakdown_value"]), r["measure"]): r
            for r in frame.iter_rows(named=True)
        }

    def get(self, instrument: str, breakdown: str, value: str, measure: str) -> dict | None:
        """The published row, or None."""
        return self.rows.get((instrument, breakdown, value, measure))

    def values(self, instrument: str, breakdown: str, measure: str) -> list[str]:
        """The values of a breakdown with a row for the measure, in table order."""
        return [k[2] for k in self.rows if k[0] == instrument and k[1] == breakdown and k[3] == measure]


def shown(row: dict | None) -> bool:
    """A published count that may be printed."""
    return row is not None and not row["suppressed"] and row["count"] is not None


def count_cell(row: dict | None) -> Cell:
    """A published count, '[c]' when withheld, '[x]' when absent."""
    if row is None:
        return cell(None)
    return cell(row["count"], "count", suppressed=bool(row["suppressed"]))


def absent_or_count(row: dict | None) -> Cell:
    """A published count; 'none' when the table has no row for that value (no record has it)."""
    return cell("none") if row is None else count_cell(row)


def value_label(field: EqualityField, value: str) -> str:
    """A field value as printed ('unknown' -> 'Not recorded')."""
    if value == UNKNOWN:
        return "Not recorded"
    if field.breakdown == "urban_rural_8fold":
        labels = report_layout()["breakdowns"]["urban_rural_8fold"]["values"]
        return str(labels.get(value, value))
    return field.values.get(value, value)


def completeness_table(counts: Counts) -> Table:
    """Each equality field: the council's records of participating children, and how many lack the field."""
    total = counts.get("any", "all", "all", "admin_records")
    rows = []
    for field in FIELDS:
        present = counts.values("any", field.breakdown, "admin_records")
        if not present:
            missing = cell(None)
        elif field.blank_means_none:
            missing = cell(None, missing=SYMBOL_NOT_APPLICABLE)
        else:
            missing = absent_or_count(counts.get("any", field.breakdown, UNKNOWN, "admin_records"))
        rows.append((field.name, [count_cell(total), missing]))
    return Table(
        "Equality fields: how complete the council's records are",
        ["Field", "Records", "Not recorded"],
        rows,
        sheet="Equality completeness",
        note="Records: the council's extract, one record per child who took part in a survey. Not recorded: "
        "records with the field left blank (none: every record has it). Additional support needs: a blank "
        "field means no need is recorded, so completeness cannot be told [z]. " + SYMBOLS_NOTE,
    )


def survey_table(counts: Counts) -> Table:
    """Per survey: respondents, how many gave no sex, and how many linked (the only source of the rest)."""
    names = report_layout()["instruments"]
    rows = []
    for instrument in ("secondary", "primary", "parent"):
        total = counts.get(instrument, "all", "all", "respondents")
        if total is None:
            continue
        has_sex = bool(counts.values(instrument, "sex", "respondents"))
        unknown = counts.get(instrument, "sex", UNKNOWN, "respondents")
        rows.append(
            (
                names.get(instrument, instrument),
                [
                    count_cell(total),
                    absent_or_count(unknown) if has_sex else cell(None),
                    count_cell(counts.get(instrument, "all", "all", "linked")),
                ],
            )
        )
    return Table(
        "Equality fields in the surveys",
        ["Survey", "Respondents", "Sex not given", "Linked to council records"],
        rows,
        sheet="Equality surveys",
        note="Sex is asked in every survey (the parent survey asks the child's sex). SIMD, urban/rural, additional "
        "support needs, looked after, child protection and free school meals come only from the council's "
        "record, so a survey respondent has them only when linked. " + SYMBOLS_NOTE,
    )


def link_rate(whole: dict | None, part: dict | None) -> float | None:
    """part ÷ whole as a percentage when both counts are published (shown) and whole > 0, else None."""
    if not (shown(whole) and shown(part)) or not whole or not whole["count"]:
        return None
    assert part is not None
    return 100.0 * part["count"] / whole["count"]


def half_away(value: float) -> int:
    """Round to a whole number, halves away from zero (GSS): 42.5 -> 43, -2.5 -> -3."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def rate_cells(whole: dict | None, part: dict | None, overall: float | None) -> list[Cell]:
    """Link rate (whole %) and its gap from the overall rate (whole points, negative = links less):
    '[c]' when a count it needs is withheld, '[x]' when absent. Both rounded half away from zero here."""
    rate = link_rate(whole, part)
    if rate is None:
        hidden = any(r is not None and r["suppressed"] for r in (whole, part))
        return [cell(None, suppressed=hidden), cell(None, suppressed=hidden)]
    gap = None if overall is None else half_away(rate - overall)
    return [cell(float(half_away(rate)), "percent"), cell(gap, "count")]


def link_rate_rows(
    counts: Counts, field: EqualityField, overall: float | None
) -> list[tuple[str, list[Cell]]]:
    """Records, linked records, link rate and gap from all records' rate for each value of one field."""
    out = []
    for value in counts.values("any", field.breakdown, "admin_records"):
        records = counts.get("any", field.breakdown, value, "admin_records")
        linked = counts.get("any", field.breakdown, value, "admin_linked")
        out.append(
            (
                f"{field.name}: {value_label(field, value)}",
                [count_cell(records), count_cell(linked), *rate_cells(records, linked, overall)],
            )
        )
    return out


LINK_COLUMNS = ["Records", "Linked", "Link rate", "Gap from all (points)"]
BIAS_NOTE = (
    "Link rate = linked ÷ records, printed only where both counts are published. Gap: the group's link rate "
    "minus all records' rate, in whole percentage points, negative where the group links less (linkage bias by "
    "subgroup, as the GUILD guidance asks). A "
    "group that links less is under-represented among linked answers, so figures that need the council's "
    "records (need and services, equality groups) lean towards the better-linked groups. No test of these "
    "differences is made, so none is claimed. "
)


def linkage_table(counts: Counts) -> Table:
    """Link rates by equality group: the council's records linked to a survey answer, by each field's values."""
    total = counts.get("any", "all", "all", "admin_records")
    linked = counts.get("any", "all", "all", "admin_linked")
    overall = link_rate(total, linked)
    rows = [("All records", [count_cell(total), count_cell(linked), *rate_cells(total, linked, overall)])]
    for field in FIELDS:
        rows += link_rate_rows(counts, field, overall)
    return Table(
        "Linkage by equality group: council records linked to a survey answer",
        ["Group", *LINK_COLUMNS],
        rows,
        sheet="Linkage by equality group",
        note=BIAS_NOTE + SYMBOLS_NOTE,
    )


def survey_linkage_table(counts: Counts) -> Table | None:
    """Survey-side link rates by the sex respondents gave, per survey."""
    names = report_layout()["instruments"]
    sexes = {"F": "Female", "M": "Male", "X": "Another way / not said", UNKNOWN: "Not given"}
    rows = []
    for instrument in ("secondary", "primary", "parent"):
        overall = link_rate(
            counts.get(instrument, "all", "all", "respondents"),
            counts.get(instrument, "all", "all", "linked"),
        )
        for value in counts.values(instrument, "sex", "respondents"):
            respondents = counts.get(instrument, "sex", value, "respondents")
            linked = counts.get(instrument, "sex", value, "linked")
            rows.append(
                (
                    f"{names.get(instrument, instrument)}: {sexes.get(value, value)}",
                    [count_cell(respondents), count_cell(linked), *rate_cells(respondents, linked, overall)],
                )
            )
    if not rows:
        return None
    return Table(
        "Linkage by sex given in the survey",
        ["Survey and sex", "Respondents", *LINK_COLUMNS[1:3], "Gap from the survey (points)"],
        rows,
        sheet="Linkage by survey sex",
        note="Link rate = linked ÷ respondents, printed only where both counts are published. Gap: the group's "
        "link rate minus all the survey's respondents' rate, in whole percentage points. No test of differences "
        "between groups is made, so none is claimed. " + SYMBOLS_NOTE,
    )


GROUP_BREAKDOWNS = (
    ("child_protection_register", "child protection register", True),
    ("urban_rural_8fold", "urban/rural 8-fold", False),
)
"""Published breakdowns no other chapter shows: (breakdown, words, printed in the PDF or spreadsheet only)."""


def group_tables(
    section: Section,
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    groups: list[tuple[str, str, list[str]]],
) -> None:
    """Per pupil survey, its indicators by child protection register (PDF) and 8-fold urban/rural (spreadsheet)."""
    for heading, short, members in groups:
        for breakdown, words, printed in GROUP_BREAKDOWNS:
            table = breakdown_table(
                est,
                geo,
                labels,
                members,
                [breakdown],
                f"{heading}: indicators by {words}",
                f"{short} {words}"[:26],
            )
            if printed:
                section.table(table)
            else:
                section.sheet_note(f"{heading} by {words}", [table])
                section.sheet_only(table)


ANY_ASN = ("any_asn", "true")


def asn_columns(est: Estimates, geo: Geography, members: list[str]) -> list[tuple[str, str, str]]:
    """(breakdown, value, header) of any ASN and each ASN reason group with a published row for `members`."""
    candidates = [(*ANY_ASN, "Any ASN")] + [
        (f"{BREAKDOWN_PREFIX}{g['id']}", "true", str(g["label"])) for g in asn_groups()
    ]
    return [c for c in candidates if any(est.get(geo.level, geo.code, i, c[0], c[1]) for i in members)]


def asn_group_table(
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    members: list[str],
    heading: str,
    sheet: str,
    printed_only: bool,
) -> Table | None:
    """Indicators by ASN reason group (columns); `printed_only` keeps the groups with a shown value (for the PDF)."""
    columns = asn_columns(est, geo, members)
    if printed_only:
        columns = [
            c
            for c in columns
            if c[:2] == ANY_ASN
            or any(shown_estimate(est.get(geo.level, geo.code, i, c[0], c[1])) for i in members)
        ]
    if len(columns) < 2 or not members:  # no ASN reason group to show
        return None
    rows = [
        (labels[i].label, [value_cell(est.get(geo.level, geo.code, i, b, v)) for b, v, _ in columns])
        for i in members
    ]
    return Table(
        f"{heading}: indicators by additional support need reason group",
        ["Indicator", *[h for *_, h in columns]],
        rows,
        sheet=sheet,
        note="Linked pupils whose council record gives an additional support need reason in the group; a pupil "
        "with reasons in several groups is in each of them, so groups overlap and do not add up to 'Any ASN'. "
        "Reason codes in groups: rcs_pipeline/need/asn_groups.yaml. No test of differences between groups is "
        "made, so none is claimed. [c] withheld to protect confidentiality; [x] not available.",
    )


def asn_tables(
    section: Section,
    est: Estimates,
    geo: Geography,
    labels: dict[str, IndicatorLabel],
    groups: list[tuple[str, str, list[str]]],
) -> None:
    """Per pupil survey: indicators by ASN reason group, the groups with a published value in the PDF, all in
    the spreadsheet; or a sentence when disclosure control withheld every group's figures."""
    for heading, short, members in groups:
        every = asn_group_table(est, geo, labels, members, heading, f"{short} ASN groups"[:26], False)
        if every is None:
            continue
        printed = asn_group_table(est, geo, labels, members, heading, f"{short} ASN groups"[:26], True)
        if printed is None:
            section.para(
                f"{heading}: every figure by ASN reason group is withheld to protect confidentiality [c]; the "
                "spreadsheet lists them."
            )
            section.sheet_only(every)
            continue
        section.table(printed)
        if len(printed.columns) < len(every.columns):
            section.sheet_note(f"{heading}, every ASN reason group (most withheld)", [every])
            section.sheet_only(every)


def completeness_section(
    linkage: pl.DataFrame,
    est: Estimates | None = None,
    geo: Geography | None = None,
    labels: dict[str, IndicatorLabel] | None = None,
    groups: list[tuple[str, str, list[str]]] | None = None,
) -> Section:
    """Equalities data: completeness of each equality field in the surveys and the admin extract, link rates,
    and (with `est`) the pupil indicators by child protection register and 8-fold urban/rural.

    `groups` are (survey heading, short name, percent indicators) per pupil survey.
    """
    counts = Counts(linkage)
    section = Section("equalities-data", "Equalities data: completeness and linkage")
    section.para(
        "Equality analysis is only as good as the records behind it. This section shows, for each equality field "
        "(sex including another way, SIMD, urban/rural, additional support needs, looked after, child protection "
        "and free school meals), how complete it is in the council's extract and in the surveys, and whether "
        "some groups' records link to survey answers more often than others. Every figure is a published count; "
        "small counts are withheld ([c])."
    )
    section.table(completeness_table(counts))
    section.table(survey_table(counts))
    section.table(linkage_table(counts))
    section.table(survey_linkage_table(counts))
    if est is not None and geo is not None and labels is not None and groups:
        section.heading("Child protection and urban/rural (8-fold)")
        section.para(
            "Published figures by child protection register and by the 8-fold urban/rural classification of "
            "the child's home, for linked pupils. Most groups are small and withheld ([c]); no difference is "
            "claimed (no test is made for these groups)."
        )
        group_tables(section, est, geo, labels, groups)
        section.heading("Additional support need reason groups")
        section.para(
            "The council's records give each additional support need a reason (25 codes), grouped here as social, "
            "emotional and behavioural; learning; physical and sensory; communication and autism; young carer; "
            "looked after; and other or not known. Figures are for linked pupils; groups are small, so most are "
            "withheld ([c]), and the printed table keeps the groups with a published figure."
        )
        asn_tables(section, est, geo, labels, groups)
    return section
