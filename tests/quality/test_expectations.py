"""GX suites from expectations/: thresholds read from the JSON, blocking checks stop downstream assets."""

import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.landing.assets import build_landing
from assets.partitions import partition_key, wave_council_partitions
from assets.quality import expectations_check
from assets.resources import RcsSettings
from rcs_pipeline.paths import RcsHome, expectations_dir
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


def test_landing_expectations_refuse_before_writing_and_stop_downstream(
    tiny_home: Path, tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    @dg.asset(deps=["school_roll"], partitions_def=wave_council_partitions)
    def roll_consumer() -> None:
        (tmp_path / "consumer_ran").touch()

    def run(suites: Path | None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [build_landing(suites), roll_consumer],
            partition_key=partition_key(TINY_WAVE, COUNCIL),
            instance=dagster_instance,
            resources={"settings": RcsSettings(home=str(tiny_home))},
            raise_on_error=False,
        )

    accepted = run(None)
    assert accepted.success
    evaluations = {e.check_name: e for e in accepted.get_asset_check_evaluations()}
    assert len(evaluations) == 11 and all(e.passed for e in evaluations.values())
    assert (tmp_path / "consumer_ran").exists()
    assert (tiny_home / "quality" / "index.html").exists()
    assert (tiny_home / "quality" / "data_docs" / "landing" / TINY_WAVE / COUNCIL / "index.html").exists()
    landed = {p: p.read_bytes() for p in sorted((tiny_home / "landing").rglob("*.parquet"))}
    (tmp_path / "consumer_ran").unlink()

    strict = tmp_path / "strict_suites"
    _edit(strict, "school_roll", "expect_column_values_to_be_between", "pupils", min_value=100000)
    refused = run(strict)
    assert not refused.success
    evaluations = {e.check_name: e for e in refused.get_asset_check_evaluations()}
    assert not evaluations["school_roll_expectations"].passed
    assert evaluations["school_roll_expectations"].metadata["failing_columns"].value == "pupils"
    assert evaluations["schools_expectations"].passed
    failure = next(e for e in refused.all_events if e.is_step_failure)
    assert "expectations/school_roll.json: expect_column_values_to_be_between on pupils" in (
        failure.step_failure_data.user_failure_data.description
    )
    assert not (tmp_path / "consumer_ran").exists()
    assert {p: p.read_bytes() for p in sorted((tiny_home / "landing").rglob("*.parquet"))} == landed


def test_check_factory_runs_a_suite_on_a_downstream_table(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    home = tmp_path / "home"
    path = RcsHome(home).table("published", "published_estimates", TINY_WAVE, COUNCIL)
    path.parent.mkdir(parents=True)
    pl.DataFrame(
        {
            "unit": ["percent", "percent"],
            "suppressed": [False, True],
            "reason": [None, "min_cell"],
            "value": [40.0, None],
            "ci_low": [30.0, None],
            "ci_high": [50.0, None],
        }
    ).write_parquet(path)

    @dg.asset(name="published_estimates", partitions_def=wave_council_partitions)
    def published_estimates() -> None:
        """Stands for the disclosure zone's asset; its table was written above."""

    check = expectations_check("published_estimates", "published")
    result = dg.materialize(
        [published_estimates, check],
        partition_key=partition_key(TINY_WAVE, COUNCIL),
        instance=dagster_instance,
        resources={"settings": RcsSettings(home=str(home))},
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["expectations_failed"].value == 0
    assert evaluation.check_name == "published_estimates_expectations"
