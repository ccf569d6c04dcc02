"""The one chart style of every report: Okabe–Ito colours (safe for colour-blind readers), readable type.

Charts are PNG at print resolution: WeasyPrint lays out a PNG in milliseconds where a matplotlib SVG
(text as paths) costs it about a second, and chart labels never mix with the PDF's text layer. No
software or date is written into the PNG, so the same data give byte-identical charts.

The PNG is opaque RGB (the figure is white), not matplotlib's RGBA: WeasyPrint decodes every PNG and
re-compresses it into the PDF, splitting an alpha channel into a second image, so an opaque image is
half its work. For the same reason the PNG itself is written with the fastest zlib level: its bytes
only travel to WeasyPrint, which sets the compression of the PDF.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

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
DPI = 150
"""Print resolution of chart images: sharp on paper and screen, small and fast to embed."""

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
}
matplotlib.rcParams.update(RC)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its PNG as a data URI for <img src>, its alt text and its printed title."""

    data_uri: str
    alt: str
    title: str
    note: str = ""


def new_figure(width_mm: float, height_mm: float, layout: str | None = None) -> Figure:
    """A figure of the given printed size (pyplot-free, so pool workers leak no global figures)."""
    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4), layout=layout)


def to_chart(figure: Figure, *, alt: str, title: str, note: str = "") -> Chart:
    """Serialise a figure to an opaque PNG data URI (no software or date written) and pair it with its alt text."""
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = rgba.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(data_uri=uri, alt=alt, title=title, note=note)
