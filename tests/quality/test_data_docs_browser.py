"""The Great Expectations Data Docs the pipeline writes open in a real browser (Debian Chromium, Playwright)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.paths import project_root
from rcs_pipeline.quality import run_suite
from rcs_pipeline.quality.docs import write_docs_index

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = project_root() / "test-artifacts" / "data_docs"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("great_expectations"),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (`make system-deps`) to run the browser test",
    ),
]


def _quality_folder(tmp_path: Path) -> Path:
    """A quality zone with one Data Docs site (a suite with one failing expectation) and the index page."""
    quality = tmp_path / "quality"
    suite = {
        "name": "school_roll",
        "expectations": [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "pupils", "min_value": 0}},
        ],
    }
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "school_roll.json").write_text(json.dumps(suite), encoding="utf-8")
    frame = pl.DataFrame({"pupils": [30, -2, 12]})
    docs = quality / "data_docs" / "landing" / "2015-16" / "S12000005"
    outcome = run_suite(frame, "school_roll", suites_dir=suites, docs_dir=docs)
    assert not outcome.success
    write_docs_index(quality)
    return quality


def test_data_docs_pages_fetch_nothing_from_the_internet(tmp_path: Path) -> None:
    """No page of the site loads a script or stylesheet from a CDN (offline they hold the page blank)."""
    quality = _quality_folder(tmp_path)
    pages = list((quality / "data_docs").rglob("*.html"))
    assert len(pages) >= 3  # site index, suite page, validation page
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*src=.https?://", text), page
        assert not re.search(r"<link[^>]*href=.https?://", text), page
        assert "<table" in text or "index" in page.name, page


def test_data_docs_index_opens_and_links_to_a_validation_in_chromium(tmp_path: Path) -> None:
    """The index lists the site and its validation; following it shows GX's page with the failed expectation."""
    from playwright.sync_api import expect, sync_playwright

    quality = _quality_folder(tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            # As on a machine without internet: any request leaving the file system fails at once.
            page.route(
                re.compile(r"^https?://"), lambda route: (requested.append(route.request.url), route.abort())
            )
            page.goto((quality / "index.html").as_uri())
            expect(page).to_have_title("RCS data quality")
            link = page.get_by_role("link", name="landing - 2015-16 - S12000005")
            expect(link).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "01_index.png"))
            validation = page.get_by_role("link", name="school_roll validation")
            expect(validation).to_be_visible()
            validation.click()
            # GX's validation page: the suite, the column and the failed expectation, with no network needed.
            expect(page.get_by_text("school_roll").first).to_be_visible()
            expect(page.get_by_text("pupils").first).to_be_visible()
            expect(page.get_by_text("values must be greater than or equal to 0").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "02_validation.png"), full_page=True)
            assert not [url for url in requested if url.endswith((".js", ".css"))], requested
        finally:
            browser.close()
