"""The one chart style of every report: Okabe–Ito colours (safe for colour-blind readers), readable type.

Charts are PNG at print resolution: WeasyPrint lays out a PNG in milliseconds where a matplotlib SVG
(text as paths) costs it about a second, and chart labels never mix with the PDF's text layer. No
software or date is written into the PNG, so the same data give byte-identical charts.

The PNG is opaque 8-bit RGB (the figure is white), not matplotlib's RGBA, so its compressed pixel data
can go into the PDF as it is (`rcs_pipeline.reports.png_embedding`): an alpha channel would have to be
split into a second image. A chart reaches WeasyPrint by reference (`Chart.src`, served from memory by
the renderer), not as a base64 data URI inside the HTML, which the HTML parser would read character by
character.

Speed (docs/benchmarks.md, `bench_render_ratio.py`): a chart's text is most of its drawing time, and the
same strings (row labels, ticks, legends, `[c]`) recur in every chart of a report and every report of a
worker. `TextCachingRenderer` measures and rasterises each distinct string once per process, keyed by
everything FreeType is given (string, font file and properties, size, dpi, hinting, antialiasing), so the
pixels are the ones matplotlib would draw; `TextBatch` draws many strings of one style with one reused Text
instead of an artist each. The PNG is written here: unfiltered rows, one zlib pass at level 1 (about half
Pillow's time at the same level on these mostly white images, and smaller files).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from concurrent.futures import Future
from dataclasses import dataclass
from math import cos, radians, sin
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.transforms import Transform

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


TEXT_CACHE_LIMIT = 20_000
"""Distinct strings a process keeps measured and rasterised (about 2 KB a bitmap, so at most ~40 MB; a
national wave needs a few thousand); the cache starts again when full."""
_METRICS: dict[tuple, tuple[float, float, float]] = {}
_GLYPHS: dict[tuple, tuple[np.ndarray, float, float, float]] = {}


def font_key(prop: FontProperties) -> tuple:
    """Everything of a font's properties that decides its glyphs (what FontProperties hashes), and the
    process's hinting settings."""
    return (
        tuple(prop.get_family()),
        prop.get_slant(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
        matplotlib.rcParams["text.hinting"],
        matplotlib.rcParams["text.hinting_factor"],
    )


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    """Keep value under key, starting the cache again when it is full (bounded memory in a kept worker)."""
    if len(cache) >= TEXT_CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


class TextCachingRenderer(RendererAgg):
    """matplotlib's Agg renderer that measures and rasterises each distinct plain string once per process.

    The cached bitmap is the one `RendererAgg.draw_text` would make (FreeType's glyphs for the same string,
    font, size, dpi, hinting and antialiasing), placed by the same arithmetic, so the chart's pixels are
    unchanged; mathtext (off in every report chart) and TeX take matplotlib's own path.
    """

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> Any:
        """Width, height and descent of a string in pixels (measured once per string and font)."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, font_key(prop), self.dpi)
        found = _METRICS.get(key)
        if found is None:
            found = _remember(_METRICS, key, super().get_text_width_height_descent(s, prop, ismath))
        return found

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        """Draw a string as RendererAgg.draw_text does, from its bitmap rasterised once per process."""
        if ismath:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        antialiased = bool(gc.get_antialiased())
        key = (s, font_key(prop), self.dpi, antialiased)
        glyphs = _GLYPHS.get(key)
        if glyphs is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            glyphs = _remember(
                _GLYPHS, key, (np.array(font), font.get_descent() / 64.0, xo / 64.0, yo / 64.0)
            )
        image, descent, xo, yo = glyphs
        x = round(x + xo + descent * sin(radians(angle)))
        y = round(y + yo + descent * cos(radians(angle)))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)


class CachingCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with `TextCachingRenderer`."""

    def get_renderer(self) -> RendererAgg:
        """The canvas's renderer for the figure's size and dpi (a new one when either changed)."""
        w, h = self.figure.bbox.size
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = TextCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


class TextBatch(Artist):
    """Many strings of one style (font, colour, alignment, transform) drawn by one reused `Text`.

    Each string is placed and drawn exactly as its own `Axes.text` would be (the same Text layout and
    renderer calls), without building a Text artist, its properties and callbacks per string: a chart's
    row labels, `[c]` symbols and marks cost a few hundred artists otherwise.
    """

    zorder = Text.zorder

    def __init__(self, axes: Axes, transform: Transform, **style: Any) -> None:
        """An empty batch drawn in `axes`, its positions in `transform`'s coordinates."""
        super().__init__()
        self._text = Text(0, 0, "", transform=transform, clip_on=False, **style)
        self._text.set_figure(axes.get_figure(root=False))
        self.items: list[tuple[float, float, str]] = []
        axes.add_artist(self)

    def add(self, x: float, y: float, text: str) -> None:
        """One more string at (x, y)."""
        self.items.append((x, y, text))

    def draw(self, renderer: Any) -> None:
        """Draw every string with the one Text."""
        for x, y, text in self.items:
            self._text.set_position((x, y))
            self._text.set_text(text)
            self._text.draw(renderer)


def png_bytes(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of an (height, width, 3) array: unfiltered rows, zlib level PNG_COMPRESS_LEVEL, no
    ancillary chunks (no software, no date)."""
    height, width, _ = rgb.shape
    rows = np.zeros((height, width * 3 + 1), np.uint8)  # filter byte 0 (None) before every row
    rows[:, 1:] = rgb.reshape(height, width * 3)

    def chunk(kind: bytes, body: bytes) -> bytes:
        """One PNG chunk: length, type, data and CRC."""
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(rows.tobytes(), PNG_COMPRESS_LEVEL)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def figure_png(figure: Figure) -> bytes:
    """An opaque 8-bit RGB PNG of the figure at DPI, with no software or date written into it."""
    figure.set_dpi(DPI)
    canvas = CachingCanvas(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return png_bytes(rgba[:, :, :3])


def to_chart(figure: Figure, *, alt: str, title: str, note: str = "") -> Chart:
    """Draw a figure now and pair its PNG with its alt text (named by a hash of the PNG)."""
    png = figure_png(figure)
    return Chart(png, alt=alt, title=title, note=note, key=hashlib.sha256(png).hexdigest()[:32])
