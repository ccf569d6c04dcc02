"""Finding 8: careless or hostile files give problems with clear messages, never a crash, a hang or a leak."""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from rcs_pipeline.contract import files as contract_files
from rcs_pipeline.contract.spec import delivery_rules
from rcs_pipeline.contract.validate import validate_delivery
from rcs_pipeline.deliveries import complete_deliveries, mark_ready
from rcs_pipeline.paths import RcsHome
from tests.contract.deliveries import LA_CODE, WAVE, delivery_tables, write_table
from tests.security.hostile import write_delivery


def _errors(folder: Path, file: str) -> list[str]:
    """The error messages of one file of a delivery."""
    return [p.message for p in validate_delivery(folder) if p.is_error and p.file == file]


def _limits(monkeypatch: pytest.MonkeyPatch, **limits: int) -> None:
    """Lower the contract's file limits for one test (the packaged values are checked separately)."""
    lowered = dataclasses.replace(delivery_rules(), **limits)
    monkeypatch.setattr(contract_files, "delivery_rules", lambda: lowered)


def test_packaged_limits_are_set_and_generous_for_real_deliveries() -> None:
    """delivery.yaml sets every limit; the largest council's files (~100,000 rows, tens of MB) fit easily."""
    rules = delivery_rules()
    assert (
        rules.max_rows >= 200_000 and rules.max_file_mb >= 100 and rules.max_unpacked_mb >= rules.max_file_mb
    )


def test_a_workbook_that_unzips_past_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decompression bomb: a small .xlsx whose parts unzip to more than the limit is refused unread."""
    _limits(monkeypatch, max_unpacked_mb=1)
    folder = write_delivery(tmp_path)
    (folder / "schools.csv").unlink()
    workbook = write_table(folder, "schools", delivery_tables()["schools"], fmt="xlsx")
    with zipfile.ZipFile(workbook, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b"\0" * (2 * 1024 * 1024))
    assert workbook.stat().st_size < 100_000
    read = []
    monkeypatch.setattr(contract_files, "_read_xlsx", lambda *a: read.append(a) or pl.DataFrame())
    messages = _errors(folder, "schools.xlsx")
    assert len(messages) == 1 and "unzips to 2 MB" in messages[0] and "at most 1 MB" in messages[0]
    assert read == []


def test_files_over_the_size_or_row_limit_are_refused_with_the_limit_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than max_file_mb, or with more than max_rows data rows, is refused naming the limit."""
    _limits(monkeypatch, max_rows=5)
    folder = write_delivery(tmp_path)
    rows = _errors(folder, "secondary_survey.csv")  # 8 data rows
    assert rows == [
        "has more than 5 data rows, the limit for one file (rcs_pipeline/contract/delivery.yaml, limits)"
    ]
    assert _errors(folder, "school_roll.csv") and not _errors(folder, "schools.csv")  # 39 rows; 3 rows
    _limits(monkeypatch, max_file_mb=0)
    assert any("one file may be at most 0 MB" in m for m in _errors(folder, "schools.csv"))


def test_a_symbolic_link_to_another_councils_file_or_a_system_file_is_refused(tmp_path: Path) -> None:
    """Finding 8c: links in a delivery folder are not followed (another council's schools, /etc/passwd)."""
    other = write_table(tmp_path / "other_council", "schools", delivery_tables()["schools"])
    folder = write_delivery(tmp_path / "home")
    (folder / "schools.csv").unlink()
    os.symlink(other, folder / "schools.csv")
    (folder / "evidence_costs.csv").unlink()
    os.symlink("/etc/passwd", folder / "evidence_costs.csv")
    for file in ("schools.csv", "evidence_costs.csv"):
        assert _errors(folder, file) == ["is a symbolic link or not a regular file: deliver the file itself"]


def test_a_symbolic_link_as_the_delivery_folder_is_refused_and_not_listed(tmp_path: Path) -> None:
    """A council folder that is a link to another folder is neither validated nor seen by the sensor."""
    real = write_delivery(tmp_path / "elsewhere")
    mark_ready(real)
    home = tmp_path / "home"
    (home / "landing" / WAVE).mkdir(parents=True)
    os.symlink(real, home / "landing" / WAVE / LA_CODE)
    problems = validate_delivery(home / "landing" / WAVE / LA_CODE)
    assert [p.is_error for p in problems] == [True] and "symbolic link" in problems[0].message
    assert complete_deliveries(RcsHome(home)) == {}


