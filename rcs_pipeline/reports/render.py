"""Render a Jinja2 report template to a tagged, reproducible PDF/UA file with the shared stylesheet.

Every template extends `report_templates/base.html` (A4, running header with CPP and wave, page numbers,
contents) and is styled by `report_templates/report.css`. The Jinja environment, the stylesheet and the
font configuration are built once per process and reused, so a pool worker renders many reports
without re-parsing fonts or CSS.

Accessibility: every table header cell carries its /Scope (`rcs_pipeline.reports.pdf_structure`).

Reproducibility: the PDF's creation and modification dates come from `SOURCE_DATE_EPOCH` (the
reproducible-builds convention) or a fixed date, and its file identifier from `data_version`, so the
same inputs and code give byte-identical files.
"""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import Any

import jinja2

from rcs_pipeline.charts.style import Chart
from rcs_pipeline.frame_stack import reserved_frame_stack
from rcs_pipeline.paths import project_root, report_templates_dir
from rcs_pipeline.reports.blocks import macro_of
from rcs_pipeline.reports.pdf_structure import tag_table_headers
from rcs_pipeline.reports.png_embedding import embed_png_data_as_is

STYLESHEET = "report.css"
FIXED_EPOCH = 946684800
"""2000-01-01T00:00:00Z: the document date when SOURCE_DATE_EPOCH is not set, fixed so re-renders are identical."""


@cache
def template_environment() -> jinja2.Environment:
    """The Jinja2 environment over report_templates/ (autoescaped, strict about undefined names)."""
    from rcs_pipeline.reports.formatting import register_filters

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(report_templates_dir()),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    register_filters(env)
    env.globals["block_macro"] = macro_of
    env.globals["unprintable_block"] = unprintable_block
    return env


def unprintable_block(block: object) -> str:
    """Called by macros.html for a block it has no macro for: an error, never a silently missing block."""
    raise TypeError(f"report_templates/macros.html cannot print a {type(block).__name__} block")


@cache
def _fonts_and_stylesheet() -> tuple[Any, Any]:
    """One FontConfiguration and the parsed shared stylesheet, reused for every document of this process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = CSS(filename=str(report_templates_dir() / STYLESHEET), font_config=fonts)
    return fonts, css


def warm_up() -> None:
    """Build the environment, fonts and stylesheet now (a process-pool initializer)."""
    template_environment()
    _fonts_and_stylesheet()
    code_version()


@contextmanager
def garbage_collected_after() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector paused, then collect once.

    Laying out a report allocates hundreds of thousands of short-lived objects, so the collector would run
    every few hundred allocations, and each older-generation pass walks everything the process holds
    (fonts, tables, imported modules). With the collector paused everything the block allocates stays in
    the youngest generation, so one collection of that generation at the end frees the report's reference
    cycles without walking what the process held before (a Dagster run's whole heap, when the council report
    renders there): a fifth of a report's CPU time (docs/benchmarks.md). Used as a decorator on each
    report's render, so no garbage outlives its report.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect(0)  # the youngest generation: everything the block allocated, and nothing older


def freeze_long_lived() -> None:
    """Move everything this process holds now (imports, fonts, stylesheet) out of the collector's sight.

    For a render worker after `warm_up`: its collections then walk only what the reports allocate.
    """
    gc.collect()
    gc.freeze()


def code_version() -> str:
    """RCS_CODE_VERSION when set (a release build, or the soak's runs), else `git describe` of the project
    when it is a checkout, else the installed package version.

    The variable is read on every call: a cached answer outlived a change of the variable within one process
    (a test run's worker), and its reports then carried another code version than a fresh process's.
    """
    if pinned := os.environ.get("RCS_CODE_VERSION", "").strip():
        return pinned
    return _checkout_version()


@cache
def _checkout_version() -> str:
    """`git describe` of the project checkout, else the installed package version (asked once per process)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        if out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version("rcs-pipeline")
    except metadata.PackageNotFoundError:
        return "unknown"


def source_date_epoch() -> int:
    """Seconds since 1970 to stamp into documents: SOURCE_DATE_EPOCH when set, else FIXED_EPOCH."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(epoch) if epoch.isdigit() else FIXED_EPOCH


def document_date() -> str:
    """The W3C date stamped into every PDF's metadata."""
    return datetime.fromtimestamp(source_date_epoch(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH while fonts are subset: fontTools otherwise stamps the clock into each font."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def pdf_identifier(data_version: str, title: str) -> bytes:
    """The PDF file identifier: 16 bytes derived from the data version and title (never random)."""
    return hashlib.sha256(f"{data_version}\n{title}".encode()).hexdigest()[:32].encode()


def render_html(template: str, context: dict[str, Any], *, title: str, lang: str, data_version: str) -> str:
    """The HTML of one report: the template rendered with the context plus title, lang and versions."""
    env = template_environment()
    full = {
        "code_version": code_version(),
        "run_id": "",
        "running_header": title,
        "subtitle": "",
        **context,
        "title": title,
        "lang": lang,
        "data_version": data_version,
        "created": document_date(),
    }
    return env.get_template(template).render(full)


def chart_fetcher(charts: Iterable[Chart]) -> Any:
    """A WeasyPrint URL fetcher that serves the report's `chart:` URLs from memory and fails the render on any
    resource it cannot fetch (a report missing a chart is an error, not a warning in a log)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    by_src = {chart.src: chart for chart in charts}

    class ChartFetcher(URLFetcher):
        """Charts by reference; anything else as WeasyPrint fetches it."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            """The chart's PNG (waiting for it if another process is still drawing it), or WeasyPrint's fetch."""
            chart = by_src.get(url)
            if chart is None:
                return super().fetch(url, headers)
            try:
                png = chart.png()
            except Exception as error:
                raise FatalURLFetchingError(f"chart {chart.title!r} could not be drawn: {error}") from error
            return URLFetcherResponse(url, png, {"Content-Type": "image/png"})

    return ChartFetcher(fail_on_errors=True)


@reserved_frame_stack  # WeasyPrint's layout recursion: docs/benchmarks.md, "The frame stack"
def render_pdf_bytes(
    template: str,
    context: dict[str, Any],
    *,
    title: str,
    lang: str = "en-GB",
    data_version: str,
    charts: Iterable[Chart] = (),
) -> tuple[bytes, int]:
    """The PDF bytes of one report and its page count (tagged PDF/UA-1, title and language set).

    `charts` are the charts the template shows (by `Chart.src`); one still being drawn elsewhere is waited
    for when the layout reaches it, so its drawing overlaps the parsing and styling of the document.
    """
    from weasyprint import HTML

    fonts, css = _fonts_and_stylesheet()
    embed_png_data_as_is()
    tag_table_headers()
    html = render_html(template, context, title=title, lang=lang, data_version=data_version)
    document = HTML(
        string=html, base_url=str(report_templates_dir()), url_fetcher=chart_fetcher(charts)
    ).render(stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")
    with _fixed_font_timestamps():
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=pdf_identifier(data_version, title))
    return pdf, len(document.pages)
