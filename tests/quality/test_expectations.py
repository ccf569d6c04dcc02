"""GX suites from expectations/: thresholds read from the JSON, blocking checks stop downstream assets."""

import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.landing.assets import landing
from assets.partitions import partition_key, wave_council_partitions
from assets.quality import expectations_check
from assets.resources import RcsSettings
from rcs_pipeline.paths import expectations_dir
from rcs_pipeline.quality import load_suite, run_suite
from tests.conftest import TINY_WAVE

COUNCIL = "S12000005"
# Every test here pays the Great Expectations import: keep them on one worker.
pytestmark = pytest.mark.xdist_group("great_expectations")


def _edit(folder: Path, suite: str, expectation: str, column: str, **kwargs: object) -> None:
    """Copy every suite into `folder` and change the kwargs of one expectation of one suite."""
    shutil.copytree(expectations_dir(), folder, dirs_exist_ok=True)
    path = folder / f"{suite}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    target = next(
        e for e in data["expectations"] if e["type"] == expectation and e["kwargs"].get("column") == column
    )
    target["kwargs"].update(kwargs)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_every_landing_and_gate_table_has_a_suite() -> None:
    for name in (
        "secondary_survey",
        "primary_survey",
        "parent_survey",
        "admin_extract",
        "schools",
        "school_roll",
        "services_register",
        "evidence_costs",
        "linked_pupils",
        "estimates",
        "published_estimates",
    ):
        assert load_suite(name)["expectations"], name


def test_editing_a_threshold_in_a_copy_changes_the_result(tmp_path: Path) -> None:
    refs = pl.DataFrame({"pupil_ref": ["AB12345678", None, "CD12345678", "EF12345678"]})
    suite = {
        "name": "refs",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "pupil_ref", "mostly": 0.7}}
        ],
    }
    (tmp_path / "refs.json").write_text(json.dumps(suite), encoding="utf-8")
    assert run_suite(refs, "refs", suites_dir=tmp_path).success
    suite["expectations"][0]["kwargs"]["mostly"] = 0.8
    (tmp_path / "refs.json").write_text(json.dumps(suite), encoding="utf-8")
    outcome = run_suite(refs, "refs", suites_dir=tmp_path)
    assert not outcome.success
    [failed] = outcome.failed
    assert (failed.column, failed.unexpected_count, failed.unexpected_values) == ("pupil_ref", 1, ())


def test_failing_values_are_reported_except_for_identifiers(tmp_path: Path) -> None:
    frame = pl.DataFrame({"pupils": [30, -2, 12], "postcode": ["FK10 1AB", "nonsense", "EH1 1AA"]})
    suite = {
        "name": "mixed",
        "expectations": [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "pupils", "min_value": 0}},
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "postcode", "regex": "^[A-Z]"},
            },
        ],
    }
    (tmp_path / "mixed.json").write_text(json.dumps(suite), encoding="utf-8")
    outcome = run_suite(frame, "mixed", suites_dir=tmp_path, docs_dir=tmp_path / "docs")
    by_column = {o.column: o for o in outcome.failed}
    assert by_column["pupils"].unexpected_values == ("-2",)
    assert by_column["postcode"].unexpected_count == 1 and by_column["postcode"].unexpected_values == ()
    assert (tmp_path / "docs" / "index.html").exists()
    pages = "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in (tmp_path / "docs").rglob("*.html")
    )
    assert "nonsense" not in pages


def test_failing_blocking_check_stops_downstream_and_passes_with_the_shipped_suite(
    tiny_home: Path, tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    @dg.asset(deps=["school_roll"], partitions_def=wave_council_partitions)
    def roll_consumer() -> None:
        (tmp_path / "consumer_ran").touch()

    def run(suites: Path | None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [landing, roll_consumer, expectations_check("school_roll", "landing", suites_dir=suites)],
            partition_key=partition_key(TINY_WAVE, COUNCIL),
            instance=dagster_instance,
            resources={"settings": RcsSettings(home=str(tiny_home))},
            raise_on_error=False,
        )

    strict = tmp_path / "strict_suites"
    _edit(strict, "school_roll", "expect_column_values_to_be_between", "pupils", min_value=100000)
    refused = run(strict)
    [evaluation] = refused.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["failing_columns"].value == "pupils"
    assert evaluation.metadata["expectations_failed"].value == 1
    assert not (tmp_path / "consumer_ran").exists()

    accepted = run(None)
    [evaluation] = accepted.get_asset_check_evaluations()
    assert evaluation.passed, evaluation.metadata
    assert (tmp_path / "consumer_ran").exists()
    assert (tiny_home / "quality" / "index.html").exists()
    assert (tiny_home / "quality" / "data_docs" / "school_roll" / TINY_WAVE / COUNCIL / "index.html").exists()
