"""write_delivery: the same frames as CSV, XLSX or SAV."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyreadstat
import pytest

from rcs_pipeline.synthetic import write_delivery

TEXT = {
    "response_id": pl.String,
    "pupil_ref": pl.String,
    "seed_code": pl.String,
    "birth_month": pl.String,
    "completed_on": pl.String,
}


@pytest.fixture
def frames(tiny_source: Path) -> dict[str, pl.DataFrame]:
    """The tiny secondary survey (items as integers) and schools list of one council."""
    folder = tiny_source / "landing" / "2015-16" / "S12000005"
    survey = pl.read_csv(folder / "secondary_survey.csv", schema_overrides=TEXT)
    schools = pl.read_csv(folder / "schools.csv", infer_schema=False)
    return {"secondary_survey": survey, "schools": schools}


def test_xlsx_holds_the_same_values(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    paths = write_delivery(frames, tmp_path, "xlsx")
    assert sorted(p.name for p in paths) == ["schools.xlsx", "secondary_survey.xlsx"]
    sheet = pl.read_excel(tmp_path / "secondary_survey.xlsx")
    survey = frames["secondary_survey"]
    assert sheet.columns == survey.columns
    assert sheet["sdq_01"].cast(pl.Int64).to_list() == survey["sdq_01"].cast(pl.Int64).to_list()
    assert sheet["seed_code"].to_list() == survey["seed_code"].to_list()


def test_sav_for_surveys_and_csv_for_the_rest(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    write_delivery(frames, tmp_path, "sav")
    data, _ = pyreadstat.read_sav(str(tmp_path / "secondary_survey.sav"))
    survey = frames["secondary_survey"]
    assert list(data.columns) == survey.columns
    assert (
        pl.Series(data["sdq_01"].to_numpy()).fill_nan(None).cast(pl.Int64).to_list()
        == survey["sdq_01"].to_list()
    )
    assert (tmp_path / "schools.csv").exists() and not (tmp_path / "schools.sav").exists()


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown delivery format"):
        write_delivery({"schools": pl.DataFrame({"seed_code": ["0123456"]})}, tmp_path, "json")


def test_rewriting_in_another_format_leaves_one_file_per_dataset(
    frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    write_delivery(frames, tmp_path, "xlsx")
    write_delivery(frames, tmp_path, "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schools.csv", "secondary_survey.csv"]
