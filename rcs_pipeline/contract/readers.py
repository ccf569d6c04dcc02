"""Read one dataset of a delivery folder into its typed landing table, strictly, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from rcs_pipeline.contract.columns import empty_frame, normalise
from rcs_pipeline.contract.errors import DeliveryError, Problem, problem
from rcs_pipeline.contract.files import FORMATS, SOURCE_ROW, UnreadableFile, header_label, read_text_frame
from rcs_pipeline.contract.spec import DatasetSpec, dataset_spec


@dataclass
class ParsedDataset:
    """A dataset as read: its typed table (None when it could not be read) and every problem found."""

    name: str
    file: str | None
    frame: pl.DataFrame | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """True when a file for this dataset is in the delivery folder."""
        return self.file is not None


def dataset_files(folder: Path, dataset: str) -> list[Path]:
    """Files in `folder` named `<dataset>.<ext>` (names compared ignoring case), any extension."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if (p.is_file() or p.is_symlink()) and p.stem.strip().lower() == dataset
    )


def parse_dataset(folder: Path, dataset: str) -> ParsedDataset:
    """Find, read and normalise one dataset, collecting problems instead of raising."""
    spec = dataset_spec(dataset)
    files = dataset_files(folder, dataset)
    if not files:
        return ParsedDataset(dataset, None, None)
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        return ParsedDataset(
            dataset,
            files[0].name,
            None,
            [
                problem(
                    files[0].name,
                    None,
                    (),
                    f"{len(files)} files for the dataset {dataset} ({names}): deliver exactly one",
                )
            ],
        )
    path = files[0]
    ext = path.suffix.lower().lstrip(".")
    if ext not in spec.formats:
        allowed = ", ".join(f".{f}" for f in spec.formats)
        return ParsedDataset(
            dataset,
            path.name,
            None,
            [
                problem(
                    path.name,
                    None,
                    (),
                    f"{dataset} must be delivered as {allowed}, not .{ext or '(no extension)'}",
                )
            ],
        )
    try:
        text, problems = read_text_frame(path)
    except UnreadableFile as exc:
        return ParsedDataset(dataset, path.name, None, [exc.problem])
    problems.extend(_header_problems(text, spec, path.name))
    if text.height == 0:
        problems.append(problem(path.name, None, (), "has a header row but no data rows"))
    frame, cell_problems = normalise(text, spec, path.name)
    return ParsedDataset(dataset, path.name, frame, problems + cell_problems)


def _header_problems(text: pl.DataFrame, spec: DatasetSpec, file: str) -> list[Problem]:
    """Missing contract columns (error) and columns the contract does not know (error or warning)."""
    found: list[Problem] = []
    missing = [c.name for c in spec.columns if c.name not in text.columns and not c.optional]
    for name in missing:
        found.append(problem(file, name, (), "required column is missing from the header row"))
    names = [c for c in text.columns if c != SOURCE_ROW]
    unknown = [header_label(c, i + 1) for i, c in enumerate(names) if c not in spec.column_names]
    if len(unknown) == len(names) and missing:
        found.append(
            problem(file, None, (), "no column of the contract in the first row: is the header row missing?")
        )
    for name in unknown:
        if spec.strict_columns:
            found.append(
                problem(
                    file,
                    name,
                    (),
                    f"unknown column: {spec.name} may hold only the agreed "
                    "columns; remove it and deliver again",
                )
            )
        else:
            found.append(problem(file, name, (), "unknown column, ignored", severity="warning"))
    return found


def read_dataset(delivery_folder: Path, dataset: str) -> pl.DataFrame:
    """The typed landing table of one dataset; raises DeliveryError listing every problem of its file.

    An optional dataset that was not delivered gives an empty table with the full schema; a required one
    raises. Warnings (e.g. an unknown extra column in a survey) do not raise.
    """
    spec = dataset_spec(dataset)
    parsed = parse_dataset(delivery_folder, dataset)
    if not parsed.delivered:
        if spec.optional:
            return empty_frame(spec)
        raise DeliveryError([missing_dataset_problem(dataset)])
    if parsed.frame is None or any(p.is_error for p in parsed.problems):
        raise DeliveryError(parsed.problems)
    return parsed.frame


def missing_dataset_problem(dataset: str) -> Problem:
    """The problem of a required dataset with no file."""
    formats = ", ".join(f".{f}" for f in dataset_spec(dataset).formats)
    return problem(
        f"{dataset}.*",
        None,
        (),
        f"required dataset {dataset} was not delivered (expected {dataset} as {formats})",
    )


__all__ = ["FORMATS", "ParsedDataset", "dataset_files", "parse_dataset", "read_dataset"]
