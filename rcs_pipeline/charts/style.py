"""The one chart style of every report: Okabe–Ito colours (safe for colour-blind readers), readable type.

Charts are PNG at print resolution: WeasyPrint lays out a PNG in milliseconds where a matplotlib SVG
(text as paths) costs it about a second, and chart labels never mix with the PDF's text layer. No
software or date is written into the PNG, so the same data give byte-identical charts.

The PNG is opaque 8-bit RGB (the figure is white), not matplotlib's RGBA, so its compressed pixel data
can go into the PDF as it is (`rcs_pipeline.reports.png_embedding`): an alpha channel would have to be
split into a second image. A chart reaches WeasyPrint by reference (`Chart.src`, served from memory by
the renderer), not as a base64 data URI inside the HTML, which the HTML parser would read character by
character.
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import Future
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
PNG_COMPRESS_LEVEL = 1
"""zlib level of the chart PNGs, whose compressed data goes into the PDF unchanged."""

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
    "text.parse_math": False,  # names from deliveries (a school called "$^$") are text, never mathtext
}
matplotlib.rcParams.update(RC)


@dataclass(frozen=True)
class Chart:
    """A chart: its PNG (or the Future of one another process is drawing), alt text, printed title and note.

    `key` names the chart from what it shows, so the same chart has the same name (and the PDF the same
    bytes) whether it was drawn here or in a pool worker.
    """

    image: bytes | Future
    alt: str
    title: str
    key: str
    note: str = ""

    @property
    def src(self) -> str:
        """The URL the report's HTML uses for the chart; the renderer serves it from `png()`."""
        return f"chart:{self.key}"

    def png(self) -> bytes:
        """The PNG bytes, waiting for the drawing process when the chart is still being drawn."""
        if isinstance(self.image, bytes):
            return self.image
        png, _ = self.image.result()
        return png


def new_figure(width_mm: float, height_mm: float, layout: str | None = None) -> Figure:
    """A figure of the given printed size (pyplot-free, so pool workers leak no global figures)."""
    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4), layout=layout)


def figure_png(figure: Figure) -> bytes:
    """An opaque 8-bit RGB PNG of the figure at DPI, with no software or date written into it."""
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    rgba.convert("RGB").save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def to_chart(figure: Figure, *, alt: str, title: str, note: str = "") -> Chart:
    """Draw a figure now and pair its PNG with its alt text (named by a hash of the PNG)."""
    png = figure_png(figure)
    return Chart(png, alt=alt, title=title, note=note, key=hashlib.sha256(png).hexdigest()[:32])
