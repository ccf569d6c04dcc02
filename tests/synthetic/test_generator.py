"""generate(): deterministic for a seed, summary matches the files, ground truth without identifiers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.synthetic import generate, truth_path
from rcs_pipeline.synthetic.profiles import load_scale, scale_names

WAVE = "2015-16"
COUNCILS = ("S12000005", "S12000040")


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below `root`, by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tiny_source: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", seed=2015)
    again = files_under(tmp_path)
    assert again == files_under(tiny_source)
    assert any(name.endswith("secondary_survey.csv") for name in again)


def test_another_seed_gives_other_data(tiny_source: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", seed=7)
    path = Path("landing", WAVE, "S12000005", "secondary_survey.csv")
    assert (tmp_path / path).read_bytes() != (tiny_source / path).read_bytes()


def test_summary_lists_deliveries_and_counts(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale="tiny", seed=3)
    assert summary.deliveries == ((WAVE, "S12000005"), (WAVE, "S12000040"))
    for (wave, la_code), counts in summary.delivery_counts.items():
        for dataset, rows in counts.items():
            frame = pl.read_csv(tmp_path / "landing" / wave / la_code / f"{dataset}.csv", infer_schema=False)
            assert frame.height == rows
    assert summary.counts["admin_extract"] == sum(
        c["admin_extract"] for c in summary.delivery_counts.values()
    )


def test_scales_are_data_with_the_tranche_councils() -> None:
    assert {"tiny", "demo", "national"} <= set(scale_names())
    demo = load_scale("demo")
    assert [c.la_code for c in demo.councils] == ["S12000005", "S12000029", "S12000040"]
    assert {c.la_code: c.pupils_p5s4 for c in demo.councils} == {
        "S12000005": 5000,
        "S12000029": 32000,
        "S12000040": 20000,
    }
    national = load_scale("national")
    assert len(national.councils) == 32
    assert 420_000 <= sum(c.pupils_p5s4 for c in national.councils) <= 480_000
    with pytest.raises(ValueError, match="unknown synthetic scale"):
        load_scale("huge")


@pytest.mark.parametrize("la_code", COUNCILS)
def test_truth_has_no_identifier_columns(tiny_source: Path, la_code: str) -> None:
    truth = pl.read_parquet(truth_path(tiny_source, WAVE, la_code))
    assert not set(truth.columns) & set(IDENTIFIER_COLUMNS)
    assert truth_path(tiny_source, WAVE, la_code).is_relative_to(tiny_source / "synthetic_truth")


@pytest.mark.parametrize("la_code", COUNCILS)
def test_truth_points_each_survey_row_at_its_admin_row(tiny_source: Path, la_code: str) -> None:
    folder = tiny_source / "landing" / WAVE / la_code
    truth = pl.read_parquet(truth_path(tiny_source, WAVE, la_code))
    admin = pl.read_csv(folder / "admin_extract.csv", infer_schema=False).with_row_index(
        "admin_source_row", 2
    )
    for dataset in ("secondary_survey", "primary_survey", "parent_survey"):
        survey = pl.read_csv(folder / f"{dataset}.csv", infer_schema=False)
        rows = (
            truth.filter(pl.col("dataset") == dataset)
            .join(survey.select("response_id", "pupil_ref", "birth_month"), on="response_id")
            .join(
                admin.select(
                    pl.col("admin_source_row").cast(pl.Int64),
                    pl.col("pupil_ref").alias("true_ref"),
                    "date_of_birth",
                ),
                on=pl.col("admin_source_row").cast(pl.Int64),
                how="left",
            )
        )
        assert rows.height == survey.height
        typed = rows["pupil_ref"].str.strip_chars().str.to_uppercase()
        ok = rows["ref_status"] == "ok"
        assert (typed == rows["true_ref"]).filter(ok).all()
        assert rows["pupil_ref"].filter(rows["ref_status"] == "blank").is_null().all()
        mistyped = rows.filter(pl.col("ref_status") == "mistyped")
        for typed_ref, true_ref in zip(mistyped["pupil_ref"], mistyped["true_ref"], strict=True):
            differing = sum(a != b for a, b in zip(typed_ref, true_ref, strict=True))
            assert 1 <= differing <= 2
        in_admin = rows.filter(pl.col("true_ref").is_not_null())
        same_month = in_admin["birth_month"] == in_admin["date_of_birth"].str.slice(0, 7)
        assert (same_month == ~in_admin["birth_month_off"]).all()
        assert rows.filter(~pl.col("at_school"))["admin_source_row"].is_null().all()


def test_truth_duplicates_are_the_same_child_and_less_complete(tiny_source: Path) -> None:
    found = 0
    for la_code in COUNCILS:
        folder = tiny_source / "landing" / WAVE / la_code
        truth = pl.read_parquet(truth_path(tiny_source, WAVE, la_code))
        for dataset in ("secondary_survey", "primary_survey"):
            survey = pl.read_csv(folder / f"{dataset}.csv", infer_schema=False)
            missing = survey.select(
                "response_id",
                pl.sum_horizontal(
                    [(pl.col(c).is_null() | (pl.col(c) == "-9")).cast(pl.Int32) for c in survey.columns[7:]]
                ).alias("missing"),
            )
            rows = truth.filter(pl.col("dataset") == dataset).join(missing, on="response_id")
            for dup in rows.filter("is_duplicate").iter_rows(named=True):
                pair = rows.filter(pl.col("child_id") == dup["child_id"])
                assert pair.height == 2
                original = pair.filter(~pl.col("is_duplicate"))
                assert original["admin_source_row"].item() == dup["admin_source_row"]
                assert dup["missing"] >= original["missing"].item()
                found += 1
    assert found >= 1


@pytest.mark.parametrize("la_code", COUNCILS)
def test_every_participant_has_one_admin_row(tiny_source: Path, la_code: str) -> None:
    truth = pl.read_parquet(truth_path(tiny_source, WAVE, la_code))
    admin = truth.filter(pl.col("dataset") == "admin_extract")
    surveyed = truth.filter((pl.col("dataset") != "admin_extract") & pl.col("at_school"))
    assert admin["child_id"].is_unique().all()
    assert set(surveyed["child_id"]) == set(admin["child_id"])
    assert admin["source_row"].sort().to_list() == list(range(2, admin.height + 2))
