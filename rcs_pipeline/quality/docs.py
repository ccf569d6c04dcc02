"""The front page of the quality folder: every Great Expectations Data Docs site and validation the checks wrote.

GX's own site index fills its table with JavaScript fetched from public CDNs, so on a machine without
internet access (where children's data should be) it shows an empty list. This page is plain HTML and
links each site's validation result pages directly; those render their results without the network.
`strip_network_assets` removes the pages' CDN scripts and stylesheets: offline, a browser would otherwise
wait on each of them before drawing the page (long enough that the page looks blank).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from rcs_pipeline.storage import write_bytes_atomic

_NETWORK_ASSET = re.compile(
    r"""<script[^>]*\ssrc=["']https?://[^>]*>\s*</script>|<link[^>]*\shref=["']https?://[^>]*>""",
    re.IGNORECASE,
)


def strip_network_assets(docs_dir: Path) -> int:
    """Remove every script and stylesheet fetched from the internet from the Data Docs pages; pages changed."""
    changed = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        local = _NETWORK_ASSET.sub("", text)
        if local != text:
            write_bytes_atomic(page, local.encode("utf-8"))
            changed += 1
    return changed


def _link(target: Path, root: Path, text: str) -> str:
    """One list item linking `target` (relative to `root`)."""
    return f'<a href="{html.escape(target.relative_to(root).as_posix())}">{html.escape(text)}</a>'


def _site_item(site: Path, root: Path) -> str:
    """A site's list item: its index, then the latest validation page of each suite."""
    name = f"{site.parent.parent.parent.name} - {site.parent.parent.name} - {site.parent.name}"
    latest = {}
    for page in sorted((site.parent / "validations").glob("*/*/*/*.html")):
        latest[page.parents[2].name] = page  # runs sort by their timestamp folder: the last is the newest
    pages = "".join(
        f"<li>{_link(p, root, f'{suite} validation')}</li>" for suite, p in sorted(latest.items())
    )
    return f"<li>{_link(site, root, name)}<ul>{pages}</ul></li>"


def write_docs_index(quality_dir: Path) -> Path:
    """Write `quality_dir/index.html` linking every Data Docs site under `quality_dir/data_docs/<table>/<wave>/<la>/`."""
    sites = sorted(p for p in (quality_dir / "data_docs").glob("*/*/*/index.html"))
    rows = "\n".join(_site_item(p, quality_dir) for p in sites)
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>RCS data quality</title></head>\n'
        "<body><h1>RCS data quality: Great Expectations Data Docs</h1>\n"
        f"<p>One site per table, wave and council ({len(sites)} sites), with the latest validation of each "
        f"suite.</p>\n<ul>\n{rows}\n</ul></body></html>\n"
    )
    return write_bytes_atomic(quality_dir / "index.html", page.encode("utf-8"))
