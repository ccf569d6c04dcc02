"""Put a chart's compressed PNG pixel data into the PDF as it is, instead of WeasyPrint decoding and re-encoding it.

WeasyPrint 70 embeds a PNG by opening it with Pillow, saving it again as PNG and copying the new file's
IDAT chunks into the PDF, as a FlateDecode stream with PNG predictors (`RasterImage._get_png_data`).
For an 8-bit, non-interlaced RGB or greyscale PNG without transparency, which is what
`rcs_pipeline.charts.style.figure_png` writes, the original IDAT chunks already are that stream: the
round trip gives the same pixels and costs about 20 ms a chart, a third of a council report's PDF
writing. Upstream left this open when it moved to PNG (Kozea/WeasyPrint#1481). Every other image
(alpha channels, palettes, 16-bit, interlaced, JPEG) takes WeasyPrint's own path unchanged.
"""

from __future__ import annotations

import io
import struct
from functools import cache
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
AS_IS_COLOUR_TYPES = {0: "L", 2: "RGB"}
"""PNG colour types whose pixel data a PDF image reads unchanged (greyscale, truecolour), by Pillow mode."""


def idat_data(png: bytes) -> tuple[str, bytes] | None:
    """The Pillow mode and the joined IDAT data of a PNG a PDF can take as it is; None for any other PNG."""
    if not png.startswith(PNG_SIGNATURE):
        return None
    mode, chunks, pos = None, [], len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            depth, colour, _, _, interlace = struct.unpack(">BBBBB", body[8:13])
            if depth != 8 or interlace or colour not in AS_IS_COLOUR_TYPES:
                return None
            mode = AS_IS_COLOUR_TYPES[colour]
        elif kind == b"tRNS":
            return None
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return (mode, b"".join(chunks)) if mode and chunks else None


@cache
def embed_png_data_as_is() -> None:
    """Make WeasyPrint copy the pixel data of PNGs that allow it (once per process; others as before)."""
    from weasyprint.images import RasterImage

    reencode = RasterImage._get_png_data

    def png_data(pillow_image: Any) -> bytes:
        """The PNG's own IDAT data when the PDF can take it as it is, else WeasyPrint's re-encoding."""
        source = getattr(pillow_image, "fp", None)
        if pillow_image.format == "PNG" and isinstance(source, io.BytesIO):
            found = idat_data(source.getvalue())
            if found is not None and found[0] == pillow_image.mode:
                return found[1]
        return reencode(pillow_image)

    RasterImage._get_png_data = staticmethod(png_data)
