"""write_delivery: the same frames as CSV, XLSX or SAV."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyreadstat
import pytest

from rcs_pipeline.synthetic import generate, write_delivery


def test_xlsx_and_sav_hold_the_same_values_as_csv(tiny_source: Path, tmp_path: Path) -> None:
    generate(tmp_path / "xlsx", scale="tiny", seed=2015, fmt="xlsx")
    generate(tmp_path / "sav", scale="tiny", seed=2015, fmt="sav")
    csv_folder = tiny_source / "landing" / "2015-16" / "S12000005"
    csv = pl.read_csv(csv_folder / "secondary_survey.csv", infer_schema=False)

    sheet = pl.read_excel(tmp_path / "xlsx" / "landing" / "2015-16" / "S12000005" / "secondary_survey.xlsx")
    assert sheet.columns == csv.columns
    assert sheet["sdq_01"].cast(pl.String).to_list() == csv["sdq_01"].to_list()
    assert sheet["seed_code"].to_list() == csv["seed_code"].to_list()

    sav_folder = tmp_path / "sav" / "landing" / "2015-16" / "S12000005"
    data, _ = pyreadstat.read_sav(str(sav_folder / "secondary_survey.sav"))
    assert list(data.columns) == csv.columns
    assert data["sdq_01"].astype("Int64").astype(str).replace("<NA>", None).tolist() == csv["sdq_01"].to_list()
    assert (sav_folder / "admin_extract.csv").exists() and not (sav_folder / "admin_extract.sav").exists()


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown delivery format"):
        write_delivery({"schools": pl.DataFrame({"seed_code": ["0123456"]})}, tmp_path, "json")
