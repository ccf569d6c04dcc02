"""The services report's context: figures as printed, undefined costs in words, withheld need as [c]."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.investment import investment_by
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.report import report_context
from rcs_pipeline.services.tables import ServicesTables
from tests.services.landing import published_need
from tests.services.registers import make_evidence_costs, make_register


def _tables(register: pl.DataFrame, roll: int) -> ServicesTables:
    costs = make_evidence_costs(("Incredible Years", "family", "Early intervention", 1000.0))
    service, level = cost_per_participant(register), cost_by_level(register)
    need = published_need(
        {"sec_high_need_family": (30.0, 200, False), "pri_high_need_family": (None, None, True)}
    )
    return ServicesTables(
        investment_by(register, roll),
        service,
        level,
        compare_with_alternatives(service, level, costs),
        coordination_opportunities(register),
        spend_against_need(register, need),
    )


def test_context_prints_hand_worked_headlines_and_rows() -> None:
    register = make_register(
        {
            "service_name": "Parenting groups",
            "provider": "Council",
            "level": "Early intervention",
            "domain": "family",
            "annual_spend_gbp": 30_000.0,
            "participants": 20,
            "programme": "Incredible Years",
            "evidence_rating": "Evidence-based",
            "target_group": "Parents",
        },
        {
            "service_name": "Family support",
            "provider": "Charity",
            "level": "Early intervention",
            "domain": "family",
            "annual_spend_gbp": 10_000.0,
            "participants": 0,
            "target_group": "Parents",
        },
        {
            "service_name": "Residential care",
            "level": "Intensive",
            "domain": "family",
            "annual_spend_gbp": 1_960_000.0,
            "participants": 7,
        },
    )
    ctx = report_context(
        _tables(register, 4000), wave="2015-16", la_code="S12000005", cpp_name="Clackmannanshire"
    )
    assert dict(ctx["headlines"]) == {
        "Annual investment": "£2.0 million",
        "Per child on the school roll": "£500",
        "Universal, prevention and early intervention": "2%",
        "On evidence-based programmes": "2%",
        "With outcomes in the contract": "0%",
    }
    services = {r["name"]: r for r in ctx["services"]}
    assert services["Parenting groups"]["cost"] == "£1,500"
    assert services["Family support"]["cost"] == "not defined" and services["Family support"]["flagged"]
    assert services["Residential care"]["cost"] == "£280,000"
    comparison = {r["name"]: r for r in ctx["comparisons"]}
    assert comparison["Parenting groups"]["alternative"] == "Incredible Years (same programme)"
    assert (comparison["Parenting groups"]["ratio"], comparison["Parenting groups"]["reach"]) == (
        "1.5×",
        "30",
    )
    assert comparison["Family support"]["ratio"] == "[z]" and comparison["Family support"]["reach"] == "10"
    assert [g["target_group"] for g in ctx["coordination"]] == ["Parents"]
    family = next(r for r in ctx["need"] if r["label"] == "Family relationships")
    assert (family["share"], family["secondary"], family["primary"]) == ("100%", "30%", "[c]")
    assert any("1 service(s) reached nobody" in f for f in ctx["findings"])
    assert ctx["level_chart"].alt.startswith(
        "Bar chart: Annual spend by level of service. Universal: £0.0 million"
    )


def test_no_register_delivered_still_shows_need() -> None:
    ctx = report_context(
        _tables(make_register().head(0), 4000),
        wave="2015-16",
        la_code="S12000005",
        cpp_name="Clackmannanshire",
    )
    assert ctx["delivered"] is False and ctx["findings"] == [] and ctx["level_chart"] is None
    family = next(r for r in ctx["need"] if r["label"] == "Family relationships")
    assert family["secondary"] == "30%" and family["share"] == "[x]"


def test_spreadsheet_is_byte_identical_and_marks_symbols(tmp_path) -> None:
    import openpyxl

    from rcs_pipeline.services.workbook import write_services_workbook

    register = make_register({"domain": "family", "annual_spend_gbp": 500.0, "participants": 0})
    tables = _tables(register, 100)
    paths = [
        write_services_workbook(
            tables,
            tmp_path / f"{i}.xlsx",
            title="T",
            wave="2015-16",
            la_code="S12000005",
            cpp_name="Clackmannanshire",
            data_version="abc",
        )
        for i in range(2)
    ]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    book = openpyxl.load_workbook(paths[0], read_only=True)
    costs = list(book["Cost_per_participant"].values)
    assert costs[2][costs[1].index("cost_per_participant_gbp")] == "[z]"
    need = {row[0]: row for row in book["Spend_against_need"].values}
    header = need["domain"]
    assert need["family"][header.index("primary_high_need_percent")] == "[c]"
    assert need["family"][header.index("primary_n")] == "[c]"
    assert need["family"][header.index("secondary_high_need_percent")] == 30


def test_an_unchanged_report_is_found_and_a_changed_input_is_not(tmp_path) -> None:
    """services_report.json lets the asset skip a render of the same inputs; other inputs render again."""
    from rcs_pipeline.services.report import (
        RECORD,
        input_hash,
        render_services_report,
        unchanged_services_report,
    )

    register = make_register({"domain": "family", "annual_spend_gbp": 500.0, "participants": 4})
    tables = _tables(register, 100)
    names = {"wave": "2015-16", "la_code": "S12000005", "cpp_name": "Clackmannanshire"}
    assert unchanged_services_report(tmp_path, input_hash(tables, **names)) is None
    files = render_services_report(tables, tmp_path, **names)
    kept = unchanged_services_report(tmp_path, input_hash(tables, **names))
    assert kept == files and kept.pages >= 1
    more = _tables(make_register({"domain": "family", "annual_spend_gbp": 600.0, "participants": 4}), 100)
    assert input_hash(more, **names) != input_hash(tables, **names)
    assert unchanged_services_report(tmp_path, input_hash(more, **names)) is None
    assert unchanged_services_report(tmp_path, input_hash(tables, **{**names, "cpp_name": "Other"})) is None
    (tmp_path / "services_report.xlsx").unlink()  # a file gone: render again
    assert unchanged_services_report(tmp_path, input_hash(tables, **names)) is None
    assert (tmp_path / RECORD).exists()
