"""The report charts: dot plots with 95% intervals by group, and 100% stacked bars; alt text from the data.

A suppressed value is never drawn: its place shows `[c]`. A stacked bar with any suppressed part is not
drawn at all (its gap would reveal the withheld share) and says so.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rcs_pipeline.charts.style import (
    GRID,
    INK,
    MUTED,
    OKABE_ITO,
    SUPPRESSED_LABEL,
    Chart,
    new_figure,
    to_chart,
)

MARKERS = ("o", "D", "s", "^", "v", "P", "X", "*")


@dataclass(frozen=True)
class Point:
    """A published value and its 95% interval; value None means suppressed (or not published)."""

    value: float | None
    low: float | None = None
    high: float | None = None


def describe(value: float | None, unit: str) -> str:
    """A value in words for alt text ('42%', '47.3', 'withheld [c]')."""
    if value is None:
        return "withheld [c]"
    return f"{round(value):d}%" if unit == "percent" else f"{value:.1f}"


def _wrap(label: str, width: int = 38) -> str:
    """A y-axis label wrapped onto short lines."""
    return "\n".join(textwrap.wrap(label, width)) or label


def dot_chart(
    rows: list[tuple[str, list[Point]]], groups: list[str], *, unit: str, title: str, width_mm: float = 170
) -> Chart:
    """One row per indicator, one marker per group with its 95% interval; `[c]` where withheld."""
    n_groups = max(len(groups), 1)
    row_height = 5.0 + 2.4 * n_groups
    figure = new_figure(width_mm, 16 + row_height * len(rows))
    axes = figure.add_subplot()
    values = [p for _, points in rows for p in points if p.value is not None]
    if unit == "percent":
        lo, hi = 0.0, 100.0
    else:
        lows = [p.low if p.low is not None else p.value for p in values] or [0.0]
        highs = [p.high if p.high is not None else p.value for p in values] or [1.0]
        lo, hi = min(lows) - 2, max(highs) + 2
    spread = 0.62 / n_groups
    for g, group in enumerate(groups):
        offset = (g - (n_groups - 1) / 2) * spread
        colour = OKABE_ITO[g % len(OKABE_ITO)]
        for r, (_, points) in enumerate(rows):
            point = points[g] if g < len(points) else Point(None)
            y = r + offset
            if point.value is None:
                axes.text(
                    lo + (hi - lo) * 0.005,
                    y,
                    SUPPRESSED_LABEL,
                    va="center",
                    ha="left",
                    fontsize=7,
                    color=MUTED,
                )
                continue
            if point.low is not None and point.high is not None:
                axes.plot([point.low, point.high], [y, y], color=colour, linewidth=1.6, solid_capstyle="butt")
            axes.plot(
                [point.value],
                [y],
                marker=MARKERS[g % len(MARKERS)],
                color=colour,
                markersize=5.2,
                markeredgecolor="white",
                markeredgewidth=0.6,
                linestyle="none",
                label=group if r == 0 else None,
            )
        if not any(g < len(points) and points[g].value is not None for _, points in rows):
            axes.plot([], [], marker=MARKERS[g % len(MARKERS)], color=colour, linestyle="none", label=group)
    axes.set_yticks(range(len(rows)), [_wrap(label) for label, _ in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(lo, hi)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel(
        "Per cent (95% confidence interval)" if unit == "percent" else "Mean score (95% confidence interval)",
        color=INK,
    )
    if n_groups > 1:
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=min(n_groups, 5),
            fontsize=8,
            handletextpad=0.3,
            columnspacing=1.2,
            borderaxespad=0.3,
        )
    alt = f"Dot chart: {title}. " + " ".join(
        f"{label}: "
        + "; ".join(f"{group} {describe(p.value, unit)}" for group, p in zip(groups, points, strict=False))
        + "."
        for label, points in rows
    )
    return to_chart(figure, alt=alt, title=title)


def stacked_bar(
    rows: list[tuple[str, list[float | None]]], segments: list[str], *, title: str, width_mm: float = 170
) -> Chart:
    """Horizontal 100% bars split into `segments` (percentages), labelled inside; rows with a withheld part say so."""
    figure = new_figure(width_mm, 22 + 9 * len(rows))
    axes = figure.add_subplot()
    for r, (_, parts) in enumerate(rows):
        if any(p is None for p in parts):
            axes.text(
                1,
                r,
                f"{SUPPRESSED_LABEL} one or more parts withheld",
                va="center",
                ha="left",
                fontsize=7.5,
                color=MUTED,
            )
            continue
        left = 0.0
        for s, part in enumerate(parts):
            colour = OKABE_ITO[s % len(OKABE_ITO)]
            axes.barh(r, part, left=left, color=colour, height=0.62, edgecolor="white", linewidth=0.6)
            if part >= 6:
                text_colour = "white" if s in (0, 2, 3, 5, 7) else INK
                axes.text(
                    left + part / 2,
                    r,
                    f"{round(part):d}%",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=text_colour,
                )
            left += part
    for s, segment in enumerate(segments):
        axes.barh([], [], color=OKABE_ITO[s % len(OKABE_ITO)], label=segment)
    axes.set_yticks(range(len(rows)), [_wrap(label, 30) for label, _ in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Per cent of children", color=INK)
    axes.tick_params(axis="y", length=0)
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=min(len(segments), 4),
        fontsize=7.5,
        handlelength=1.2,
        columnspacing=1.0,
        borderaxespad=0.3,
    )
    alt = f"Stacked bar chart: {title}. " + " ".join(
        f"{label}: "
        + ("; ".join(f"{seg} {describe(p, 'percent')}" for seg, p in zip(segments, parts, strict=False)))
        + "."
        for label, parts in rows
    )
    return to_chart(figure, alt=alt, title=title)
