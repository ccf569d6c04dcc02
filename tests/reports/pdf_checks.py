"""Reading rendered reports back: their text without page furniture, their claims of a difference, and the
(value, interval) cells of every table with a 95% confidence interval column. Shared by the report tests and
usable on any rendered report folder (e.g. the whole-graph run's)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdf

from rcs_pipeline.reports.catalogue import IndicatorLabel

FURNITURE = (
    re.compile(r"^.*children's wellbeing profile Wave \d{4}-\d{2}$"),
    re.compile(r"^Data version [0-9a-f]+ Page \d+ of \d+$"),
)
SURVEY = r"(?P<survey>secondary pupils|primary pupils|pupils|parents)"
VALUE = r"-?\d+(?:\.\d)?%?(?: \[u\])?"
CLAIM = re.compile(
    SURVEY + r"\): (?P<word>higher|lower) (?P<first>(?:in|among) .+?) \((?P<a>" + VALUE + r")\) than "
    r"(?P<second>(?:in|among) .+?) \((?P<b>" + VALUE + r")\)\."
)
TREND = re.compile(
    SURVEY
    + r"\): (?P<word>rose|fell) from (?P<b>"
    + VALUE
    + r") in (?P<ref>\d{4}-\d{2}) to (?P<a>"
    + VALUE
    + r")"
    r" in \d{4}-\d{2}\."
)
CLAIM_WORDS = re.compile(r"\): (?:higher|lower) (?:in|among) ")
TREND_WORDS = re.compile(r"\b(?:rose|fell)\b")
INSTRUMENTS = {
    "secondary pupils": "secondary",
    "primary pupils": "primary",
    "pupils": "pupil",
    "parents": "parent",
}
SHOWN_VALUE = re.compile(r"^\d+%$|^-?\d+\.\d$")


def report_text(path: Path) -> str:
    """A PDF's text from the first chapter on, running header and footer removed, whitespace collapsed."""
    lines = []
    for page in pypdf.PdfReader(path).pages[2:]:
        lines += [
            ln for ln in (page.extract_text() or "").splitlines() if not any(f.match(ln) for f in FURNITURE)
        ]
    return " ".join(" ".join(lines).split())


@dataclass(frozen=True)
class Claim:
    """One sentence claiming a difference: the indicator, the two sides' words, the printed values."""

    indicator_id: str
    word: str
    first: str
    second: str
    a: str
    b: str


def indicator_before(text: str, end: int, survey: str, labels: dict[str, IndicatorLabel]) -> str:
    """The indicator whose label (of that survey) ends the text just before a claim's '(survey):'."""
    prefix = text[:end].rstrip()
    if prefix.endswith("("):
        prefix = prefix[:-1].rstrip()
    found = [
        (len(lab.label), ident)
        for ident, lab in labels.items()
        if lab.instrument == INSTRUMENTS[survey] and prefix.endswith(lab.label)
    ]
    assert found, f"no indicator label before {text[max(0, end - 80) : end + 40]!r}"
    return max(found)[1]


def claims(text: str, labels: dict[str, IndicatorLabel]) -> tuple[list[Claim], list[Claim]]:
    """Every claim sentence ('…: higher in A (x) than in B (y).') and change sentence ('…: rose from y in W to x
    in V.') of a report's text; asserts that every 'higher/lower in|among' and 'rose/fell' is one of them."""
    found = []
    for m in CLAIM.finditer(text):
        ident = indicator_before(text, m.start(), m["survey"], labels)
        found.append(Claim(ident, m["word"], m["first"], m["second"], m["a"], m["b"]))
    changes = []
    for m in TREND.finditer(text):
        ident = indicator_before(text, m.start(), m["survey"], labels)
        changes.append(Claim(ident, m["word"], "", m["ref"], m["a"], m["b"]))
    assert len(CLAIM_WORDS.findall(text)) == len(found), "a sentence says higher/lower outside the claim form"
    assert len(TREND_WORDS.findall(text)) == len(changes), "a sentence says rose/fell outside the change form"
    return found, changes


def interval_cells(path: Path) -> list[tuple[str, str]]:
    """(value, interval) as printed in each row of every table that has a '95% confidence interval' column.

    The interval column is found from its header words; a row is a line below the header whose cell just left
    of that column is a value ('42%', '47.3', '[c]', '[x]', with '[u]' kept).
    """
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            heads = [w for w in words if w["text"] == "confidence"]
            for head in heads:
                later = [h["top"] for h in heads if h["top"] > head["top"] + 1]
                out += _column_rows(words, head, min(later, default=page.height) - 14)
    return out


