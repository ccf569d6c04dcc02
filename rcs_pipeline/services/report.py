"""The services-mapping report of one CPP and wave: context for `report_templates/services_report.html`,
rendered to a tagged PDF with the shared report style, and its tables in a spreadsheet beside it.

It reads only services-zone tables (which hold the register's figures and the published need figures).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from rcs_pipeline.services import display as show
from rcs_pipeline.services.charts import spend_against_need_chart, spend_by_level_chart
from rcs_pipeline.services.codes import labels
from rcs_pipeline.services.investment import InvestmentHeadlines, investment_headlines
from rcs_pipeline.services.tables import ServicesTables
from rcs_pipeline.services.workbook import write_services_workbook

TEMPLATE = "services_report.html"
RECORD = "services_report.json"  # the inputs' hash of the report in the folder (skip an unchanged render)
SERIES = "Children\u2019s services mapping"

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("investment", "Where the money goes"),
    ("costs", "Cost per participant"),
    ("alternatives", "Evidence-based alternatives"),
    ("coordination", "Coordination opportunities"),
    ("need", "Spend against need"),
    ("notes", "About these figures"),
)


@dataclass(frozen=True)
class ServicesReportFiles:
    """What rendering produced: the PDF, the spreadsheet, the data version and the PDF's page count."""

    pdf: Path
    xlsx: Path
    data_version: str
    pages: int


def _breakdown_rows(investment: pl.DataFrame, breakdown: str) -> list[dict[str, str]]:
    """Printed rows of one investment breakdown."""
    return [
        {
            "label": r["label"],
            "services": show.count(r["services"]),
            "spend": show.gbp(r["annual_spend_gbp"]),
            "share": show.percent(r["share_of_spend"]),
            "per_child": show.gbp(r["spend_per_child_gbp"]),
            "participants": show.count(r["participants"]),
        }
        for r in investment.filter(pl.col("breakdown") == breakdown).iter_rows(named=True)
    ]


def _need_gap_finding(need: pl.DataFrame) -> str | None:
    """A sentence on the domain whose published high-need share most exceeds its share of spend, if any does.

    Only published (unsuppressed) secondary figures count; when no domain's need share exceeds its spend
    share there is no such finding (naming the smallest shortfall would read as a gap that is not there).
    """
    published = need.filter(pl.col("secondary_symbol").is_null() & pl.col("share_of_spend").is_not_null())
    gaps = published.with_columns(
        (pl.col("secondary_high_need_percent") - pl.col("share_of_spend") * 100).alias("gap")
    ).filter(pl.col("gap") > 0)
    if gaps.is_empty():
        return None
    gap = gaps.sort("gap", "domain", descending=[True, False]).row(0, named=True)
    return (
        f"{gap['label']} services take {show.percent(gap['share_of_spend'])} of spend, while "
        f"{show.half_up(gap['secondary_high_need_percent']):d}% of secondary pupils have high need in this domain."
    )


def key_findings(h: InvestmentHeadlines, tables: ServicesTables) -> list[str]:
    """The summary's plain-language findings, written from the figures."""
    findings = [
        f"The partners spend {show.gbp_compact(h.total_spend_gbp)} a year on {h.services} children\u2019s services: "
        f"{show.gbp(h.spend_per_child_gbp)} for each of the {show.count(h.roll_total)} children on the school roll.",
        f"{show.percent(h.prevention_share)} of spend goes to universal, prevention and early intervention "
        f"services and {show.percent(h.targeted_intensive_share)} to targeted and intensive services.",
        f"{show.percent(h.evidence_based_share)} of spend is on evidence-based programmes, and "
        f"{show.percent(h.outcomes_in_contract_share)} is on services with outcomes written into the contract.",
    ]
    coordination = tables.services_coordination
    if coordination.height:
        groups = coordination.unique("group_id")
        findings.append(
            f"{groups.height} groups of services run by different providers or departments work with the same "
            f"target group at the same level ({show.gbp_compact(groups['group_spend_gbp'].sum())} in all): "
            "each is a chance to plan and commission together."
        )
    if h.services_without_participants:
        findings.append(
            f"{h.services_without_participants} service(s) reached nobody in the year, so their cost per participant "
            "is not defined; their spend is shown separately."
        )
    gap = _need_gap_finding(tables.services_spend_against_need)
    if gap:
        findings.append(gap)
    return findings


def _service_rows(costs: pl.DataFrame) -> list[dict[str, Any]]:
    """Printed rows of the per-service cost table."""
    domains = labels("domains")
    return [
        {
            "name": r["service_name"],
            "provider": r["provider"],
            "level": r["level"],
            "domain": domains[r["domain"]],
            "spend": show.gbp(r["annual_spend_gbp"]),
            "participants": show.count(r["participants"]),
            "cost": show.cost(r["cost_per_participant_gbp"], r["cost_flag"]),
            "flagged": r["cost_flag"] is not None,
        }
        for r in costs.iter_rows(named=True)
    ]


