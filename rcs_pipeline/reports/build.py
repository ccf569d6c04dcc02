"""Render every report of one council and wave: council, clusters, schools, spreadsheets and contents.json.

Fast by construction: reports whose inputs (their slice of the published tables, the settings and the
report code and templates) are unchanged since the last render are skipped, using the hashes kept in
`contents.json`; the rest render in the caller's process pool (largest reports first), whose workers load fonts
and the stylesheet once. Charts are specifications (rcs_pipeline.charts.figures.ChartSpec) that `draw_charts`
draws here or in that pool.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from rcs_pipeline.charts.figures import ChartSpec, draw_chart
from rcs_pipeline.charts.style import Chart
from rcs_pipeline.codelists import council_names
from rcs_pipeline.paths import area_report_file, inside, report_templates_dir
from rcs_pipeline.processes import end_with_parent
from rcs_pipeline.reports.area import area_sections, area_tables, plan_areas
from rcs_pipeline.reports.council import AreaOutcome, ReportSettings, council_sections
from rcs_pipeline.reports.inputs import PublishedTables, data_version
from rcs_pipeline.reports.render import (
    code_version,
    freeze_long_lived,
    garbage_collected_after,
    render_pdf_bytes,
    warm_up,
)
from rcs_pipeline.reports.sections import Section, resolve_sheet_notes
from rcs_pipeline.reports.spreadsheet import sheet_names, workbook_bytes
from rcs_pipeline.storage import write_bytes_atomic

CONTENTS = "contents.json"
TEST_NOTE = (
    "Higher or Lower means a clear difference: a test of the difference (its standard error from the survey "
    "design) gives a p-value, and the p-values of all comparisons of one kind in a report are adjusted together "
    "(Benjamini-Hochberg, 5% false discovery rate). Otherwise the report says no clear difference. A comparison "
    "resting on a withheld figure is itself withheld [c]."
)
KINDS = {"cluster": "clusters", "school": "schools"}


@dataclass(frozen=True)
class ReportJob:
    """One report to render: what it is about, where it goes, its inputs and their hashes."""

    kind: str
    code: str
    name: str
    pdf: str
    xlsx: str
    tables: PublishedTables
    council_name: str
    settings: ReportSettings
    data_version: str
    input_hash: str
    outcome: AreaOutcome | None = None
    outcomes: tuple[AreaOutcome, ...] = ()


@dataclass
class BuildSummary:
    """What a build did: reports produced, rendered now, skipped as unchanged, not produced, timings."""

    data_version: str
    produced: list[dict[str, Any]] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_produced: list[dict[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Total pages over the produced PDFs."""
        return sum(r["pages"] for r in self.produced)


@cache
def code_fingerprint() -> str:
    """Hash of the report code, layout and templates: a change to any of them re-renders every report."""
    digest = hashlib.sha256()
    for package in ("rcs_pipeline.reports", "rcs_pipeline.charts"):
        root = resources.files(package)
        for item in sorted(root.iterdir(), key=lambda p: p.name):
            if item.name.endswith((".py", ".yaml", ".csv")):
                digest.update(item.name.encode() + item.read_bytes())
    for path in sorted(report_templates_dir().glob("*")):
        if path.is_file() and not path.name.startswith("services"):  # the services zone's own templates
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def job_hash(version: str, settings: ReportSettings, *extra: str) -> str:
    """The cache key of a report: its data version, the settings, the code and templates, names."""
    parts = [version, str(settings.min_group), str(settings.min_cell), code_fingerprint(), *extra]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def plan_jobs(tables: PublishedTables, settings: ReportSettings) -> tuple[list[ReportJob], list[AreaOutcome]]:
    """The council report and every cluster and school report that reaches min_group; the rest with reasons."""
    council_name = council_names().get(tables.la_code, tables.la_code)
    outcomes = plan_areas(tables, settings.min_group)
    version = data_version(
        tables.frames(), tables.wave, tables.la_code, tables.previous_wave or "", str(tables.councils_in_wave)
    )
    jobs = [
        ReportJob(
            kind="council",
            code=tables.la_code,
            name=council_name,
            pdf="council_report.pdf",
            xlsx="council_report.xlsx",
            tables=tables,
            council_name=council_name,
            settings=settings,
            data_version=version,
            input_hash=job_hash(version, settings, "council", *(f"{o}" for o in outcomes)),
            outcomes=tuple(outcomes),
        )
    ]
    for outcome in outcomes:
        if not outcome.produced:
            continue
        subset = area_tables(tables, outcome.level, outcome.code)
        area_version = data_version(subset.frames(), tables.wave, tables.la_code, outcome.level, outcome.code)
        folder = KINDS[outcome.level]
        jobs.append(
            ReportJob(
                kind=outcome.level,
                code=outcome.code,
                name=outcome.name,
                pdf=area_report_file(folder, outcome.code, ".pdf"),
                xlsx=area_report_file(folder, outcome.code, ".xlsx"),
                tables=subset,
                council_name=council_name,
                settings=settings,
                data_version=area_version,
                input_hash=job_hash(
                    area_version, settings, outcome.level, outcome.name, str(outcome.respondents)
                ),
                outcome=outcome,
            )
        )
    return jobs, [o for o in outcomes if not o.produced]