def _column_rows(words: list[dict], head: dict, bottom: float) -> list[tuple[str, str]]:
    """The (value, interval) rows of one table (above `bottom`, where the next such table's header starts), from
    the position of its interval column's header."""
    band = [w for w in words if abs(w["top"] - head["top"]) < 25 and w["x0"] > head["x1"] + 2]
    right = min((w["x0"] for w in band), default=head["x1"] + 40) - 2
    left = head["x0"] - 4
    below = [
        w
        for w in words
        if w["text"] == "interval" and abs(w["x0"] - head["x0"]) < 30 and 0 < w["top"] - head["top"] < 20
    ]
    header_bottom = below[0]["bottom"] if below else head["bottom"]
    lines: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        if header_bottom + 1 < w["top"] < bottom:
            lines[round(w["top"])].append(w)
    rows = []
    for top in sorted(lines):
        line = sorted(lines[top], key=lambda w: w["x0"])
        if line[0]["text"] == "Percentages," or any(w["text"] == "confidence" for w in line):
            break
        before = [w["text"] for w in line if left - 70 < w["x1"] <= left + 4]
        inside = " ".join(w["text"] for w in line if w["x0"] >= left and w["x1"] <= right + 4)
        if before and before[-1] == "[u]" and len(before) > 1:
            before = [*before[:-2], f"{before[-2]} [u]"]
        if before and (SHOWN_VALUE.match(before[-1].removesuffix(" [u]")) or before[-1] in ("[c]", "[x]")):
            rows.append((before[-1], inside))
    return rows


GROUP_CLAIMS = {
    "among girls": ("group_vs_group", "sex", "F", "M"),
    "SIMD 1": ("group_vs_group", "simd_quintile", "1", "5"),
    "additional support needs": ("group_vs_rest", "any_asn", "true", "rest"),
    "free school meals": ("group_vs_rest", "fsm_p6plus", "true", "rest"),
    "looked-after": ("group_vs_rest", "looked_after_any", "true", "rest"),
}
"""How a claim names a group comparison: words in its first side → (kind, breakdown, group, reference)."""


def claimed_row(claim: Claim, entry: dict, la_code: str, comps) -> tuple[str, dict | None]:
    """The published comparison (a `Comparisons` index) a claim sentence of a report rests on, and its kind."""
    if claim.second.startswith("in the rest of "):
        assert claim.first == f"in {entry['name']}", claim
        kind = "area_vs_rest_of_council"
        return kind, comps.get(
            kind, entry["kind"], entry["code"], claim.indicator_id, "all", "all", "rest_of_council"
        )
    if claim.second == "in the other participating councils":
        assert entry["kind"] == "council", f"{entry['pdf']} compares with other councils: {claim}"
        kind = "council_vs_rest_of_wave"
        return kind, comps.get(kind, "council", la_code, claim.indicator_id, "all", "all", "rest_of_wave")
    assert entry["kind"] in ("council", "cluster"), f"{entry['pdf']} claims a group difference: {claim}"
    level, code = ("council", la_code) if entry["kind"] == "council" else ("cluster", entry["code"])
    kind, breakdown, first, reference = next(v for k, v in GROUP_CLAIMS.items() if k in claim.first)
    return kind, comps.get(kind, level, code, claim.indicator_id, breakdown, first, reference)


def assert_states_the_row(claim: Claim, row: dict | None, word: str) -> None:
    """The claim is the published row's significant direction, with its two published values ([u] included)."""
    from rcs_pipeline.reports.formatting import format_value

    assert row is not None, f"no published comparison for {claim}"
    assert not row["suppressed"], f"claim rests on a withheld comparison: {claim}"
    assert row["direction"] == word, f"the table says {row['direction']!r} where the report says {claim}"
    unreliable = {
        side: " [u]" if row.get(side) == "low" else "" for side in ("reliability", "reference_reliability")
    }
    assert claim.a == format_value(row["estimate"], row["unit"]) + unreliable["reliability"]
    assert (
        claim.b == format_value(row["reference_estimate"], row["unit"]) + unreliable["reference_reliability"]
    )


def check_report_folder(folder: Path, comparisons, labels: dict[str, IndicatorLabel]) -> dict[str, int]:
    """Read back every report of one council's folder (contents.json) against its published comparisons frame:
    each claim and change matches a significant row with its values, no 'similar', every printed value in an
    interval table has its interval. Returns counts of what was checked."""
    import json

    from rcs_pipeline.reports.lookup import Comparisons

    comps = Comparisons(comparisons)
    contents = json.loads((folder / "contents.json").read_text())
    counts = {"reports": 0, "claims": 0, "changes": 0, "intervals": 0}
    for entry in contents["reports"]:
        text = report_text(folder / entry["pdf"])
        assert "similar" not in text.lower(), entry["pdf"]
        found, changes = claims(text, labels)
        for claim in found:
            assert_states_the_row(claim, claimed_row(claim, entry, contents["la_code"], comps)[1], claim.word)
        for change in changes:
            level, code = (
                (entry["kind"], entry["code"])
                if entry["kind"] != "council"
                else ("council", contents["la_code"])
            )
            row = comps.get("wave_vs_wave", level, code, change.indicator_id, "all", "all", change.second)
            assert_states_the_row(change, row, "higher" if change.word == "rose" else "lower")
        for value, interval in interval_cells(folder / entry["pdf"]):
            if value not in ("[c]", "[x]"):
                assert re.fullmatch(r"-?[\d.]+ to -?[\d.]+", interval), (entry["pdf"], value, interval)
                counts["intervals"] += 1
        counts["reports"] += 1
        counts["claims"] += len(found)
        counts["changes"] += len(changes)
    return counts


def words_off_the_page(pdf: Path, margin: float = 0.0) -> list[tuple[int, str]]:
    """(page, word) of every word whose box reaches past the page's right or bottom edge: a table too wide."""
    out = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for word in page.extract_words():
                if word["x1"] > page.width - margin or word["bottom"] > page.height - margin:
                    out.append((number, word["text"]))
    return out
