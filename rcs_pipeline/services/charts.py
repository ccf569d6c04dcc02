"""Charts of the services report (matplotlib, the shared accessible style), alt text written from the data."""

from __future__ import annotations

import textwrap

import polars as pl

from rcs_pipeline.charts.style import GRID, INK, MUTED, OKABE_ITO, Chart, new_figure, to_chart
from rcs_pipeline.services.codes import level_group_of
from rcs_pipeline.services.display import half_up, percent, published_percent

GROUP_COLOURS = {"prevention_early": OKABE_ITO[2], "targeted_intensive": OKABE_ITO[0]}


def spend_by_level_chart(investment: pl.DataFrame) -> Chart:
    """Horizontal bars of annual spend (£ million) by level, coloured by level group, labelled with shares."""
    rows = investment.filter(pl.col("breakdown") == "level").to_dicts()
    figure = new_figure(170, 22 + 9 * len(rows))
    axes = figure.add_subplot()
    groups = level_group_of()
    top = max((r["annual_spend_gbp"] for r in rows), default=0.0) / 1e6 or 1.0
    for i, row in enumerate(rows):
        millions = row["annual_spend_gbp"] / 1e6
        axes.barh(i, millions, color=GROUP_COLOURS[groups[row["breakdown_value"]]], height=0.62)
        axes.text(
            millions + top * 0.01,
            i,
            f"£{millions:,.1f}m ({percent(row['share_of_spend'])})",
            va="center",
            ha="left",
            fontsize=7.5,
            color=INK,
        )
    axes.barh(
        [], [], color=GROUP_COLOURS["prevention_early"], label="Universal, prevention and early intervention"
    )
    axes.barh([], [], color=GROUP_COLOURS["targeted_intensive"], label="Targeted and intensive")
    axes.set_yticks(range(len(rows)), [r["label"] for r in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, top * 1.3)
    axes.set_xlabel("Annual spend, £ million", color=INK)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.tick_params(axis="y", length=0)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=7.5, borderaxespad=0.3)
    title = "Annual spend by level of service"
    alt = f"Bar chart: {title}. " + " ".join(
        f"{r['label']}: £{r['annual_spend_gbp'] / 1e6:,.1f} million, {percent(r['share_of_spend'])} of all spend."
        for r in rows
    )
    return to_chart(figure, alt=alt, title=title, note="Bars show the partners' annual spend at each level.")


def spend_against_need_chart(need: pl.DataFrame) -> Chart:
    """Paired bars per domain: share of spend beside the published % of secondary and primary pupils with high need."""
    rows = need.to_dicts()
    series = [
        (
            "Share of all spend",
            OKABE_ITO[0],
            lambda r: (None if r["share_of_spend"] is None else r["share_of_spend"] * 100, None),
        ),
        (
            "Secondary pupils with high need",
            OKABE_ITO[1],
            lambda r: (r["secondary_high_need_percent"], r["secondary_symbol"]),
        ),
        (
            "Primary pupils with high need",
            OKABE_ITO[2],
            lambda r: (r["primary_high_need_percent"], r["primary_symbol"]),
        ),
    ]
    figure = new_figure(170, 26 + 14 * len(rows))
    axes = figure.add_subplot()
    height = 0.26
    for s, (name, colour, get) in enumerate(series):
        for i, row in enumerate(rows):
            value, symbol = get(row)
            y = i + (s - 1) * height
            if symbol or value is None:
                axes.text(0.5, y, symbol or "[x]", va="center", ha="left", fontsize=7, color=MUTED)
                continue
            axes.barh(y, value, height=height * 0.92, color=colour)
            axes.text(value + 0.8, y, f"{half_up(value):d}%", va="center", ha="left", fontsize=6.5, color=INK)
        axes.barh([], [], color=colour, label=name)
    axes.set_yticks(range(len(rows)), ["\n".join(textwrap.wrap(r["label"], 22)) for r in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Per cent", color=INK)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.tick_params(axis="y", length=0)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=7, borderaxespad=0.3)
    title = "Share of spend and share of pupils with high need, by domain"
    alt = f"Bar chart: {title}. " + " ".join(
        f"{r['label']}: {percent(r['share_of_spend'])} of spend; secondary pupils with high need "
        f"{published_percent(r['secondary_high_need_percent'], r['secondary_symbol'])}; primary "
        f"{published_percent(r['primary_high_need_percent'], r['primary_symbol'])}."
        for r in rows
    )
    note = (
        "Need figures are published council estimates; [c] marks a withheld value and [x] one not available."
    )
    return to_chart(figure, alt=alt, title=title, note=note)
