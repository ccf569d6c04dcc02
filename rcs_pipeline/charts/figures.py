"""The report charts: dot plots with 95% intervals by group (one or more panels), and 100% stacked bars.

A suppressed value is never drawn: its place shows `[c]` (`[x]` where nothing was published). A stacked bar
with any suppressed part is not drawn at all (its gap would reveal the withheld share) and says so. A dot
chart marks a row whose published comparison is significant (▲ higher, ▼ lower) beside its panel. Alt text
is written from the data, marks and `[u]` (low reliability) included.
Fixed margins (no constrained layout) keep a chart at a few tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from rcs_pipeline.charts.style import (
    GRID,
    INK,
    MUTED,
    OKABE_ITO,
    SUPPRESSED_LABEL,
    TextBatch,
    figure_png,
    new_figure,
)
from rcs_pipeline.frame_stack import reserved_frame_stack

MARKERS = ("o", "D", "s", "^", "v", "P", "X", "*")
MM = 1 / 25.4
LABEL_WIDTH = 40
PERCENT_TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Point:
    """A published value and its 95% interval; value None means withheld (`symbol` '[c]') or not published ('[x]')."""

    value: float | None
    low: float | None = None
    high: float | None = None
    symbol: str = SUPPRESSED_LABEL
    unreliable: bool = False


@dataclass(frozen=True)
class Mark:
    """A significant published comparison of one row: its glyph (▲ or ▼) and what it says in words."""

    glyph: str
    words: str


@dataclass(frozen=True)
class Panel:
    """One panel of a dot chart: its heading, its groups (legend), per row one Point per group, and per row
    the Mark of a significant comparison (None when the row's comparison states no difference)."""

    title: str
    groups: list[str]
    points: list[list[Point]]
    unit: str = "percent"
    marks: tuple[Mark | None, ...] = ()


DOT_NOTE = (
    "Markers show published values and lines their 95% confidence intervals; [c] marks a withheld value."
)
MARK_NOTE = "\u25b2 or \u25bc beside a row: a clear difference (significant after allowing for the number of comparisons)"
MARK_MARGIN_MM = 6.0
"""Room kept to the right of each panel for its marks."""
BAR_NOTE = "Bars show published percentages; a bar with a withheld part is not drawn and shows [c]."


@dataclass(frozen=True)
class ChartSpec:
    """A chart as a plain specification: what to draw (a drawing's name and its arguments), its alt text,
    printed title and note. Nothing is drawn here: `rcs_pipeline.reports.build` hands the specifications to
    `draw_chart`, in this process or a pool's, and the renderer serves the PNGs by `src`.

    `key` names the chart from what it shows, so the same chart has the same name (and the PDF the same bytes)
    wherever it was drawn.
    """

    name: str
    args: tuple
    alt: str
    title: str
    note: str = ""

    @property
    def key(self) -> str:
        """A name of the chart made from its drawing and arguments."""
        return hashlib.sha256(repr((self.name, self.args)).encode()).hexdigest()[:32]

    @property
    def src(self) -> str:
        """The URL the report's HTML uses for the chart."""
        return f"chart:{self.key}"


@reserved_frame_stack  # matplotlib's artist recursion: docs/benchmarks.md, "The frame stack"
def draw_chart(name: str, args: tuple) -> tuple[bytes, float]:
    """Draw one chart here (also a pool entry point): its PNG and the CPU seconds it took."""
    started = time.process_time()
    png = figure_png(DRAWINGS[name](*args))
    return png, time.process_time() - started


def describe(value: float | None, unit: str, symbol: str = SUPPRESSED_LABEL, unreliable: bool = False) -> str:
    """A value in words for alt text ('42%', '47.3', '42% low reliability [u]', 'withheld [c]', 'not available [x]')."""
    if value is None:
        return "withheld [c]" if symbol == SUPPRESSED_LABEL else f"not available {symbol}"
    text = f"{round(value):d}%" if unit == "percent" else f"{value:.1f}"
    return f"{text} low reliability [u]" if unreliable else text


def describe_point(point: Point, unit: str) -> str:
    """A chart point in words for alt text."""
    return describe(point.value, unit, point.symbol, point.unreliable)


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """A y-axis label wrapped onto short lines."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _limits(panel: Panel) -> tuple[float, float]:
    """The x range of a panel: 0–100 for percentages, the data's range (with room) for mean scores."""
    if panel.unit == "percent":
        return 0.0, 100.0
    ends = [v for row in panel.points for p in row for v in (p.low, p.value, p.high) if v is not None]
    if not ends:
        return 0.0, 1.0
    pad = max((max(ends) - min(ends)) * 0.08, 0.5)
    return min(ends) - pad, max(ends) + pad


def _draw_panel(axes: Axes, panel: Panel, n_rows: int, width_mm: float, legend_lines: int) -> None:
    """Markers and interval lines of one panel, `[c]` where a value is withheld."""
    lo, hi = _limits(panel)
    n_groups = max(len(panel.groups), 1)
    spread = 0.66 / n_groups
    symbols = TextBatch(axes, axes.transData, va="center", ha="left", fontsize=6.5, color=MUTED)
    for g, group in enumerate(panel.groups):
        offset = (g - (n_groups - 1) / 2) * spread
        colour = OKABE_ITO[g % len(OKABE_ITO)]
        marker = MARKERS[g % len(MARKERS)]
        xs, ys, spans = [], [], []
        for r, row in enumerate(panel.points):
            p = row[g] if g < len(row) else Point(None)
            y = r + offset
            if p.value is None:
                symbols.add(lo + (hi - lo) * 0.004, y, p.symbol)
                continue
            if p.low is not None and p.high is not None:
                spans.append(((p.low, y), (p.high, y)))
            xs.append(p.value)
            ys.append(y)
        # One collection of interval lines per group: a Line2D per interval costs a chart ~0.1 s.
        axes.add_collection(
            LineCollection(spans, colors=colour, linewidths=1.5, capstyle="butt"), autolim=False
        )
        axes.plot(
            xs,
            ys,
            marker=marker,
            color=colour,
            markersize=4.6,
            markeredgecolor="white",
            markeredgewidth=0.5,
            linestyle="none",
            label=group,
        )
    _draw_marks(axes, panel)
    # Tick styles before the ticks: set afterwards, each style is applied again to every tick made.
    axes.xaxis.grid(True, color=GRID, linewidth=0.5)
    axes.tick_params(axis="y", length=0)
    axes.tick_params(axis="x", labelsize=7.5)
    axes.set_xlim(lo, hi)
    if panel.unit == "percent":
        axes.set_xticks(PERCENT_TICKS if width_mm >= 45 else PERCENT_TICKS[::2])
    axes.set_ylim(n_rows - 0.5, -0.5)
    axes.set_axisbelow(True)
    if n_groups > 1:
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=legend_columns(panel.groups, width_mm),
            fontsize=7,
            handletextpad=0.2,
            columnspacing=0.9,
            borderaxespad=0.2,
            borderpad=0.1,
            labelspacing=0.25,
        )
    if panel.title:
        pad = 4 + 10 * legend_lines
        axes.set_title(panel.title, loc="left", fontsize=8, color=INK, pad=pad, fontweight="bold")


