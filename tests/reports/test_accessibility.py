"""Accessible reports: every table header cell tied to its data cells (PDF/UA-1 7.5), checked from outside too.

The PDFs are checked by `pdfua`, an outside checker of the machine-checkable part of PDF/UA-1; it decides only
some of the profile's rules, and the rules it could not evaluate are printed with every run so that nobody
takes its pass for a full conformance check (docs/methods/reports.md).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pikepdf
import pytest
import xlsxwriter
from openpyxl.utils import range_boundaries
from pdfua import default_registry, validate
from pdfua.catalog import coverage, unchecked_rules
from pdfua.model import Report, Severity
from weasyprint import HTML

from rcs_pipeline.paths import report_templates_dir
from rcs_pipeline.reports.build import BuildSummary
from rcs_pipeline.reports.pdf_structure import id_tree_names, pdf_scope, tag_table_headers
from rcs_pipeline.reports.spreadsheet import add_header_table, table_name
from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.investment import investment_by
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.report import ServicesReportFiles, render_services_report
from rcs_pipeline.services.tables import ServicesTables
from rcs_pipeline.services.workbook import NOTES, SHEETS
from tests.services.landing import published_need
from tests.services.registers import make_evidence_costs, make_register

pytestmark = pytest.mark.xdist_group("reports")

TABLE_HEADER_RULE = "UA-15-003"
KNOWN_UNRUNNABLE = {"UA-14-001"}
"""pdfua 0.1.3's empty-heading rule raises on any heading whose /K is an array (its `as_integer` asks
pikepdf 10 for an attribute of an array, which raises ValueError, not AttributeError), so it is skipped on
every report; `test_every_heading_marks_content` checks the same thing here."""


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element of a tagged PDF, parents before children, in document order."""
    found: list[pikepdf.Dictionary] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/MCR":
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def children(element: pikepdf.Dictionary, role: str) -> list[pikepdf.Dictionary]:
    """The direct child structure elements of `element` with structure type `role`."""
    kids = element.get("/K", pikepdf.Array())
    kids = kids if isinstance(kids, pikepdf.Array) else pikepdf.Array([kids])
    return [k for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/S") == role]


def scope(cell: pikepdf.Dictionary) -> str | None:
    """The /Scope of a table cell's table attributes, or None."""
    attributes = cell.get("/A")
    return str(attributes["/Scope"]) if attributes is not None and "/Scope" in attributes else None


def id_tree(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Dictionary]:
    """The structure tree root's /IDTree as ID → structure element (a flat name tree)."""
    names = pdf.Root.StructTreeRoot.IDTree.Names
    keys = [str(names[i]) for i in range(0, len(names), 2)]
    assert keys == sorted(keys), "a name tree's keys are in sorted order"
    return {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}


# ---- the PDF structure: hand-made tables through WeasyPrint ------------------------------------------------


def test_pdf_scope_of_each_html_scope() -> None:
    """row/rowgroup → Row; col/colgroup, none or unknown → Column (as WeasyPrint's /Headers assume)."""
    assert [pdf_scope(s) for s in ("row", "ROWGROUP", " col ", "colgroup", None, "", "auto")] == [
        "/Row",
        "/Row",
        "/Column",
        "/Column",
        "/Column",
        "/Column",
        "/Column",
    ]


HAND_MADE = """<html lang="en-GB"><head><title>Hand-made</title></head><body>
<table><caption>Two indicators</caption>
<thead><tr><th scope="col">Indicator</th><th scope="col">Council</th><th>Scotland</th></tr></thead>
<tbody>
<tr><th scope="row">Happy</th><td>71%</td><td>70%</td></tr>
<tr><th scope="rowgroup">Bullied</th><td>[c]</td><td>12%</td></tr>
</tbody></table>
<table><caption>Second table</caption><thead><tr><th scope="colgroup">Symbol</th></tr></thead>
<tbody><tr><td>[c]</td></tr></tbody></table>
</body></html>"""


@pytest.fixture(scope="module")
def hand_made_pdf() -> pikepdf.Pdf:
    """The hand-made tables as a tagged PDF/UA-1 file, written with the header-cell patch."""
    tag_table_headers()
    return pikepdf.open(io.BytesIO(HTML(string=HAND_MADE).write_pdf(pdf_variant="pdf/ua-1")))


def test_header_cells_carry_the_scope_of_their_html(hand_made_pdf: pikepdf.Pdf) -> None:
    """Each /TH has /A << /O /Table /Scope … >> from its `<th scope>`; /TD cells get no /Scope."""
    cells = [e for e in structure_elements(hand_made_pdf) if e.S in ("/TH", "/TD")]
    assert [(str(c.S), scope(c)) for c in cells] == [
        ("/TH", "/Column"),
        ("/TH", "/Column"),
        ("/TH", "/Column"),
        ("/TH", "/Row"),
        ("/TD", None),
        ("/TD", None),
        ("/TH", "/Row"),
        ("/TD", None),
        ("/TD", None),
        ("/TH", "/Column"),
        ("/TD", None),
    ]
    assert all(c.A.O == "/Table" for c in cells)


def test_data_cells_headers_resolve_through_the_id_tree(hand_made_pdf: pikepdf.Pdf) -> None:
    """Every /Headers entry of a /TD names, through the /IDTree, a /TH of the same table: its row, then column."""
    ids = id_tree(hand_made_pdf)
    headers = [e for e in structure_elements(hand_made_pdf) if e.S == "/TH"]
    assert sorted(ids) == sorted(str(h.ID) for h in headers)
    assert all(ids[str(h.ID)].objgen == h.objgen for h in headers)
    first_data_cell = next(e for e in structure_elements(hand_made_pdf) if e.S == "/TD")
    named = [ids[str(key)] for key in first_data_cell.A.Headers]
    assert [(scope(h), h.objgen) for h in named] == [
        ("/Row", headers[3].objgen),
        ("/Column", headers[1].objgen),
    ]


def test_id_tree_refuses_two_elements_with_one_id() -> None:
    """A repeated /ID would make /Headers ambiguous: the render fails rather than guess."""
    import pydyf

    one, two = (
        pydyf.Dictionary({"Type": "/StructElem", "S": "/TH", "ID": pydyf.String("7-0-0")}) for _ in "ab"
    )
    assert [key for key, _ in id_tree_names([one])] == ["7-0-0"]
    with pytest.raises(ValueError, match="same /ID '7-0-0'"):
        id_tree_names([one, two])


def test_every_template_header_cell_says_its_scope() -> None:
    """Every `<th>` in report_templates/ says scope row or col (the two WeasyPrint's /Headers know), and no body
    row starts with a `<td>` (row headers are TH)."""
    for template in sorted(report_templates_dir().glob("*.html")):
        text = template.read_text(encoding="utf-8")
        cells = [m.group(0) for m in re.finditer(r"<th(?![a-z])[^>]*>", text)]
        unscoped = [c for c in cells if not re.search(r'scope="(row|col)"', c)]
        assert not unscoped, f"{template.name}: header cells without scope row or col: {unscoped}"
        assert not re.search(r"<tr[^>]*>\s*<td", text), f"{template.name}: a body row starts with a data cell"


# ---- the reports: one of each kind, checked from inside and by the outside checker ------------------------


def services_tables() -> ServicesTables:
    """A small register whose services report has every table: levels, providers, a comparison, a group, need."""
    register = make_register(
        {"service_name": "Parenting groups", "provider": "Council", "level": "Early intervention",
         "annual_spend_gbp": 30_000.0, "participants": 20, "programme": "Incredible Years",
         "evidence_rating": "Evidence-based", "target_group": "Parents"},
        {"service_name": "Family support", "provider": "Charity", "provider_type": "Third sector",
         "level": "Early intervention", "annual_spend_gbp": 10_000.0, "participants": 0, "target_group": "Parents"},
        {"service_name": "Youth work", "provider": "Council", "level": "Universal", "domain": "peers",
         "annual_spend_gbp": 50_000.0, "participants": 300, "funding_department": "Education"},
        {"service_name": "Residential care", "level": "Intensive", "annual_spend_gbp": 1_960_000.0,
         "participants": 7},
    )  # fmt: skip
    costs = make_evidence_costs(("Incredible Years", "family", "Early intervention", 1000.0))
    service, level = cost_per_participant(register), cost_by_level(register)
    need = published_need(
        {"sec_high_need_family": (30.0, 200, False), "pri_high_need_family": (None, None, True)}
    )
    return ServicesTables(
        investment_by(register, 4000), service, level, compare_with_alternatives(service, level, costs),
        coordination_opportunities(register), spend_against_need(register, need),
    )  # fmt: skip


@pytest.fixture(scope="module")
def services_report(tmp_path_factory: pytest.TempPathFactory) -> ServicesReportFiles:
    """The services report (PDF and spreadsheet) of the small register."""
    folder = tmp_path_factory.mktemp("services")
    return render_services_report(services_tables(), folder, wave="2015-16", la_code="S12000005",
                                  cpp_name="Clackmannanshire")  # fmt: skip


@pytest.fixture(scope="module")
def one_of_each(built: tuple[Path, BuildSummary], services_report: ServicesReportFiles) -> dict[str, Path]:
    """One council, cluster, school and services report PDF."""
    out, summary = built
    first = {}
    for entry in summary.produced:
        first.setdefault(entry["kind"], out / entry["pdf"])
    assert {"council", "cluster", "school"} <= set(first), f"the small council built only {sorted(first)}"
    return {kind: first[kind] for kind in ("council", "cluster", "school")} | {
        "services": services_report.pdf
    }


def test_every_header_cell_has_a_scope_and_every_body_row_a_row_header(one_of_each: dict[str, Path]) -> None:
    """In each kind of report: every /TH has /Scope; every body row opens with a /TH of /Row scope."""
    for kind, path in one_of_each.items():
        with pikepdf.open(path) as pdf:
            elements = structure_elements(pdf)
            headers = [e for e in elements if e.S == "/TH"]
            assert headers, f"{kind}: no header cells"
            assert [scope(h) for h in headers if scope(h) not in ("/Row", "/Column")] == [], kind
            rows = [row for body in (e for e in elements if e.S == "/TBody") for row in children(body, "/TR")]
            assert rows, f"{kind}: no table bodies"
            firsts = [
                next(k for k in row.K if isinstance(k, pikepdf.Dictionary) and k.get("/S") in ("/TH", "/TD"))
                for row in rows
            ]
            assert [(str(c.S), scope(c)) for c in firsts if (str(c.S), scope(c)) != ("/TH", "/Row")] == [], (
                kind
            )
            ids = id_tree(pdf)
            assert len(ids) == len(headers), f"{kind}: the /IDTree names every header cell once"
            unresolved = [
                str(key)
                for e in elements
                if e.S == "/TD"
                for key in e.A.get("/Headers", [])
                if str(key) not in ids
            ]
            assert unresolved == [], kind


def marks_content(node: object) -> bool:
    """True when a structure element or one of its descendants reaches a marked-content item (an MCID)."""
    if isinstance(node, int):
        return True
    if isinstance(node, pikepdf.Array):
        return any(marks_content(child) for child in node)
    if isinstance(node, pikepdf.Dictionary):
        return node.get("/Type") == "/MCR" or marks_content(node.get("/K"))
    return False


def test_every_heading_marks_content(one_of_each: dict[str, Path]) -> None:
    """No empty /H1–/H6 in any kind of report (PDF/UA-1 7.4, the rule pdfua cannot run on these files)."""
    for kind, path in one_of_each.items():
        with pikepdf.open(path) as pdf:
            headings = [e for e in structure_elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
            assert headings, f"{kind}: no headings"
            assert [str(h.S) for h in headings if not marks_content(h)] == [], kind


def unevaluated(report: Report) -> list[str]:
    """The PDF/UA-1 rules (clause-test) the checker did not evaluate on a file: never implemented, or skipped."""
    covers = {rule.id: rule.covers for rule in default_registry()}
    skipped = [
        f"{i} ({o.rule_id} skipped: {o.skipped_reason})" for o in report.skipped for i in covers[o.rule_id]
    ]
    return skipped + [f"{rule['clause']}-{rule['test']}" for rule in unchecked_rules()]


def test_outside_pdfua_checker_finds_no_error_and_no_table_header_warning(
    one_of_each: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """pdfua over one report of each kind: no error, no UA-15-003; the rules it could not evaluate are listed."""
    results = {kind: validate(str(path)) for kind, path in one_of_each.items()}
    with capsys.disabled():
        print(f"\npdfua checks {coverage().summary()}; a pass says nothing of the others.")
        for kind, report in results.items():
            findings = [f"{f.rule_id} {f.severity.name}: {f.message}" for f in report.findings]
            print(f"{kind} report: {len(findings)} finding(s) {findings}")
        for kind, report in results.items():
            rules = unevaluated(report)
            print(f"{kind} report: {len(rules)} PDF/UA-1 rules not evaluated: {', '.join(rules)}")
    for kind, report in results.items():
        assert [f.message for f in report.findings if f.severity == Severity.ERROR] == [], kind
        assert [f.message for f in report.findings if f.rule_id == TABLE_HEADER_RULE] == [], kind
        skipped = {o.rule_id for o in report.skipped}
        assert skipped <= KNOWN_UNRUNNABLE, f"{kind}: pdfua could not run {sorted(skipped)}"


def test_the_checker_sees_the_unpatched_table_warning(tmp_path: Path) -> None:
    """The checker is not blind: a WeasyPrint table without /Scope still gets UA-15-003 (a test that can fail)."""
    tag_table_headers()
    pdf = pikepdf.open(io.BytesIO(HTML(string=HAND_MADE).write_pdf(pdf_variant="pdf/ua-1")))
    headers = [element for element in structure_elements(pdf) if element.S == "/TH"]
    for element in headers:
        del element.A["/Scope"]
    assert len(headers) == 6
    path = tmp_path / "unscoped.pdf"
    pdf.save(path)
    assert [f.rule_id for f in validate(str(path)).findings if f.rule_id == TABLE_HEADER_RULE]


# ---- the spreadsheets: every header row is the header row of a named Excel table ------------------------


def header_tables(path: Path) -> dict[str, list[tuple[str, list[str], int]]]:
    """Per sheet: (table name, the header row's cell values, data rows) of each Excel table, read with openpyxl."""
    book = openpyxl.load_workbook(path)
    out: dict[str, list[tuple[str, list[str], int]]] = {}
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            assert table.headerRowCount in (None, 1), f"{sheet.title}: {table.name} has no header row"
            (first_col, first_row, last_col, last_row) = range_boundaries(table.ref)
            header = [sheet.cell(first_row, c).value for c in range(first_col, last_col + 1)]
            assert header == [c.name for c in table.tableColumns], f"{sheet.title}: {table.name}"
            out.setdefault(sheet.title, []).append((table.displayName, header, last_row - first_row))
    return out


def assert_named_header_tables(
    path: Path, data_sheets: list[str]
) -> dict[str, list[tuple[str, list[str], int]]]:
    """Notes and every data sheet hold exactly one table with a header row; names are unique and meaningful."""
    tables = header_tables(path)
    assert "Cover" not in tables
    for sheet in ["Notes", *data_sheets]:
        assert len(tables.get(sheet, [])) == 1, f"{path.name}: sheet {sheet} has tables {tables.get(sheet)}"
        name, header, rows = tables[sheet][0]
        assert all(isinstance(h, str) and h for h in header), f"{sheet}: header {header}"
        assert rows >= 1 and not re.fullmatch(r"Table\d+", name), f"{sheet}: table {name}"
    names = [name.lower() for found in tables.values() for name, _, _ in found]
    assert len(names) == len(set(names))
    return tables


def test_report_spreadsheets_mark_every_header_row_as_a_named_table(built: tuple[Path, BuildSummary]) -> None:
    """Council, cluster and school spreadsheets: notes and each data sheet are Excel tables with a header row."""
    out, summary = built
    kinds = set()
    for entry in summary.produced:
        if entry["kind"] in kinds:
            continue
        kinds.add(entry["kind"])
        path = out / entry["xlsx"]
        sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
        tables = assert_named_header_tables(path, sheets[2:])
        assert tables["Notes"][0][1] == ["Symbol or note", "Meaning"]
        first = tables[sheets[2]][0]
        assert first[0] == table_name(sheets[2]) and first[0].startswith("T1_"), first
    assert kinds == {"council", "cluster", "school"}


def test_services_spreadsheet_marks_every_header_row_as_a_named_table(
    services_report: ServicesReportFiles,
) -> None:
    """Services spreadsheet: notes and its six data sheets are named Excel tables over the tables' columns."""
    tables = assert_named_header_tables(services_report.xlsx, [sheet for _, sheet, _ in SHEETS])
    frames = services_tables().as_dict()
    for frame_name, sheet, _ in SHEETS:
        name, header, rows = tables[sheet][0]
        assert (name, header, rows) == (sheet, frames[frame_name].columns, max(frames[frame_name].height, 1))
    assert tables["Notes"][0] == ("Notes", ["Term or symbol", "Meaning"], len(NOTES))


def test_table_names_are_meaningful_and_never_a_cell_reference() -> None:
    """Sheet names become table names Excel accepts: words joined by _, a prefix where it would read as a cell."""
    assert table_name("T3 Life satisfaction (SWEMWBS) – by sex") == "T3_Life_satisfaction_SWEMWBS_by_sex"
    assert [table_name(n) for n in ("Cost_by_level", "A1", "r1c1", "R", "2015 wave", "XFD9")] == [
        "Cost_by_level",
        "Table_A1",
        "Table_r1c1",
        "Table_R",
        "Table_2015_wave",
        "Table_XFD9",
    ]


def test_a_table_xlsxwriter_refuses_fails_the_spreadsheet() -> None:
    """A table name Excel would not open raises instead of xlsxwriter's warning and a sheet without a table."""
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    sheet = book.add_worksheet("S")
    with (
        pytest.warns(UserWarning, match="cell name"),
        pytest.raises(ValueError, match="table 'A1' could not be"),
    ):
        add_header_table(sheet, 0, ["x"], 1, "A1")
