"""Every table fits its page: no word of any report runs past the page edge (a column cut off is lost to readers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from tests.reports.pdf_checks import words_off_the_page
from tests.reports.test_trends import PLANTED, two_wave_council


@pytest.fixture(scope="module")
def two_waves_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every report of the two-wave sample council (trend chapters, change columns)."""
    out = tmp_path_factory.mktemp("page_fit")
    build_reports(two_wave_council(PLANTED)[0], out, ReportSettings(), pool=RENDER_POOLS.get(2))
    return out


def test_no_word_of_any_report_runs_off_the_page(tested_built, two_waves_built):
    """Council, cluster and school reports, with a comparator, tests and two waves, print inside the page."""
    pdfs = sorted(tested_built[0].rglob("*.pdf")) + sorted(two_waves_built.rglob("*.pdf"))
    assert len(pdfs) >= 6
    off = {p.name: words_off_the_page(p) for p in pdfs}
    assert {name: words[:5] for name, words in off.items() if words} == {}
