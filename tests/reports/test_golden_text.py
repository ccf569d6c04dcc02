"""The words and numbers of a council, a cluster and a school report stay as they were (golden text).

Two deterministic sources, rendered in full and read back as text:

- `tiny_seed7`: a council's published tables from a real run of the whole graph (`rcs synth --scale tiny
  --seed 7` then `rcs run`, 2026-12-04), kept under tests/fixtures/report_inputs/tiny_seed7/published and read
  with the reports' own loader (`load_published`); no comparison in it is significant.
- `tested`: the report tests' tested council (tests/reports/conftest.py), whose made-up comparisons are
  significant of every kind, so its key findings and claims are covered too.

For each, the PDF text (pypdf, page by page) and every spreadsheet cell (sheet, cell, type, value) of the
council report, its first cluster and its first school report are compared with
tests/fixtures/report_text/<source>/<report>.txt. When a change of wording or layout is intended, regenerate
them with `RCS_UPDATE_GOLDEN=1 .venv/bin/pytest -p no:xdist tests/reports/test_golden_text.py`, read
`git diff tests/fixtures/report_text` and say every difference in the commit message.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import PublishedTables, load_published
from tests.reports import conftest as report_fixtures

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = FIXTURES / "report_text"
TINY_HOME = FIXTURES / "report_inputs" / "tiny_seed7"
UPDATE = os.environ.get("RCS_UPDATE_GOLDEN") == "1"


def tiny_seed7() -> PublishedTables:
    """The published tables of Clackmannanshire, 2015-16, from the real tiny run (seed 7)."""
    return load_published(RcsHome(TINY_HOME), "2015-16", "S12000005")


SOURCES = {"tiny_seed7": tiny_seed7, "tested": report_fixtures.tested_council}


def pdf_text(path: Path) -> str:
    """The text of every page, each headed by its number."""
    pages = PdfReader(path).pages
    return "".join(f"=== page {k} ===\n{page.extract_text() or ''}\n" for k, page in enumerate(pages, 1))


def workbook_text(path: Path) -> str:
    """Every non-empty cell of every sheet as `sheet!A1 type value` (a number stays told apart from text)."""
    book = openpyxl.load_workbook(path)
    lines = []
    for sheet in book.worksheets:
        lines.append(f"=== sheet {sheet.title} ===")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(f"{cell.coordinate} {type(cell.value).__name__} {cell.value!r}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module", params=sorted(SOURCES))
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Every report of one source rendered in this process under a pinned code version."""
    name = request.param
    out = tmp_path_factory.mktemp(f"golden_{name}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RCS_CODE_VERSION", "golden")
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        build_reports(SOURCES[name](), out, ReportSettings(run_id=""))
    return name, out


def chosen(out: Path) -> dict[str, str]:
    """The council report, the first cluster and the first school report of a folder (contents.json order)."""
    reports = json.loads((out / "contents.json").read_text(encoding="utf-8"))["reports"]
    picked = {}
    for kind in ("council", "cluster", "school"):
        entry = next(r for r in reports if r["kind"] == kind)
        picked[kind] = entry["pdf"].removesuffix(".pdf")
    return picked


def test_report_text_is_unchanged(rendered: tuple[str, Path]) -> None:
    """PDF text and spreadsheet cells of the three reports equal the golden files (or rewrite them)."""
    name, out = rendered
    differences = []
    for kind, stem in chosen(out).items():
        text = pdf_text(out / f"{stem}.pdf") + workbook_text(out / f"{stem}.xlsx")
        golden = GOLDEN / name / f"{kind}.txt"
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
            continue
        want = golden.read_text(encoding="utf-8")
        (out / f"{kind}.txt").write_text(text, encoding="utf-8")  # for a whole diff by hand
        if text != want:
            diff = difflib.unified_diff(want.splitlines(), text.splitlines(), str(golden), "now", lineterm="")
            differences.append(f"(all of it: {out / kind}.txt)\n" + "\n".join(list(diff)[:60]))
    assert not differences, "report text changed (RCS_UPDATE_GOLDEN=1 to accept):\n" + "\n\n".join(
        differences
    )