def _level_rows(levels: pl.DataFrame) -> list[dict[str, Any]]:
    """Printed rows of the level cost table (level totals only)."""
    return [
        {
            "level": r["level"],
            "services": show.count(r["services"]),
            "spend": show.gbp(r["annual_spend_gbp"]),
            "participants": show.count(r["participants"]),
            "cost": show.cost(r["cost_per_participant_gbp"], r["cost_flag"]),
            "without": show.gbp(r["spend_without_participants_gbp"])
            if r["services_without_participants"]
            else "\u2013",
        }
        for r in levels.filter(pl.col("domain") == "all").iter_rows(named=True)
    ]


def _comparison_rows(comparison: pl.DataFrame) -> list[dict[str, Any]]:
    """Printed rows: each service beside each evidence-based alternative of its domain and level."""
    rows = comparison.filter((pl.col("scope") == "service") & pl.col("alternative_programme").is_not_null())
    return [
        {
            "name": r["service_name"],
            "provider": r["provider"],
            "level": r["level"],
            "cost": show.cost(r["cost_per_participant_gbp"], r["cost_flag"]),
            "alternative": r["alternative_programme"] + (" (same programme)" if r["same_programme"] else ""),
            "alternative_cost": show.gbp(r["alternative_cost_gbp"]),
            "difference": show.SYMBOL_NOT_APPLICABLE
            if r["difference_gbp"] is None
            else show.gbp(r["difference_gbp"]),
            "ratio": show.ratio(r["ratio"]),
            "participants": show.count(r["participants"]),
            "reach": show.count(r["participants_at_alternative_cost"]),
        }
        for r in rows.iter_rows(named=True)
    ]


def _coordination_groups(coordination: pl.DataFrame) -> list[dict[str, Any]]:
    """Printed overlap groups, each with its services."""
    domains = labels("domains")
    groups = []
    for (group_id,), members in coordination.group_by("group_id", maintain_order=True):
        first = members.row(0, named=True)
        groups.append(
            {
                "number": group_id,
                "domain": domains[first["domain"]],
                "level": first["level"],
                "target_group": first["target_group"],
                "spend": show.gbp(first["group_spend_gbp"]),
                "participants": show.count(first["group_participants"]),
                "services": [
                    {
                        "name": m["service_name"],
                        "provider": m["provider"],
                        "department": m["funding_department"],
                        "spend": show.gbp(m["annual_spend_gbp"]),
                        "participants": show.count(m["participants"]),
                    }
                    for m in members.iter_rows(named=True)
                ],
            }
        )
    return groups


def _need_rows(need: pl.DataFrame) -> list[dict[str, str]]:
    """Printed rows of spend against need."""
    return [
        {
            "label": r["label"],
            "services": show.count(r["services"]),
            "spend": show.gbp(r["annual_spend_gbp"]),
            "share": show.percent(r["share_of_spend"]),
            "secondary": show.published_percent(r["secondary_high_need_percent"], r["secondary_symbol"]),
            "secondary_n": show.count(r["secondary_n"]) if r["secondary_n"] is not None else "",
            "primary": show.published_percent(r["primary_high_need_percent"], r["primary_symbol"]),
            "primary_n": show.count(r["primary_n"]) if r["primary_n"] is not None else "",
        }
        for r in need.iter_rows(named=True)
    ]


