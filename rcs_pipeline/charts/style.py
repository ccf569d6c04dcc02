"""The one chart style of every report: Okabe–Ito colours (safe for colour-blind readers), readable type.

SVG output draws text as paths (so chart labels never mix with the PDF's text layer) with a fixed hash
salt and no date, so the same data give byte-identical charts.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe & Ito (2008) palette, distinguishable under the common colour-vision deficiencies."""

INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#d1d5db"
SUPPRESSED_LABEL = "[c]"

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "rcs-pipeline",
}
matplotlib.rcParams.update(RC)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its SVG as a data URI for <img src>, its alt text and its printed title."""

    data_uri: str
    alt: str
    title: str


def new_figure(width_mm: float, height_mm: float) -> Figure:
    """A figure of the given printed size (pyplot-free, so pool workers leak no global figures)."""
    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4), layout="constrained")


def to_chart(figure: Figure, *, alt: str, title: str) -> Chart:
    """Serialise a figure to an SVG data URI (no date, fixed ids) and pair it with its alt text."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(data_uri=uri, alt=alt, title=title)
