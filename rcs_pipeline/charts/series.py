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

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from rcs_pipeline.charts.figures import Point, _chart, describe_point
from rcs_pipeline.charts.style import GRID, INK, MUTED, OKABE_ITO, Chart, new_figure

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


def series_panels(panels: list[SeriesPanel], *, title: str, width_mm: float = 170) -> Chart:
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
    return _chart("series_panels", (panels, width_mm), alt=alt, title=title, note=note)


def _limits(panel: SeriesPanel) -> tuple[float, float]:
    """The y range of a panel: 0–100 for percentages, the data's range (with room) for mean scores."""
    if panel.unit == "percent":
        return 0.0, 100.0
    ends = [v for p in panel.points for v in (p.low, p.value, p.high) if v is not None]
    if not ends:
        return 0.0, 1.0
    pad = max((max(ends) - min(ends)) * 0.15, 0.5)
    return min(ends) - pad, max(ends) + pad


def draw_series_panels(panels: list[SeriesPanel], width_mm: float) -> Figure:
    """The figure of `series_panels`: a grid of COLUMNS panels a row."""
    rows = -(-len(panels) // COLUMNS)
    height = 8 + PANEL_MM * rows
    figure = new_figure(width_mm, height, layout=None)
    cell_w = 1 / COLUMNS
    for k, panel in enumerate(panels):
        r, c = divmod(k, COLUMNS)
        left = c * cell_w + 11 / width_mm
        bottom = (height - (r + 1) * PANEL_MM + 7) / height
        axes = figure.add_axes((left, bottom, cell_w - 15 / width_mm, (PANEL_MM - 17) / height))
        _draw_series(axes, panel)
    figure.text(
        4 / width_mm,
        1.5 / height,
        "Per cent (mean score where the heading says so), with 95% confidence interval, by wave",
        fontsize=7,
        color=MUTED,
    )
    return figure


def panel_heading(text: str, width: int = 27) -> str:
    """A panel heading on at most two short lines (the second ends in '…' when the label is longer)."""
    lines = textwrap.wrap(text, width)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1].rstrip() + "\u2026"]
    return "\n".join(lines) or text


def _draw_series(axes: Axes, panel: SeriesPanel) -> None:
    """Markers, interval lines and joining line of one panel; `[c]`/`[x]` at a wave without a shown value."""
    lo, hi = _limits(panel)
    xs = list(range(len(panel.waves)))
    spans, shown_x, shown_y = [], [], []
    for x, p in zip(xs, panel.points, strict=True):
        if p.value is None:
            axes.text(x, lo + (hi - lo) * 0.06, p.symbol, ha="center", va="bottom", fontsize=6.5, color=MUTED)
            continue
        if p.low is not None and p.high is not None:
            spans.append(((x, p.low), (x, p.high)))
        shown_x.append(x)
        shown_y.append(p.value)
    colour = OKABE_ITO[0]
    axes.add_collection(LineCollection(spans, colors=colour, linewidths=1.4), autolim=False)
    runs: list[list[int]] = []
    for i, x in enumerate(shown_x):  # join consecutive waves only: a gap is not drawn over
        if runs and x == shown_x[runs[-1][-1]] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        axes.plot([shown_x[i] for i in run], [shown_y[i] for i in run], color=colour, linewidth=0.8)
    axes.plot(
        shown_x, shown_y, "o", color=colour, markersize=3.8, markeredgecolor="white", markeredgewidth=0.4
    )
    axes.set_xlim(-0.5, len(xs) - 0.5)
    axes.set_ylim(lo, hi)
    axes.set_xticks(xs, [w if len(xs) <= 4 else w[2:] for w in panel.waves])
    if panel.unit == "percent":
        axes.set_yticks((0, 50, 100))
    axes.yaxis.grid(True, color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    axes.tick_params(axis="both", labelsize=6.2, length=2)
    heading = panel_heading(panel.title)
    if panel.change:
        heading = f"{heading} {panel.change}"
    axes.set_title(heading, loc="left", fontsize=6.6, color=INK, pad=3)