def job_sections(job: ReportJob) -> tuple[str, str, list[Section], dict[str, Any]]:
    """Template, title, chapters and template context of one job."""
    if job.kind == "council":
        sections, _ = council_sections(job.tables, job.settings, list(job.outcomes))
        title = f"{job.council_name} children's wellbeing profile {job.tables.wave}"
        return "report.html", title, sections, {"subtitle": "Council report"}
    assert job.outcome is not None
    sections, _ = area_sections(job.tables, job.outcome, job.council_name, job.settings)
    kind = "cluster" if job.kind == "cluster" else "school"
    title = f"{job.name} children's wellbeing profile {job.tables.wave}"
    return (
        "report.html",
        title,
        sections,
        {
            "subtitle": f"{kind.capitalize()} report, {job.council_name}",
            "area_kind": kind,
            "area_name": job.name,
        },
    )


def draw_charts(charts: list[ChartSpec], pool: Executor | None = None) -> list[Chart]:
    """Draw the report's chart specifications: here, one after another, or handed to `pool` to draw in parallel.

    From a pool each chart carries the Future of its PNG; WeasyPrint waits for it only when it places the chart,
    so the drawing overlaps the parsing and styling of the document.
    """
    drawn = []
    for spec in charts:
        image = (
            pool.submit(draw_chart, spec.name, spec.args)
            if pool is not None
            else draw_chart(spec.name, spec.args)[0]
        )
        drawn.append(Chart(image, alt=spec.alt, title=spec.title, key=spec.key, note=spec.note))
    return drawn


def chart_cpu_seconds(charts: list[Chart]) -> float:
    """CPU seconds another process spent drawing these charts (waits for any still drawing)."""
    return sum(c.image.result()[1] for c in charts if not isinstance(c.image, bytes))


@garbage_collected_after()
def render_job(job: ReportJob, out_dir: Path, chart_pool: Executor | None = None) -> dict[str, Any]:
    """Render one report's PDF and spreadsheet into out_dir; return its contents.json entry.

    With `chart_pool`, the report's charts are drawn there in parallel while WeasyPrint parses and styles the
    document; their CPU seconds are added to the report's own, so `cpu_seconds` stays the whole cost of it.
    """
    started, started_cpu = time.perf_counter(), time.process_time()
    template, title, sections, extra = job_sections(job)
    charts = draw_charts([chart for section in sections for chart in section.charts()], chart_pool)
    tables = [t for s in sections for t in s.tables()]
    resolve_sheet_notes(sections, sheet_names(tables), Path(job.xlsx).name)
    context = {
        "sections": sections,
        "settings": job.settings,
        "wave": job.tables.wave,
        "cpp_name": job.council_name,
        "running_header": f"{job.name}: children's wellbeing profile",
        "run_id": job.settings.run_id,
        **extra,
    }
    pdf, pages = render_pdf_bytes(
        template, context, title=title, data_version=job.data_version, charts=charts
    )
    chart_cpu = chart_cpu_seconds(charts)
    write_bytes_atomic(inside(out_dir, job.pdf), pdf)
    facts = [
        ("Report", title),
        ("Council", job.council_name),
        ("Wave", job.tables.wave),
        ("Data version", job.data_version),
        ("Code version", code_version()),
        ("Run", job.settings.run_id or ""),
    ]
    notes = [
        " ".join(job.settings.rule_text[name] for name in ("min_group", "min_cell")),
        "Percentages are whole numbers; mean scores have one decimal place. Intervals are 95% confidence intervals.",
        TEST_NOTE,
    ]
    workbook = workbook_bytes(tables, title=title, facts=facts, notes=notes)
    write_bytes_atomic(inside(out_dir, job.xlsx), workbook)
    return {
        "kind": job.kind,
        "code": job.code,
        "name": job.name,
        "pdf": job.pdf,
        "xlsx": job.xlsx,
        "pages": pages,
        "data_version": job.data_version,
        "input_hash": job.input_hash,
        "run_id": job.settings.run_id,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - started_cpu + chart_cpu, 3),
    }


def _render_in_worker(args: tuple[ReportJob, Path, str]) -> dict[str, Any]:
    """Pool entry point (picklable): render one job under the submitting process's code version.

    A kept worker was spawned with the environment of its first build; the code version it would work out
    itself could differ from the submitter's (RCS_CODE_VERSION set since), and so would the report's bytes.
    """
    job, out_dir, version = args
    os.environ["RCS_CODE_VERSION"] = version
    return render_job(job, out_dir)


# Entry fields that differ between two runs of the same inputs: kept out of contents.json (reproducible).
VOLATILE = ("seconds", "cpu_seconds", "run_id")