def test_the_sensor_lists_only_whole_council_codes(tmp_path: Path) -> None:
    """Finding 8d: a complete delivery in `S12000040\\n` requests no (invalid) partition."""
    good = write_delivery(tmp_path)
    mark_ready(good)
    bad = tmp_path / "landing" / WAVE / "S12000040\n"
    bad.mkdir()
    mark_ready(bad)
    assert list(complete_deliveries(RcsHome(tmp_path))) == [(WAVE, LA_CODE)]


def test_a_school_name_with_mathtext_draws_as_text() -> None:
    """Finding 8e: '$^$' in a school's name is drawn as it is, not parsed as mathtext (which crashed)."""
    from rcs_pipeline.charts.figures import draw_chart, stacked_bar

    chart = stacked_bar([("$^$ Primary", [40.0, 60.0])], ["Yes", "No"], title="Pupils at $^$ Primary")
    png, _ = draw_chart(chart.name, chart.args)
    assert png.startswith(b"\x89PNG")


def test_splink_duckdb_never_spills_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 8f: the key holder's DuckDB has spilling off: short of memory it fails, writing nothing to ./.tmp."""
    from rcs_pipeline.linkage import probabilistic
    from tests.linkage.test_probabilistic import POOL, SURVEY

    connections: list[duckdb.DuckDBPyConnection] = []
    configs: list[dict[str, object]] = []

    def spy(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        configs.append(kwargs)
        connections.append(real_connect(*args, **kwargs))
        return connections[-1]

    real_connect = duckdb.connect
    monkeypatch.setattr(probabilistic.duckdb, "connect", spy)
    probabilistic.score_pairs(SURVEY, POOL, probabilistic.field_probabilities(SURVEY, POOL))
    assert connections and all(_closed(c) for c in connections), (
        "a connection that could spill outlived the step"
    )
    assert configs[0] == {"config": probabilistic.NO_SPILL}
    monkeypatch.chdir(tmp_path)
    con = real_connect(":memory:", config=probabilistic.NO_SPILL)
    con.sql("SET memory_limit='20MB'")
    with pytest.raises(duckdb.OutOfMemoryException):
        con.sql("select md5(range::varchar) as b from range(3000000) order by b").to_arrow_table()
    con.close()
    assert list(tmp_path.iterdir()) == []


def _closed(connection: duckdb.DuckDBPyConnection) -> bool:
    """True when the DuckDB connection has been closed."""
    try:
        connection.execute("select 1").fetchall()
    except duckdb.ConnectionException:
        return True
    return False


@pytest.mark.parametrize(("min_group", "min_cell"), [(1, 10), (20, 1), (9, 10), (20, 9)])
def test_disclosure_thresholds_below_the_floors_are_refused(min_group: int, min_cell: int) -> None:
    """Finding 8g: min_group and min_cell below the floors of rules.yaml are refused, in code and in a run."""
    from assets.defs.landing.assets import landing
    from assets.partitions import partition_key
    from assets.resources import RcsSettings
    from rcs_pipeline.disclosure.settings import DisclosureSettings, load_rules

    assert load_rules()["floors"] == {"min_group": 10, "min_cell": 10}
    with pytest.raises(ValueError, match=r"floor in rcs_pipeline/disclosure/rules\.yaml"):
        DisclosureSettings(min_group=min_group, min_cell=min_cell)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        result = dg.materialize(
            [landing],
            partition_key=partition_key(WAVE, LA_CODE),
            instance=instance,
            resources={"settings": RcsSettings(home="/nonexistent", min_group=min_group, min_cell=min_cell)},
            raise_on_error=False,
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE")
    assert "rules.yaml" in str(failure.event_specific_data.error)
    assert not any(e.event_type_value == "ASSET_MATERIALIZATION" for e in result.all_events)


def test_rcs_validate_refuses_a_symbolic_link_as_the_delivery_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rcs validate` checks the path it is given: a linked council folder is refused (exit 2), not followed to
    the valid delivery it points at, which itself validates (exit 0)."""
    from assets.cli import main

    real = write_delivery(tmp_path / "elsewhere")
    assert main(["validate", str(real)]) == 0
    capsys.readouterr()
    link = tmp_path / "home" / "landing" / WAVE / LA_CODE
    link.parent.mkdir(parents=True)
    os.symlink(real, link)
    assert main(["validate", str(link)]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and str(link) in err
