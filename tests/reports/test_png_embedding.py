"""Charts reach the PDF by reference, and their PNG pixel data goes in as it is (or WeasyPrint's way when it must)."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from concurrent.futures import Future
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from rcs_pipeline.charts.style import Chart
from rcs_pipeline.reports.png_embedding import PNG_SIGNATURE, embed_png_data_as_is, idat_data
from rcs_pipeline.reports.render import chart_fetcher


def _png(image: Image.Image, **options: object) -> bytes:
    """The PNG file of an image."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk of a PNG file."""
    out, pos = [], len(PNG_SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _stripes(mode: str) -> Image.Image:
    """A small image with distinct rows and columns, so a wrong predictor or channel count shows."""
    image = Image.new(mode, (7, 5))
    for x in range(7):
        for y in range(5):
            value = (x * 37 + y * 53) % 256
            image.putpixel(
                (x, y), {"RGB": (value, 255 - value, (value * 3) % 256), "L": value}.get(mode, value)
            )
    return image


def _pdf_with(png: bytes) -> bytes:
    """A one-page PDF showing the PNG as a chart served by the report renderer's fetcher."""
    embed_png_data_as_is()
    chart = Chart(png, alt="a test chart", title="Test", key="test")
    html = f'<html lang="en-GB"><body><img src="{chart.src}" alt="{chart.alt}" style="width: 70px"></body></html>'
    return HTML(string=html, url_fetcher=chart_fetcher([chart])).write_pdf()


def _pdf_image(pdf: bytes) -> tuple[Any, Image.Image]:
    """The image XObject (its raw stream still compressed) and the decoded image of the PDF's only image."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    (xobject,) = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    return xobject, page.images[0].image


def test_idat_data_takes_opaque_8_bit_rgb_and_grey_only():
    """Hand-made cases: RGB and L give their own IDAT bytes; alpha, palette, transparency, interlace, not PNG give None."""
    rgb = _png(_stripes("RGB"))
    mode, data = idat_data(rgb)
    assert mode == "RGB"
    assert data == b"".join(body for kind, body in _chunks(rgb) if kind == b"IDAT")
    assert zlib.decompress(data)[:1] in (
        b"\x00",
        b"\x01",
        b"\x02",
        b"\x03",
        b"\x04",
    )  # a PNG filter byte per row
    assert idat_data(_png(_stripes("L")))[0] == "L"
    assert idat_data(_png(_stripes("RGB").convert("RGBA"))) is None
    assert idat_data(_png(_stripes("RGB").convert("P"))) is None
    assert idat_data(_png(_stripes("L"), transparency=0)) is None
    assert idat_data(_png(Image.new("I;16", (3, 3)))) is None
    interlaced = bytearray(rgb)
    interlaced[8 + 8 + 12] = 1  # IHDR's interlace method byte
    assert idat_data(bytes(interlaced)) is None
    assert idat_data(b"GIF89a...") is None


def test_an_opaque_chart_goes_into_the_pdf_as_it_is_and_shows_the_same_pixels():
    """The PDF's image stream is the PNG's IDAT data byte for byte, and decodes to the chart's pixels."""
    image = _stripes("RGB")
    png = _png(image, compress_level=1)
    xobject, shown = _pdf_image(_pdf_with(png))
    assert xobject._data == idat_data(png)[1]
    assert "/SMask" not in xobject
    assert shown.convert("RGB").tobytes() == image.tobytes()


def test_a_chart_with_transparency_still_takes_weasyprints_way():
    """An RGBA PNG is re-encoded by WeasyPrint (colour and alpha split) and still shows its colours."""
    image = _stripes("RGB").convert("RGBA")
    xobject, shown = _pdf_image(_pdf_with(_png(image)))
    assert "/SMask" in xobject  # the alpha channel split into a mask: WeasyPrint's own path
    assert shown.convert("RGB").tobytes() == image.convert("RGB").tobytes()


def test_a_chart_that_failed_to_draw_fails_the_render_naming_it():
    """A chart whose drawing process failed stops the PDF rather than leaving a gap where the chart was."""
    failed: Future = Future()
    failed.set_exception(RuntimeError("worker died"))
    chart = Chart(failed, alt="alt", title="Response rates by stage", key="broken")
    html = f'<html><body><img src="{chart.src}" alt="alt"></body></html>'
    with pytest.raises(FatalURLFetchingError, match="Response rates by stage"):
        HTML(string=html, url_fetcher=chart_fetcher([chart])).write_pdf()


def test_a_chart_still_being_drawn_is_waited_for():
    """A chart another process is still drawing when the render starts is waited for, and shown."""
    pending: Future = Future()
    image = _stripes("RGB")
    chart = Chart(pending, alt="alt", title="Later", key="later")
    finish = threading.Timer(0.3, pending.set_result, args=((_png(image), 0.01),))
    finish.start()
    pdf = HTML(
        string=f'<html><body><img src="{chart.src}" alt="alt"></body></html>',
        url_fetcher=chart_fetcher([chart]),
    ).write_pdf()
    finish.join()
    assert _pdf_image(pdf)[1].convert("RGB").tobytes() == image.tobytes()
