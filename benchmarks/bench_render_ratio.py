"""Benchmark: a report's whole render time against WeasyPrint's own time on the same HTML.

Rendering a report builds its chapters and charts, writes the HTML, has WeasyPrint lay it out and write
the PDF, and writes the spreadsheet. The target is that all of it takes at most 1.2 times what WeasyPrint
alone spends on the same HTML. WeasyPrint's share is timed inside the very render (its HTML parsing,
layout and PDF writing), so both figures come from the same run on the same document. Times are CPU
seconds of this one process (each report renders in one process, its charts drawn in it too), so other
work on the machine does not change the ratio; the spreadsheet's share is printed beside it.

    .venv/bin/python benchmarks/bench_render_ratio.py               # one sample council's reports
    .venv/bin/python benchmarks/bench_render_ratio.py --schools 6
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TARGET = 1.2


@contextmanager
def weasyprint_clock() -> Iterator[list[float]]:
    """Time every WeasyPrint HTML parse, layout and PDF write while the block runs (seconds, per document)."""
    import weasyprint

    original = weasyprint.HTML
    spent: list[float] = []

    class TimedHTML(original):  # type: ignore[misc, valid-type]
        """weasyprint.HTML whose parsing, rendering and PDF writing are timed."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started = time.process_time()
            super().__init__(*args, **kwargs)
            spent.append(time.process_time() - started)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            document = super().render(*args, **kwargs)
            spent[-1] += time.process_time() - started
            write_pdf = document.write_pdf

            def timed_write_pdf(*a: Any, **k: Any) -> Any:
                begun = time.process_time()
                try:
                    return write_pdf(*a, **k)
                finally:
                    spent[-1] += time.process_time() - begun

            document.write_pdf = timed_write_pdf
            return document

    weasyprint.HTML = TimedHTML
    try:
        yield spent
    finally:
        weasyprint.HTML = original


@contextmanager
def clock(
    name: str, *modules: Any, by_first_argument: dict[str, list[float]] | None = None
) -> Iterator[list[float]]:
    """CPU seconds of every call of function `name` (as each module that holds it calls it) while the block runs;
    also by the call's first argument (a chart's drawing name) into `by_first_argument` when given."""
    holders = [m for m in modules if hasattr(m, name)]
    originals = [getattr(m, name) for m in holders]
    spent: list[float] = []

    def timed(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent.append(time.process_time() - started)
                if by_first_argument is not None and args:
                    by_first_argument.setdefault(str(args[0]), []).append(spent[-1])

        return call

    for module, original in zip(holders, originals, strict=True):
        setattr(module, name, timed(original))
    try:
        yield spent
    finally:
        for module, original in zip(holders, originals, strict=True):
            setattr(module, name, original)


def render_ratios(
    schools: int = 4, clusters: int = 2, chart_seconds: dict[str, list[float]] | None = None
) -> dict[str, list[tuple[float, float, float, float]]]:
    """(whole render, WeasyPrint, spreadsheet, charts) CPU seconds per report of one sample council, by kind, in this
    process; each chart's CPU seconds by its drawing (dot_panels, series_panels, stacked_bar) into `chart_seconds`."""
    from rcs_pipeline.charts import figures
    from rcs_pipeline.reports import build
    from rcs_pipeline.reports.build import plan_jobs, render_job
    from rcs_pipeline.reports.council import ReportSettings
    from rcs_pipeline.reports.render import warm_up
    from rcs_pipeline.reports.sample_tables import sample_published

    tables = sample_published(
        "2015-16", "S12000005", n_clusters=clusters, previous_wave="2012-13"
    ).conformed()
    jobs, _ = plan_jobs(tables, ReportSettings(run_id="bench"))
    chosen = [j for j in jobs if j.kind == "council"]
    chosen += [j for j in jobs if j.kind == "cluster"][:clusters]
    chosen += [j for j in jobs if j.kind == "school"][:schools]
    warm_up()
    found: dict[str, list[tuple[float, float, float, float]]] = {}
    out = Path(tempfile.mkdtemp(prefix="bench_render_ratio_"))
    for job in chosen:
        with (
            weasyprint_clock() as spent,
            clock("workbook_bytes", build) as sheets,
            clock("draw_chart", figures, build, by_first_argument=chart_seconds) as charts,
        ):
            started = time.process_time()
            render_job(job, out)
            whole = time.process_time() - started
        found.setdefault(job.kind, []).append((whole, sum(spent), sum(sheets), sum(charts)))
    return found


def print_ratios(
    found: dict[str, list[tuple[float, float, float, float]]],
    chart_seconds: dict[str, list[float]] | None = None,
) -> float:
    """Print the median ratio per kind and overall, and the CPU per chart drawing when given; return the overall
    ratio (total render / total WeasyPrint)."""
    for kind, runs in found.items():
        ratios = [r[0] / r[1] for r in runs]
        print(
            f"{kind} reports: render {statistics.median(r[0] for r in runs):.2f} s, WeasyPrint "
            f"{statistics.median(r[1] for r in runs):.2f} s, spreadsheet {statistics.median(r[2] for r in runs):.2f} s "
            f"(CPU, medians); ratio median {statistics.median(ratios):.2f} (max {max(ratios):.2f}) over {len(runs)}"
        )
    whole = sum(r[0] for runs in found.values() for r in runs)
    weasy = sum(r[1] for runs in found.values() for r in runs)
    sheets = sum(r[2] for runs in found.values() for r in runs)
    charts = sum(r[3] for runs in found.values() for r in runs)
    rest = max(whole - weasy, 1e-9)
    ratio = whole / weasy
    print(
        f"render time / WeasyPrint's own time on the same HTML: {ratio:.2f} "
        f"(target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT met'}); of the rest, charts take "
        f"{charts / rest:.0%}, spreadsheets {sheets / rest:.0%}, chapters and HTML {(rest - charts - sheets) / rest:.0%}"
    )
    print(f"the same without drawing the charts (matplotlib): {(whole - charts) / weasy:.2f}")
    for name, seconds in sorted((chart_seconds or {}).items()):
        print(
            f"chart {name}: {len(seconds)} drawn, CPU mean {statistics.mean(seconds) * 1000:.0f} ms "
            f"(max {max(seconds) * 1000:.0f} ms), {sum(seconds):.2f} s in all"
        )
    return ratio


def main() -> None:
    """Render one sample council's council, cluster and school reports and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=4)
    parser.add_argument("--clusters", type=int, default=2)
    args = parser.parse_args()
    chart_seconds: dict[str, list[float]] = {}
    print_ratios(render_ratios(args.schools, args.clusters, chart_seconds), chart_seconds)


if __name__ == "__main__":
    main()
