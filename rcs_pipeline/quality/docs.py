"""The front page of the quality folder: one link per Great Expectations Data Docs site written by the checks."""

from __future__ import annotations

import html
from pathlib import Path

from rcs_pipeline.storage import write_bytes_atomic


def write_docs_index(quality_dir: Path) -> Path:
    """Write `quality_dir/index.html` linking every Data Docs site under `quality_dir/data_docs/<table>/<wave>/<la>/`."""
    sites = sorted(p for p in (quality_dir / "data_docs").glob("*/*/*/index.html"))
    rows = "\n".join(
        f'<li><a href="{html.escape(str(p.relative_to(quality_dir)))}">{html.escape(p.parent.parent.parent.name)}'
        f" - {html.escape(p.parent.parent.name)} - {html.escape(p.parent.name)}</a></li>"
        for p in sites
    )
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>RCS data quality</title></head>\n'
        "<body><h1>RCS data quality: Great Expectations Data Docs</h1>\n"
        f"<p>One site per table, wave and council ({len(sites)} sites).</p>\n<ul>\n{rows}\n</ul></body></html>\n"
    )
    return write_bytes_atomic(quality_dir / "index.html", page.encode("utf-8"))
