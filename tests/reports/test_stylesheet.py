"""The shared report stylesheet's page-break rules, on documents built so that a break must fall in a set place."""

from __future__ import annotations

import io

import pdfplumber
from weasyprint import HTML

from rcs_pipeline.reports.render import _fonts_and_stylesheet

BODY_MM = 297 - 24 - 22
"""Height of an A4 page's body between report.css's top and bottom margins (pages after the first: the
first is the cover, without margins)."""
COVER = "<div style='break-after: page'>Cover</div>"


def _pages_text(html: str) -> list[str]:
    """The text of each page of the HTML rendered with the report stylesheet."""
    fonts, css = _fonts_and_stylesheet()
    pdf = HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() or "" for page in document.pages]


def test_a_table_caption_goes_overleaf_with_its_table():
    """Room for a caption but not for the table's header row: the caption moves to the next page too.

    Without `break-after: avoid` on captions WeasyPrint leaves the caption alone at the page foot (half
    the school reports of a national wave had one).
    """
    rows = "".join(f"<tr><th scope='row'>Indicator {k}</th><td>{k}%</td></tr>" for k in range(12))
    html = (
        f"<html lang='en-GB'><body>{COVER}<main><div style='height: {BODY_MM - 14}mm'>Spacer</div>"
        "<table><caption>Indicators of the test school</caption>"
        "<thead><tr><th scope='col'>Indicator</th><th scope='col'>Test school</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></main></body></html>"
    )
    _, first, second, *_ = _pages_text(html)
    assert "Spacer" in first
    assert "Indicators of the test school" not in first
    assert "Indicators of the test school" in second and "Indicator 0" in second