def _draw_marks(axes: Axes, panel: Panel) -> None:
    """The ▲/▼ of each row with a significant comparison, just right of the panel."""
    to_mark = blended_transform_factory(axes.transAxes, axes.transData)
    glyphs = TextBatch(axes, to_mark, ha="left", va="center", fontsize=8, color=INK)
    for r, mark in enumerate(panel.marks):
        if mark is not None:
            glyphs.add(1.015, r, mark.glyph)


def legend_columns(groups: list[str], width_mm: float) -> int:
    """Legend entries per row: as many as fit across the panel (about 1.45 mm a character at 7 pt)."""
    per_entry = max((len(g) for g in groups), default=0) + 5
    return max(1, min(len(groups), int(width_mm / 1.45) // per_entry))


def legend_rows(groups: list[str], width_mm: float) -> int:
    """Rows the legend takes."""
    return -(-len(groups) // legend_columns(groups, width_mm)) if len(groups) > 1 else 0


def dot_panels(labels: list[str], panels: list[Panel], *, title: str, width_mm: float = 170) -> ChartSpec:
    """Rows of indicators (or groups) against one or more panels of grouped markers with 95% intervals.

    A panel's marks (significant comparisons) are drawn beside it and said in the alt text after the
    row's values; the note then explains them.
    """
    alt = f"Chart: {title}. " + " ".join(
        f"{label}: "
        + "; ".join(
            (f"{panel.title} " if panel.title else "") + f"{group} {describe_point(p, panel.unit)}"
            for panel in panels
            for group, p in zip(panel.groups, panel.points[r], strict=False)
        )
        + "".join(
            f"; {mark.glyph} {mark.words}"
            for panel in panels
            if r < len(panel.marks) and (mark := panel.marks[r]) is not None
        )
        + "."
        for r, label in enumerate(labels)
    )
    marked = any(m is not None for p in panels for m in p.marks)
    note = f"{DOT_NOTE} {MARK_NOTE}." if marked else DOT_NOTE
    return ChartSpec("dot_panels", (labels, panels, width_mm), alt=alt, title=title, note=note)


def _draw_dot_panels(labels: list[str], panels: list[Panel], width_mm: float) -> Figure:
    """The figure of `dot_panels`."""
    most = max(len(p.groups) for p in panels)
    lines = max((wrap(label).count("\n") + 1 for label in labels), default=1)
    row_mm = max(2.4 + 1.6 * most, 2.9 * lines)
    left = 62 / width_mm
    gap = 0.06
    margin = MARK_MARGIN_MM / width_mm if any(m is not None for p in panels for m in p.marks) else 0.0
    width = (0.965 - left - gap * (len(panels) - 1) - margin * len(panels)) / len(panels)
    legend_lines = max(legend_rows(p.groups, width * width_mm) for p in panels)
    legend_mm = 4.2 * legend_lines + (5 if any(p.title for p in panels) else 0)
    height = 14 + legend_mm + row_mm * len(labels)
    figure = new_figure(width_mm, height, layout=None)
    for k, panel in enumerate(panels):
        axes = figure.add_axes(
            (left + k * (width + gap + margin), 10 / height, width, 1 - (10 + legend_mm + 2) / height)
        )
        _draw_panel(axes, panel, len(labels), width * width_mm, legend_lines)
        # Row labels as plain text, not tick labels: a matplotlib tick (two lines and two texts) costs
        # about 2 ms to build, and a long chart has dozens of rows per panel.
        axes.set_yticks([])
        if k == 0:
            row_labels = TextBatch(
                axes, axes.get_yaxis_transform(), ha="right", va="center", fontsize=7.5, color=INK
            )
            for r, label in enumerate(labels):
                row_labels.add(-0.02, r, wrap(label))
    figure.text(
        left,
        2.5 / height,
        "Per cent, with 95% confidence interval"
        if panels[0].unit == "percent"
        else "Mean score, with 95% confidence interval",
        fontsize=7.5,
        color=MUTED,
    )
    return figure


def dot_chart(
    rows: list[tuple[str, list[Point]]],
    groups: list[str],
    *,
    unit: str,
    title: str,
    width_mm: float = 170,
    marks: tuple[Mark | None, ...] = (),
) -> ChartSpec:
    """One row per indicator, one marker per group with its 95% interval; `[c]` where withheld; marks beside."""
    panel = Panel("", groups, [points for _, points in rows], unit, marks)
    return dot_panels([label for label, _ in rows], [panel], title=title, width_mm=width_mm)


def stacked_bar(
    rows: list[tuple[str, list[float | None]]], segments: list[str], *, title: str, width_mm: float = 170
) -> ChartSpec:
    """Horizontal 100% bars split into `segments` (percentages), labelled inside; rows with a withheld part say so."""
    alt = f"Stacked bar chart: {title}. " + " ".join(
        f"{label}: "
        + "; ".join(f"{seg} {describe(p, 'percent')}" for seg, p in zip(segments, parts, strict=False))
        + "."
        for label, parts in rows
    )
    return ChartSpec("stacked_bar", (rows, segments, width_mm), alt=alt, title=title, note=BAR_NOTE)


def _draw_stacked_bar(
    rows: list[tuple[str, list[float | None]]], segments: list[str], width_mm: float
) -> Figure:
    """The figure of `stacked_bar`."""
    height = 20 + 4.2 * legend_rows(segments, (0.98 - 62 / width_mm) * width_mm) + 8 * len(rows)
    figure = new_figure(width_mm, height, layout=None)
    left = 62 / width_mm
    axes = figure.add_axes((left, 11 / height, 0.98 - left, 1 - 22 / height))
    for r, (_, parts) in enumerate(rows):
        if any(p is None for p in parts):
            axes.text(
                1,
                r,
                f"{SUPPRESSED_LABEL} one or more parts withheld",
                va="center",
                ha="left",
                fontsize=7,
                color=MUTED,
            )
            continue
        left_edge = 0.0
        for s, part in enumerate(parts):
            axes.barh(
                r,
                part,
                left=left_edge,
                color=OKABE_ITO[s % len(OKABE_ITO)],
                height=0.62,
                edgecolor="white",
                linewidth=0.6,
            )
            if part >= 7:
                axes.text(
                    left_edge + part / 2,
                    r,
                    f"{round(part):d}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if s in (0, 2, 3, 5, 7) else INK,
                )
            left_edge += part
    for s, segment in enumerate(segments):
        axes.barh([0], [0], color=OKABE_ITO[s % len(OKABE_ITO)], label=segment)
    axes.set_yticks(range(len(rows)), [wrap(label, 32) for label, _ in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.tick_params(axis="y", length=0, labelsize=7.5)
    axes.tick_params(axis="x", labelsize=7.5)
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=legend_columns(segments, (0.98 - left) * width_mm),
        fontsize=7.2,
        handlelength=1.1,
        columnspacing=0.9,
        borderaxespad=0.2,
    )
    figure.text(left, 2.5 / height, "Per cent of linked pupils", fontsize=7.5, color=MUTED)
    return figure


def _draw_series_panels(*args: object) -> Figure:
    """The figure of `rcs_pipeline.charts.series.series_panels` (imported here, so pool workers find it)."""
    from rcs_pipeline.charts.series import draw_series_panels

    return draw_series_panels(*args)


DRAWINGS: dict[str, Callable[..., Figure]] = {
    "dot_panels": _draw_dot_panels,
    "stacked_bar": _draw_stacked_bar,
    "series_panels": _draw_series_panels,
}
"""The charts `draw_chart` can draw, by name (a name and arguments travel to a pool worker, a function may not)."""
