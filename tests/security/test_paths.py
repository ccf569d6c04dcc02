"""Finding 1: a delivered code that becomes a path (a cluster's asg_code) can never leave its folder."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.contract import dataset_spec
from rcs_pipeline.contract.validate import validate_delivery
from rcs_pipeline.paths import (
    AREA_CODE_PATTERN,
    RcsHome,
    UnsafePathError,
    area_report_file,
    checked_name,
    inside,
)
from rcs_pipeline.reports.build import plan_jobs
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.sample_tables import sample_published
from tests.contract.deliveries import delivery_tables
from tests.security.hostile import write_delivery

HOSTILE_CODES = ["../../S12000005/council_report", "../../../../tmp/x", "a/b", "..", "ASG01\n", "ASG 01", ""]


@pytest.mark.parametrize("code", [*HOSTILE_CODES[:4], "ASG01 x", ".hidden"])
def test_delivery_with_a_path_in_asg_code_is_refused_naming_file_column_rows(
    tmp_path: Path, code: str
) -> None:
    """The contract refuses an asg_code that is not a plain code: schools.csv, column asg_code, row 3."""
    tables = delivery_tables()
    tables["schools"]["asg_code"][1] = code
    problems = [p for p in validate_delivery(write_delivery(tmp_path, tables)) if p.is_error]
    assert [(p.file, p.column, p.rows) for p in problems] == [("schools.csv", "asg_code", (3,))]
    assert "cluster code" in problems[0].message
    assert code not in str(problems[0])


def test_contract_pattern_of_asg_code_is_the_one_report_files_are_named_by() -> None:
    """The contract's asg_code pattern and the report file names' pattern are the same, so what lands is safe."""
    assert dataset_spec("schools").column("asg_code").pattern == AREA_CODE_PATTERN


@pytest.mark.parametrize("code", [*HOSTILE_CODES, None, "x" * 33])
def test_area_report_file_refuses_anything_but_a_plain_code(code: object) -> None:
    """A code with a path separator, dots, spaces, a newline, nothing or too many characters names no file."""
    with pytest.raises(UnsafePathError):
        area_report_file("clusters", code, ".pdf")
    assert area_report_file("clusters", "S12000005A02", ".pdf") == "clusters/S12000005A02.pdf"


def test_report_plan_refuses_a_hostile_cluster_code_in_published_tables() -> None:
    """Tables that somehow carry a hostile cluster code stop the report plan before any file is named."""
    tables = sample_published("2015-16", "S12000005", n_clusters=1, per_domain=1)
    cluster = tables.schools.get_column("asg_code")[0]
    hostile = "../../S12000005/council_report"

    def swap(frame: pl.DataFrame) -> pl.DataFrame:
        text = [c for c, t in frame.schema.items() if t == pl.String]
        return frame.with_columns(pl.col(text).replace(cluster, hostile))

    spoiled = type(tables)(**{**tables.__dict__, **{k: swap(v) for k, v in tables.frames().items()}})
    jobs, _ = plan_jobs(tables, ReportSettings())
    assert any(j.kind == "cluster" for j in jobs), "the clean tables should give a cluster report"
    with pytest.raises(UnsafePathError):
        plan_jobs(spoiled, ReportSettings())


@pytest.mark.parametrize(
    ("wave", "la_code"),
    [
        ("2015-16\n", "S12000005"),
        ("2015-16", "S12000005\n"),
        ("..", "S12000005"),
        ("2015-16", "../S12000005"),
    ],
)
def test_zone_paths_refuse_names_that_are_not_whole_codes(tmp_path: Path, wave: str, la_code: str) -> None:
    """Table, delivery and report folders are built only from whole wave and council codes."""
    layout = RcsHome(tmp_path)
    for build in (
        lambda: layout.table("analysis", "pupil_scores", wave, la_code),
        lambda: layout.delivery(wave, la_code),
        lambda: layout.reports(wave, la_code),
    ):
        with pytest.raises(UnsafePathError):
            build()


def test_inside_refuses_a_link_that_leads_out_of_its_folder(tmp_path: Path) -> None:
    """A path that resolves outside its folder through a symbolic link is refused."""
    folder = tmp_path / "reports"
    folder.mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "clusters")
    with pytest.raises(UnsafePathError):
        inside(folder, "clusters", "A01.pdf")
    assert inside(folder, "schools", "1234567.pdf") == folder / "schools" / "1234567.pdf"


@pytest.mark.parametrize("name", ["S12000040\n", "S12000040 ", "xS12000040", "S120000400"])
def test_council_folder_names_are_matched_whole(tmp_path: Path, name: str) -> None:
    """`S12000040\\n` and friends are not council folders (the landing sensor reads this list)."""
    for folder in (name, "S12000005"):
        (tmp_path / "landing" / "2015-16" / folder).mkdir(parents=True)
    (tmp_path / "landing" / "2015-16\n").mkdir()
    assert RcsHome(tmp_path).deliveries() == [("2015-16", "S12000005")]
    with pytest.raises(UnsafePathError):
        checked_name(name, r"S12\d{6}", "la_code")


def test_lookup_tables_are_read_from_the_roles_own_zone_once_separation_copied_them(tmp_path: Path) -> None:
    """RcsHome.lookup gives the role's copy written at separation (the landing file only until then), and
    there is no copy for a zone whose role does not need the table."""
    from assets.defs.separation.assets import copy_lookups
    from rcs_pipeline.paths import LOOKUP_COPIES
    from rcs_pipeline.storage.partition import Partition

    layout = RcsHome(tmp_path)
    for dataset in LOOKUP_COPIES:
        path = layout.table("landing", dataset, "2015-16", "S12000005")
        path.parent.mkdir(parents=True)
        pl.DataFrame({"dataset": [dataset]}).write_parquet(path)
    assert layout.lookup("analysis", "schools", "2015-16", "S12000005").is_relative_to(tmp_path / "landing")
    metadata = copy_lookups(Partition(layout, "2015-16", "S12000005"))
    assert len(metadata) == sum(len(zones) for zones in LOOKUP_COPIES.values())
    for dataset, zones in LOOKUP_COPIES.items():
        for zone in zones:
            copy = layout.lookup(zone, dataset, "2015-16", "S12000005")
            assert copy == layout.table(zone, f"lookup_{dataset}", "2015-16", "S12000005")
            assert pl.read_parquet(copy)["dataset"].to_list() == [dataset]
    with pytest.raises(ValueError, match="no reports copy"):
        layout.lookup("reports", "school_roll", "2015-16", "S12000005")
