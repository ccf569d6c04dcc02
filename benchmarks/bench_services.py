"""Benchmark: services mapping for every council of a national wave (32 synthetic registers), and one report.

Times the six services tables for 32 councils (registers scaled to each council's roll, ~1,400 services in
all), then a very large single register (stress: 20,000 services) and one services PDF + spreadsheet,
printing seconds and peak RSS. Usage: python benchmarks/bench_services.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from rcs_pipeline.codelists import council_names
from rcs_pipeline.schemas import empty
from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.investment import investment_by
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.tables import ServicesTables
from rcs_pipeline.services.validation import validate_services_inputs
from rcs_pipeline.synthetic.services import evidence_costs, services_register

EMPTY_PUBLISHED = empty("published_estimates")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def services_tables(register: pl.DataFrame, costs: pl.DataFrame, roll: int) -> ServicesTables:
    """All six services tables of one council, as the assets compute them."""
    validate_services_inputs(register, costs)
    service, level = cost_per_participant(register), cost_by_level(register)
    return ServicesTables(
        investment_by(register, roll),
        service,
        level,
        compare_with_alternatives(service, level, costs),
        coordination_opportunities(register),
        spend_against_need(register, EMPTY_PUBLISHED),
    )


def typed(register: pl.DataFrame) -> pl.DataFrame:
    """The register as the landing zone types it."""
    return register.with_columns(pl.col("outcomes_in_contract") == "Y")


def main() -> int:
    rng = np.random.default_rng(2015)
    costs = evidence_costs(rng)
    rolls = {la: int(rng.integers(3_000, 70_000)) for la in sorted(council_names())}
    registers = {la: typed(services_register(la, roll, rng)) for la, roll in rolls.items()}
    start = time.perf_counter()
    for la, register in registers.items():
        services_tables(register, costs, rolls[la])
    national = time.perf_counter() - start
    services = sum(r.height for r in registers.values())
    print(
        f"32 councils, {services} services: all six tables in {national:.2f} s "
        f"({national / 32 * 1000:.0f} ms per council)"
    )

    big = pl.concat([registers[la] for la in sorted(registers)] * 15).with_columns(
        pl.format("X{}", pl.int_range(pl.len())).alias("service_id")
    )
    start = time.perf_counter()
    services_tables(big, costs, sum(rolls.values()))
    print(f"one register of {big.height} services: all six tables in {time.perf_counter() - start:.2f} s")

    from rcs_pipeline.services.report import render_services_report

    la = "S12000005"
    tables = services_tables(registers[la], costs, rolls[la])
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        files = render_services_report(
            tables, Path(folder), wave="2015-16", la_code=la, cpp_name="Clackmannanshire"
        )
        first = time.perf_counter() - start
        start = time.perf_counter()
        render_services_report(tables, Path(folder), wave="2015-16", la_code=la, cpp_name="Clackmannanshire")
        second = time.perf_counter() - start
    print(
        f"services report ({files.pages} pages) + spreadsheet: first {first:.1f} s (fonts, CSS), "
        f"then {second:.1f} s"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