def report_context(
    tables: ServicesTables, *, wave: str, la_code: str, cpp_name: str, run_id: str = ""
) -> dict[str, Any]:
    """Everything the services template prints, as display strings and charts (no statistics in the template)."""
    h = investment_headlines(tables.services_investment)
    delivered = h.services > 0
    investment = tables.services_investment
    return {
        "series": SERIES,
        "cpp_name": cpp_name,
        "la_code": la_code,
        "wave": wave,
        "run_id": run_id,
        "cover_title": "Mapping children\u2019s services",
        "subtitle": "Investment, prevention, evidence and need",
        "running_header": f"{cpp_name} \u00b7 Children\u2019s services mapping",
        "description": f"Spend on children's services by the {cpp_name} community planning partners, {wave}.",
        "sections": SECTIONS,
        "delivered": delivered,
        "headlines": [
            ("Annual investment", show.gbp_compact(h.total_spend_gbp)),
            ("Per child on the school roll", show.gbp(h.spend_per_child_gbp)),
            ("Universal, prevention and early intervention", show.percent(h.prevention_share)),
            ("On evidence-based programmes", show.percent(h.evidence_based_share)),
            ("With outcomes in the contract", show.percent(h.outcomes_in_contract_share)),
        ],
        "findings": key_findings(h, tables) if delivered else [],
        "level_chart": spend_by_level_chart(investment) if delivered else None,
        "need_chart": spend_against_need_chart(tables.services_spend_against_need) if delivered else None,
        "by_level": _breakdown_rows(investment, "level"),
        "by_level_group": _breakdown_rows(investment, "level_group"),
        "by_provider_type": _breakdown_rows(investment, "provider_type"),
        "by_domain": _breakdown_rows(investment, "domain"),
        "by_department": _breakdown_rows(investment, "funding_department"),
        "by_evidence": _breakdown_rows(investment, "evidence_rating"),
        "by_outcomes": _breakdown_rows(investment, "outcomes_in_contract"),
        "total": _breakdown_rows(investment, "all")[0],
        "level_costs": _level_rows(tables.services_cost_by_level),
        "services": _service_rows(tables.services_cost_per_participant),
        "comparisons": _comparison_rows(tables.services_cost_comparison),
        "coordination": _coordination_groups(tables.services_coordination),
        "need": _need_rows(tables.services_spend_against_need),
        "not_defined": show.NOT_DEFINED,
    }


@cache
def code_fingerprint() -> str:
    """Hash of the code and templates a services report is made with (its own, the shared report code)."""
    from importlib import resources

    from rcs_pipeline.paths import report_templates_dir

    digest = hashlib.sha256()
    for package in ("rcs_pipeline.services", "rcs_pipeline.reports", "rcs_pipeline.charts"):
        for item in sorted(resources.files(package).iterdir(), key=lambda p: p.name):
            if item.name.endswith((".py", ".yaml", ".csv")):
                digest.update(f"{package}/{item.name}".encode() + item.read_bytes())
    for path in sorted(report_templates_dir().glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def input_hash(tables: ServicesTables, *, wave: str, la_code: str, cpp_name: str, run_id: str = "") -> str:
    """Everything a services report's bytes depend on: its tables, names, code version, date and code."""
    from rcs_pipeline.reports.inputs import data_version
    from rcs_pipeline.reports.render import code_version, document_date

    parts = [data_version(tables.as_dict(), wave, la_code), wave, la_code, cpp_name, run_id]
    parts += [code_version(), document_date(), code_fingerprint()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def unchanged_services_report(folder: Path, expected: str) -> ServicesReportFiles | None:
    """The report already in `folder` when it was made from exactly these inputs, else None (render it).

    `services_report.json` is written after the PDF and the spreadsheet, so a run killed half-way leaves
    the earlier record and the next run renders again.
    """
    record_path = folder / RECORD
    pdf, xlsx = folder / "services_report.pdf", folder / "services_report.xlsx"
    if not (record_path.exists() and pdf.exists() and xlsx.exists()):
        return None
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if record.get("input_hash") != expected:
        return None
    return ServicesReportFiles(pdf=pdf, xlsx=xlsx, data_version=record["data_version"], pages=record["pages"])


def render_services_report(
    tables: ServicesTables, folder: Path, *, wave: str, la_code: str, cpp_name: str, run_id: str = ""
) -> ServicesReportFiles:
    """Write `services_report.pdf` and `services_report.xlsx` into `folder` (atomically) and say what was written.

    Then `services_report.json` records the inputs' hash, so an unchanged report is not drawn again.
    """
    from rcs_pipeline.reports.inputs import data_version
    from rcs_pipeline.reports.render import render_pdf_bytes
    from rcs_pipeline.storage import write_bytes_atomic

    version = data_version(tables.as_dict(), wave, la_code)
    context = report_context(tables, wave=wave, la_code=la_code, cpp_name=cpp_name, run_id=run_id)
    title = f"{cpp_name} children\u2019s services mapping {wave}"
    charts = [context[name] for name in ("level_chart", "need_chart") if context[name] is not None]
    pdf, pages = render_pdf_bytes(
        TEMPLATE, context, title=title, lang="en-GB", data_version=version, charts=charts
    )
    pdf_path = write_bytes_atomic(folder / "services_report.pdf", pdf)
    xlsx_path = write_services_workbook(
        tables,
        folder / "services_report.xlsx",
        title=title,
        wave=wave,
        la_code=la_code,
        cpp_name=cpp_name,
        data_version=version,
    )
    expected = input_hash(tables, wave=wave, la_code=la_code, cpp_name=cpp_name, run_id=run_id)
    record = {"input_hash": expected, "data_version": version, "pages": pages}
    write_bytes_atomic(folder / RECORD, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    return ServicesReportFiles(pdf=pdf_path, xlsx=xlsx_path, data_version=version, pages=pages)
