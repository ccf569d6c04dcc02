"""Column widths of report tables, measured here so WeasyPrint can lay tables out with `table-layout: fixed`.

WeasyPrint's automatic table layout shapes every cell's text twice more (its narrowest and widest
widths) before laying it out: in a council report that is a third of the rendering time. The same
widths follow from the text and the font's advance widths, so they are computed once here, the way the
CSS automatic layout would (each column between its longest word and its whole text, the table filling
the page width), and written into the table's `<colgroup>` as percentages.

The sizes mirror report.css: 8.5 pt table text, bold column headers, 1.8 mm padding either side of a
cell, row headers at least 36 mm wide, on an A4 page with 18 mm margins.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from fontTools.ttLib import TTFont
from matplotlib import font_manager

PT_MM = 25.4 / 72
FONT_PT = 8.5
PADDING_MM = 2 * 1.8
ROW_HEADER_MIN_MM = 36.0
PAGE_WIDTH_MM = 210 - 2 * 18
SAFETY = 1.04
"""Room for kerning and rounding, so a measured word never overflows its fixed column."""


@cache
def _advances(bold: bool) -> tuple[dict[str, float], float]:
    """DejaVu Sans advance widths per character in ems (the report font), and a fallback width."""
    path = font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    )
    font = TTFont(path, lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {chr(code): metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return widths, widths.get("M", 0.9)


def text_mm(text: str, *, bold: bool = False, size_pt: float = FONT_PT) -> float:
    """Printed width of a line of text in mm."""
    widths, fallback = _advances(bold)
    return sum(widths.get(ch, fallback) for ch in text) * size_pt * PT_MM * SAFETY


def _min_max(texts: Sequence[str], *, bold: bool) -> tuple[float, float]:
    """The narrowest (longest word) and widest (no wrapping) width of a column's texts, padding included."""
    longest_word = max((text_mm(w, bold=bold) for t in texts for w in t.split()), default=0.0)
    whole = max((text_mm(t, bold=bold) for t in texts), default=0.0)
    return longest_word + PADDING_MM, whole + PADDING_MM


def column_widths(columns: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> list[float]:
    """Percent of the table width for each column: row headers first, then one per cell; [] if none fits.

    An empty list (the words alone are wider than the page) leaves the table to WeasyPrint's own layout.

    Example: column_widths(["Indicator", "Fife"], [("Eats fruit", ["42%"])]) gives two widths that add
    up to 100, the first at least 36 mm of the 174 mm page width.
    """
    spans: list[tuple[float, float]] = []
    for k, header in enumerate(columns):
        body = [row[0] if k == 0 else (row[1][k - 1] if k - 1 < len(row[1]) else "") for row in rows]
        head_min, head_max = _min_max([header], bold=True)
        body_min, body_max = _min_max(body, bold=False)
        low, high = max(head_min, body_min), max(head_max, body_max)
        if k == 0:
            low, high = max(low, ROW_HEADER_MIN_MM), max(high, ROW_HEADER_MIN_MM)
        spans.append((low, high))
    lows, highs = sum(s[0] for s in spans), sum(s[1] for s in spans)
    if highs <= PAGE_WIDTH_MM:
        # Everything fits unwrapped: share the spare width in proportion to the widest texts.
        widths = [high * PAGE_WIDTH_MM / highs for _, high in spans]
    elif lows > PAGE_WIDTH_MM:
        return []
    else:
        # Between the narrowest and widest layouts: grow each column towards its widest text.
        share = (PAGE_WIDTH_MM - lows) / (highs - lows)
        widths = [low + (high - low) * share for low, high in spans]
    total = sum(widths) or 1.0
    return [round(100 * w / total, 2) for w in widths]
