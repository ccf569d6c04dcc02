"""Write a delivery's frames as the contract's files: CSV (default), XLSX, or SAV for the surveys."""

from __future__ import annotations

from pathlib import Path

import polars as pl

SURVEY_DATASETS = ("secondary_survey", "primary_survey", "parent_survey")
FORMATS = ("csv", "xlsx", "sav")


def write_delivery(frames: dict[str, pl.DataFrame], folder: Path, fmt: str = "csv") -> list[Path]:
    """Write each frame as `folder/<dataset>.<fmt>`; returns the paths written.

    `fmt="csv"`: UTF-8 with header, blanks for missing values (byte-identical for the same frames).
    `fmt="xlsx"`: one workbook per dataset, first sheet, header in row 1.
    `fmt="sav"`: SPSS files for the three surveys (the only datasets the contract accepts as SAV); the
    other datasets are written as CSV beside them. A file of the same dataset in another format is removed,
    since the contract refuses two files for one dataset.
    Example: write_delivery(frames, home / "landing" / "2015-16" / "S12000005", "xlsx")
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown delivery format {fmt!r}; expected one of {FORMATS}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset, frame in frames.items():
        ext = fmt if fmt != "sav" or dataset in SURVEY_DATASETS else "csv"
        path = folder / f"{dataset}.{ext}"
        for other in FORMATS:  # a file left in another format would make two files for one dataset
            if other != ext:
                (folder / f"{dataset}.{other}").unlink(missing_ok=True)
        if ext == "csv":
            frame.write_csv(path)
        elif ext == "xlsx":
            frame.write_excel(path, worksheet="Sheet1", autofit=False)
        else:
            _write_sav(frame, path)
        written.append(path)
    return written


def _write_sav(frame: pl.DataFrame, path: Path) -> None:
    """SPSS file via pyreadstat; item codes as numeric, text as strings (missing = system-missing/blank)."""
    import pyreadstat

    pdf = frame.to_pandas()
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            pdf[name] = pdf[name].astype("float64")
        elif dtype == pl.String:
            pdf[name] = pdf[name].fillna("")
    pyreadstat.write_sav(pdf, str(path))
