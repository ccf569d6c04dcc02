"""Series charts: each indicator over the waves, small multiples with 95% intervals (the reports' trends).

One small panel per indicator, waves along the bottom in order, each published value a marker with its
interval as a vertical line, consecutive published waves joined by a thin line. A withheld value is never
drawn: its wave shows `[c]` (`[x]` where nothing was published). A significant published change is named in
the panel's heading (▲ or ▼ and the earlier wave) and in the alt text, which is written from the data.
Drawn through the same deferred-drawing pool as the other report charts (`figures.DRAWINGS`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rcs_pipeline.charts.figures import ChartSpec, Point, describe_point
from rcs_pipeline.charts.style import GRID, INK, MUTED, OKABE_ITO, TextBatch, new_figure

COLUMNS = 4
PANEL_MM = 31.0
"""Height of one row of panels (heading, plot and wave labels)."""
SERIES_NOTE = (
    "Each panel is one indicator over the waves: markers show published values and lines their 95% confidence "
    "intervals; [c] marks a withheld value and [x] a wave without a published figure."
)
CHANGE_NOTE = "\u25b2 or \u25bc in a heading: a clear change since the wave named (significant after allowing for the number of comparisons)"


@dataclass(frozen=True)
class SeriesPanel:
    """One indicator's series: heading, waves in order, one Point per wave, unit, and the words of any
    significant change ('▲ since 2015-16'), empty when the published tests state none."""

    title: str
    waves: list[str]
    points: list[Point]
    unit: str = "percent"
    change: str = ""
    change_words: str = ""


def series_panels(panels: list[SeriesPanel], *, title: str, width_mm: float = 170) -> ChartSpec:
    """Small multiples of indicator series with intervals; alt text lists every wave's value and each change."""
    alt = f"Chart: {title}. " + " ".join(
        f"{panel.title}: "
        + "; ".join(
            f"{wave} {describe_point(p, panel.unit)}"
            for wave, p in zip(panel.waves, panel.points, strict=True)
        )
        + (f"; {panel.change_words}" if panel.change_words else "")
        + "."
        for panel in panels
    )
    note = f"{SERIES_NOTE} {CHANGE_NOTE}." if any(p.change for p in panels) else SERIES_NOTE
    return ChartSpec("series_panels", (panels, width_mm), alt=alt, title=title, note=note)


def _limits(panel: SeriesPanel) -> tuple[float, float]:
    """The y range of a panel: 0–100 for percentages, the data's range (with room) for mean scores."""
    if panel.unit == "percent":
        return 0.0, 100.0
    ends = [v for p in panel.points for v in (p.low, p.value, p.high) if v is not None]
    if not ends:
        return 0.0, 1.0
    pad = max((max(ends) - min(ends)) * 0.15, 0.5)
    return min(ends) - pad, max(ends) + pad


def _ticks(panel: SeriesPanel, lo: float, hi: float) -> list[float]:
    """The y ticks of a panel: 0, 50, 100 for percentages, three round values inside the range for means."""
    if panel.unit == "percent":
        return [0.0, 50.0, 100.0]
    return [t for t in MaxNLocator(3).tick_values(lo, hi) if lo <= t <= hi]


def draw_series_panels(panels: list[SeriesPanel], width_mm: float) -> Figure:
    """The figure of `series_panels`: a grid of COLUMNS panels a row, all drawn on one millimetre canvas.

    One Axes for the whole grid (panels placed in millimetres, interval lines, joins and grid lines each one
    collection): an Axes per panel costs about 20 ms of CPU each, which a school report's 35 panels felt.
    """
    rows = -(-len(panels) // COLUMNS)
    height = 11 + PANEL_MM * rows  # 3 mm above the first row for a three-line heading
    figure = new_figure(width_mm, height, layout=None)
    canvas = figure.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, width_mm)
    canvas.set_ylim(0, height)
    canvas.axis("off")
    cell = width_mm / COLUMNS
    frames, grid, spans, joins, xs, ys = [], [], [], [], [], []
    to_mm = canvas.transData
    ticks = TextBatch(canvas, to_mm, ha="right", va="center", fontsize=6.2, color=INK)
    waves = TextBatch(canvas, to_mm, ha="center", va="top", fontsize=6.2, color=INK)
    symbols = TextBatch(canvas, to_mm, ha="center", va="bottom", fontsize=6.5, color=MUTED)
    headings = TextBatch(canvas, to_mm, ha="left", va="bottom", fontsize=6.6, color=INK, linespacing=1.15)
    for k, panel in enumerate(panels):
        r, c = divmod(k, COLUMNS)
        x0, y0 = c * cell + 10, height - 3 - (r + 1) * PANEL_MM + 7
        w, h = cell - 14, PANEL_MM - 17
        lo, hi = _limits(panel)
        to_y = lambda v, lo=lo, hi=hi, y0=y0, h=h: y0 + (v - lo) / (hi - lo) * h  # noqa: E731
        n = len(panel.waves)
        to_x = lambda i, n=n, x0=x0, w=w: x0 + (i + 0.5) / n * w  # noqa: E731
        frames += [((x0, y0), (x0, y0 + h)), ((x0, y0), (x0 + w, y0))]
        for tick in _ticks(panel, lo, hi):
            grid.append(((x0, to_y(tick)), (x0 + w, to_y(tick))))
            label = f"{tick:.0f}" if panel.unit == "percent" or float(tick).is_integer() else f"{tick:g}"
            ticks.add(x0 - 1, to_y(tick), label)
        shown: list[tuple[int, float]] = []
        for i, (wave, p) in enumerate(zip(panel.waves, panel.points, strict=True)):
            label = wave if n <= 2 else wave[2:]
            waves.add(to_x(i), y0 - 1.2, label)
            if p.value is None:
                symbols.add(to_x(i), y0 + h * 0.06, p.symbol)
                continue
            if p.low is not None and p.high is not None:
                spans.append(((to_x(i), to_y(p.low)), (to_x(i), to_y(p.high))))
            if shown and shown[-1][0] == i - 1:  # join consecutive waves only: a gap is not drawn over
                joins.append(((to_x(i - 1), to_y(shown[-1][1])), (to_x(i), to_y(p.value))))
            shown.append((i, p.value))
            xs.append(to_x(i))
            ys.append(to_y(p.value))
        heading = panel_heading(panel.title) + (f"\n{panel.change}" if panel.change else "")
        headings.add(c * cell + 2, y0 + h + 2.2, heading)
    colour = OKABE_ITO[0]
    canvas.add_collection(LineCollection(grid, colors=GRID, linewidths=0.5))
    canvas.add_collection(LineCollection(frames, colors=MUTED, linewidths=0.7))
    canvas.add_collection(LineCollection(joins, colors=colour, linewidths=0.8))
    canvas.add_collection(LineCollection(spans, colors=colour, linewidths=1.4))
    canvas.plot(xs, ys, "o", color=colour, markersize=3.8, markeredgecolor="white", markeredgewidth=0.4)
    figure.text(
        4 / width_mm,
        1.5 / height,
        "Per cent (mean score where the heading says so), with 95% confidence interval, by wave",
        fontsize=7,
        color=MUTED,
    )
    return figure


def panel_heading(text: str, width: int = 29) -> str:
    """A panel heading on at most two short lines (the second ends in '…' when the label is longer)."""
    lines = textwrap.wrap(text, width)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1].rstrip() + "\u2026"]
    return "\n".join(lines) or text