def read_contents(out_dir: Path) -> dict[str, Any]:
    """The previous contents.json of a council's report folder, or an empty one."""
    path = out_dir / CONTENTS
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _unchanged(
    job: ReportJob, previous: dict[tuple[str, str], dict[str, Any]], out_dir: Path
) -> dict[str, Any] | None:
    """The previous entry of a job when its inputs are unchanged and both files are still there."""
    entry = previous.get((job.kind, job.code))
    if (
        entry
        and entry.get("input_hash") == job.input_hash
        and (out_dir / job.pdf).exists()
        and (out_dir / job.xlsx).exists()
    ):
        return entry
    return None


def new_render_pool(workers: int) -> ProcessPoolExecutor:
    """A spawned pool of `workers` processes that load fonts and the stylesheet once (its owner shuts it down).

    Starting a worker (imports, fonts, stylesheet) costs a few seconds of CPU, so the asset layer keeps one
    for the council, cluster and school builds of every partition in its process (assets/defs/reports/pools.py).
    """
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    )


def start_worker(parent_pid: int) -> None:
    """Pool initializer: end with the process that started the pool (no orphan after a SIGKILL), warm up, freeze."""
    end_with_parent(parent_pid)
    warm_up()
    freeze_long_lived()


def _largest_first(jobs: list[ReportJob]) -> list[ReportJob]:
    """Jobs with the most respondents first, so no long report is left to run alone at the end."""

    def size(job: ReportJob) -> int:
        """Respondents behind a report (the council's report counts as the largest)."""
        return 10**9 if job.outcome is None else job.outcome.respondents or 0

    return sorted(jobs, key=size, reverse=True)


def _run(jobs: list[ReportJob], out_dir: Path, pool: ProcessPoolExecutor | None) -> Iterator[dict[str, Any]]:
    """Render jobs: in `pool` when there is more than one, else here (a council report's charts in the pool)."""
    if pool is None or len(jobs) <= 1:
        warm_up()
        for job in jobs:
            # A lone council report draws its ~30 charts in the pool, in parallel, while it is rendered.
            yield render_job(job, out_dir, pool if job.kind == "council" else None)
        return
    version = code_version()
    yield from pool.map(_render_in_worker, [(job, out_dir, version) for job in _largest_first(jobs)])


def build_reports(
    tables: PublishedTables,
    out_dir: Path,
    settings: ReportSettings,
    *,
    pool: ProcessPoolExecutor | None = None,
    force: bool = False,
    kinds: tuple[str, ...] = ("council", "cluster", "school"),
) -> BuildSummary:
    """Render the council's reports of the given kinds into out_dir (skipping unchanged ones); update contents.json.

    Reports of other kinds keep their earlier entries, so the council, cluster and school assets can
    each refresh their own part of one contents.json. Without `pool` every report renders in this process.
    """
    started = time.perf_counter()
    tables = tables.conformed()
    jobs, not_produced = plan_jobs(tables, settings)
    previous = {(e["kind"], e["code"]): e for e in read_contents(out_dir).get("reports", [])}
    summary = BuildSummary(data_version=jobs[0].data_version)
    todo, entries = [], {}
    for job in jobs:
        kept = _unchanged(job, previous, out_dir)
        if job.kind not in kinds:
            if kept is not None:
                entries[(job.kind, job.code)] = kept
        elif kept is None or force:
            todo.append(job)
        else:
            entries[(job.kind, job.code)] = kept
            summary.unchanged.append(f"{job.kind}:{job.code}")
    summary.seconds["plan"] = round(time.perf_counter() - started, 3)
    for entry in _run(todo, out_dir, pool):
        entries[(entry["kind"], entry["code"])] = entry
        summary.rendered.append(f"{entry['kind']}:{entry['code']}")
    summary.produced = [entries[(j.kind, j.code)] for j in jobs if (j.kind, j.code) in entries]
    summary.not_produced = [
        {"kind": o.level, "code": o.code, "name": o.name, "reason": o.reason} for o in not_produced
    ]
    produced_files = {e["pdf"] for e in summary.produced} | {e["xlsx"] for e in summary.produced}
    _remove_stale(out_dir, produced_files, [KINDS[k] for k in kinds if k in KINDS])
    contents = {
        "wave": tables.wave,
        "la_code": tables.la_code,
        "council": council_names().get(tables.la_code, tables.la_code),
        "data_version": summary.data_version,
        "code_version": code_version(),
        "settings": {"min_group": settings.min_group, "min_cell": settings.min_cell},
        "reports": [{k: v for k, v in e.items() if k not in VOLATILE} for e in summary.produced],
        "not_produced": summary.not_produced,
    }
    write_bytes_atomic(out_dir / CONTENTS, (json.dumps(contents, indent=2, sort_keys=True) + "\n").encode())
    summary.seconds["total"] = round(time.perf_counter() - started, 3)
    return summary


def _remove_stale(out_dir: Path, keep: set[str], folders: list[str]) -> None:
    """Delete cluster and school files left from an earlier render whose area no longer gets a report."""
    for folder in folders:
        for path in sorted((out_dir / folder).glob("*.*")) if (out_dir / folder).exists() else []:
            if path.suffix in (".pdf", ".xlsx") and f"{folder}/{path.name}" not in keep:
                path.unlink()
