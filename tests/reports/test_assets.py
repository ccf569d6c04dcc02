"""The report assets through Dagster: published tables in, PDFs, spreadsheets and contents.json out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.reports.assets import cluster_reports, council_report, school_reports
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.storage import write_parquet_atomic
from tests.reports.conftest import LA_CODE, WAVE

pytestmark = pytest.mark.xdist_group("reports")


def write_published(home: RcsHome, tables: PublishedTables) -> None:
    """Lay the tables out as the disclosure and landing zones write them."""
    for name, frame in {
        "published_estimates": tables.estimates,
        "published_three_circles": tables.three_circles,
        "published_linkage_quality": tables.linkage_quality,
        "published_response_rates": tables.response_rates,
        "published_comparisons": tables.comparisons,
    }.items():
        write_parquet_atomic(frame, home.table("published", name, WAVE, LA_CODE))
    write_parquet_atomic(tables.comparator, home.table("published", "published_comparator_estimates", WAVE))
    write_parquet_atomic(
        pl.DataFrame({"min_group": [20], "min_cell": [10]}),
        home.table("published", "disclosure_settings", WAVE, LA_CODE),
    )
    write_parquet_atomic(
        tables.schools.with_columns(pl.lit(LA_CODE).alias("la_code")),
        home.table("landing", "schools", WAVE, LA_CODE),
    )


def test_report_assets_write_the_reports_folder(published, tmp_path: Path, dagster_instance, monkeypatch):
    """Materialising the three assets writes council, cluster and school outputs and reports what it did."""
    monkeypatch.setenv("RCS_REPORT_WORKERS", "1")
    home = RcsHome(tmp_path / "home")
    school = published.schools.filter(pl.col("sector") == "Secondary").head(1)
    write_published(home, replace(published, schools=school))
    result = dg.materialize(
        [council_report, cluster_reports, school_reports],
        partition_key=partition_key(WAVE, LA_CODE),
        resources={"settings": RcsSettings(home=str(home.root))},
        instance=dagster_instance,
    )
    assert result.success
    folder = home.reports(WAVE, LA_CODE)
    contents = json.loads((folder / "contents.json").read_text())
    assert {r["kind"] for r in contents["reports"]} == {"council", "cluster", "school"}
    assert (folder / "council_report.pdf").exists() and (folder / "council_report.xlsx").exists()
    seed_code = school["seed_code"][0]
    assert (folder / "schools" / f"{seed_code}.pdf").exists()
    meta = {
        e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert meta["school_reports"]["reports_produced"].value == 1
    assert meta["council_report"]["pages"].value > 10
