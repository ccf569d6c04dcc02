"""Council, cluster and school report assets: PDFs and spreadsheets under reports/<wave>/<la_code>/.

They read only the disclosure zone's published tables (and school names) and declare those as deps. The
cluster and school reports, a council's many documents rendered by both cores, take the `report_rendering`
pool's slot, so two council runs never render those at the same time. The council report does not: it is
one document laid out in the run's own process (its charts drawn by the workers meanwhile), so it uses
about one core and fills the core the other council's rendering leaves (docs/deploy.md, section 6).
"""

import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import dagster as dg

from assets.defs.reports.pools import RENDER_POOLS
from assets.partitions import earlier_waves_dep, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition
from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import load_published
from rcs_pipeline.storage import Partition

GROUP = "reports"
POOL = "report_rendering"
CODE_VERSION = "reports-1"
KINDS = {"pdf", "xlsx", "weasyprint"}
DEPS: list[str | dg.AssetDep] = [
    # this and every earlier wave of the council: the trends chapter reads earlier waves' published estimates
    # and lists of schools, so a corrected earlier wave makes the later waves' reports stale
    earlier_waves_dep("published_estimates"),
    "published_three_circles",
    "published_linkage_quality",
    "published_response_rates",
    "disclosure_settings",
    earlier_waves_dep("schools"),
    "published_comparator_estimates",
    "published_comparisons",
]


def report_settings(part: Partition, settings: RcsSettings, run_id: str) -> ReportSettings:
    """Thresholds as the disclosure zone applied them (its settings table), else the run's settings."""
    applied = part.read_if_any("published", "disclosure_settings")
    if applied is not None:
        row = applied.row(0, named=True)
        return ReportSettings(min_group=int(row["min_group"]), min_cell=int(row["min_cell"]), run_id=run_id)
    rules = settings.thresholds(part.wave, part.la_code)
    return ReportSettings(min_group=rules.min_group, min_cell=rules.min_cell, run_id=run_id)


def workers() -> int:
    """Processes for rendering: the machine's cores (RCS_REPORT_WORKERS overrides)."""
    return int(os.environ.get("RCS_REPORT_WORKERS", os.cpu_count() or 2))


def render(context: dg.AssetExecutionContext, settings: RcsSettings, kind: str) -> dg.MaterializeResult:
    """Build one kind of report for the partition and describe what was produced."""
    part = partition(context, settings)
    RENDER_POOLS.prestart(workers())
    tables = load_published(part.home, part.wave, part.la_code)
    if tables.estimates.is_empty():
        raise dg.Failure(
            f"no published estimates for {part.wave} {part.la_code}: materialise published_estimates first"
        )
    # Reports carry their data and code versions, not the run id (reruns give byte-identical files,
    # docs/methods/reproducibility.md); the run id is Dagster's own, on the materialisation.
    rules = report_settings(part, settings, "")
    out_dir = part.home.reports(part.wave, part.la_code)
    try:
        summary = build_reports(tables, out_dir, rules, pool=RENDER_POOLS.get(workers()), kinds=(kind,))
    except BrokenProcessPool:
        RENDER_POOLS.discard(workers())  # a worker died: the next build starts a fresh pool
        raise
    return dg.MaterializeResult(metadata=summary_metadata(summary, kind, str(out_dir)))


def summary_metadata(summary: BuildSummary, kind: str, folder: str) -> dict[str, Any]:
    """Counts, pages, paths, skipped areas and timings of one build (no statistics, no identifiers)."""
    mine = [r for r in summary.produced if r["kind"] == kind]
    skipped = [r for r in summary.not_produced if r["kind"] == kind]
    meta: dict[str, Any] = {
        "folder": dg.MetadataValue.path(folder),
        "reports_produced": len(mine),
        "reports_rendered_now": sum(1 for r in summary.rendered if r.startswith(f"{kind}:")),
        "reports_unchanged": sum(1 for r in summary.unchanged if r.startswith(f"{kind}:")),
        "pages": sum(r["pages"] for r in mine),
        "data_version": summary.data_version,
        "seconds": summary.seconds.get("total", 0.0),
    }
    if kind != "council":
        meta["reports_not_produced"] = len(skipped)
        meta["not_produced"] = dg.MetadataValue.md(
            "\n".join(f"- {r['name']} ({r['code']}): {r['reason']}" for r in skipped) or "none"
        )
    else:
        meta["path"] = dg.MetadataValue.path(f"{folder}/council_report.pdf")
    return meta


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[*DEPS, "published_journeys"],
    description="Council wellbeing profile (PDF/UA) and its spreadsheet, made only from published tables: "
    "key findings, response and linkage, domains, SDQ/WEMWBS, change over time, need and services, journeys, "
    "equalities, parents, methods.",
)
def council_report(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Render reports/<wave>/<la_code>/council_report.pdf and .xlsx (skipped when inputs are unchanged)."""
    return render(context, settings, "council")


def area_reports(kind: str, description: str) -> dg.AssetsDefinition:
    """The asset `<kind>_reports`: one report per cluster (clusters/<asg_code>) or school (schools/<seed_code>)."""

    @dg.asset(
        name=f"{kind}_reports",
        group_name=GROUP,
        kinds=KINDS,
        partitions_def=wave_council_partitions,
        code_version=CODE_VERSION,
        deps=DEPS,
        pool=POOL,
        description=description,
    )
    def reports(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
        """Render the partition's area reports of this kind (PDF and .xlsx) under reports/<wave>/<la_code>/."""
        return render(context, settings, kind)

    return reports


cluster_reports = area_reports(
    "cluster",
    "One wellbeing profile (PDF and spreadsheet) per school cluster whose respondents reach min_group.",
)
school_reports = area_reports(
    "school",
    "One wellbeing profile (PDF and spreadsheet) per school whose respondents reach min_group, "
    "rendered in a process pool; unchanged schools are not redrawn.",
)
