"""Chart drawing speed-ups change no pixel: cached text bitmaps and the hand-written PNG (rcs_pipeline.charts.style)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from rcs_pipeline.charts import style
from rcs_pipeline.charts.figures import DRAWINGS, Point, dot_chart, draw_chart
from rcs_pipeline.reports.png_embedding import idat_data


def _spec(labels: list[str], groups: tuple[str, str] = ("School", "Council")) -> object:
    """A small dot chart with a withheld value, two groups (a legend) and the given row labels."""
    rows = [(label, [Point(40.0 + r, 35.0 + r, 45.0 + r), Point(None)]) for r, label in enumerate(labels)]
    return dot_chart(rows, list(groups), unit="percent", title="Test chart")


def _matplotlib_pixels(spec: object) -> np.ndarray:
    """The chart's pixels as matplotlib's own Agg renderer draws them (no cache), RGB."""
    figure = DRAWINGS[spec.name](*spec.args)
    figure.set_dpi(style.DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def _png_pixels(png: bytes) -> np.ndarray:
    """The pixels of a PNG file, decoded by Pillow, RGB."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(autouse=True)
def _empty_text_cache() -> None:
    """Each test starts with nothing measured or rasterised."""
    style._METRICS.clear()
    style._GLYPHS.clear()


def test_cached_text_draws_the_same_pixels_as_matplotlib() -> None:
    """First drawing (filling the cache) and second (all from it) both equal matplotlib's own pixels."""
    spec = _spec(["Feels safe", "Has a trusted adult", "Feels safe at home"])
    expected = _matplotlib_pixels(spec)
    first = _png_pixels(draw_chart(spec.name, spec.args)[0])
    assert style._GLYPHS, "the cache was not used"
    second = _png_pixels(draw_chart(spec.name, spec.args)[0])
    assert first.shape == expected.shape
    assert (first == expected).all()
    assert (second == expected).all()


def test_a_changed_label_is_drawn_anew() -> None:
    """A chart whose labels changed after another filled the cache shows its own text, not a cached one."""
    before = _spec(["Feels safe", "Has a trusted adult"])
    after = _spec(["Feels safe", "Has a trusted adult at school"], ("Cluster", "Council"))
    draw_chart(before.name, before.args)
    cached = len(style._GLYPHS)
    png = draw_chart(after.name, after.args)[0]
    assert len(style._GLYPHS) > cached  # the new strings were rasterised
    assert (_png_pixels(png) == _matplotlib_pixels(after)).all()
    assert not np.array_equal(_png_pixels(png), _png_pixels(draw_chart(before.name, before.args)[0]))


def test_the_same_string_at_another_size_is_another_bitmap() -> None:
    """The cache key holds the font size: '[c]' at 6.5 pt (chart) and at 8 pt are two entries."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    figure.text(0.1, 0.5, "[c]", fontsize=6.5)
    figure.text(0.5, 0.5, "[c]", fontsize=8)
    style.figure_png(figure)
    assert sorted(key[1][5] for key in style._GLYPHS if key[0] == "[c]") == [6.5, 8.0]


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept worker's cache starts again when full instead of growing without end."""
    monkeypatch.setattr(style, "TEXT_CACHE_LIMIT", 3)
    spec = _spec(["One", "Two", "Three", "Four", "Five"])
    png = draw_chart(spec.name, spec.args)[0]
    assert len(style._GLYPHS) <= 3 and len(style._METRICS) <= 3
    assert (_png_pixels(png) == _matplotlib_pixels(spec)).all()


def test_png_is_reproducible_opaque_rgb_and_embeds_as_is() -> None:
    """The hand-written PNG decodes to the array given, is the same bytes twice, and its pixel data goes into
    the PDF unchanged (8-bit RGB, not interlaced, no transparency)."""
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)
    png = style.png_bytes(rgb)
    assert png == style.png_bytes(rgb.copy())
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB" and image.size == (13, 9)
    assert (np.asarray(image) == rgb).all()
    assert idat_data(png) is not None and idat_data(png)[0] == "RGB"


def _texts_png(batched: bool, labels: list[str]) -> np.ndarray:
    """Row labels (one of two lines), a withheld symbol and a mark, as Axes.text artists or as TextBatches."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    axes = figure.add_axes((0.4, 0.1, 0.5, 0.8))
    axes.set_xlim(0, 100)
    axes.set_ylim(len(labels) - 0.5, -0.5)
    items = [(-0.02, r, label) for r, label in enumerate(labels)]
    style_ = {"ha": "right", "va": "center", "fontsize": 7.5, "color": style.INK}
    if batched:
        batch = style.TextBatch(axes, axes.get_yaxis_transform(), **style_)
        for x, y, text in items:
            batch.add(x, y, text)
        symbols = style.TextBatch(
            axes, axes.transData, ha="left", va="center", fontsize=6.5, color=style.MUTED
        )
        symbols.add(1, 0, "[c]")
    else:
        for x, y, text in items:
            axes.text(x, y, text, transform=axes.get_yaxis_transform(), **style_)
        axes.text(1, 0, "[c]", ha="left", va="center", fontsize=6.5, color=style.MUTED)
    return _png_pixels(style.figure_png(figure))


def test_a_text_batch_draws_what_separate_texts_draw() -> None:
    """Strings drawn by one reused Text land on the same pixels as one Axes.text each (two-line labels too)."""
    labels = ["Feels safe", "Has a trusted\nadult at school", "Sleeps well"]
    batched = _texts_png(True, labels)
    assert (batched == _texts_png(False, labels)).all()
    assert not np.array_equal(batched, _texts_png(True, ["Feels safe", "Has a trusted adult", "Sleeps well"]))
