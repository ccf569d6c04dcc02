"""Read one delivered file (CSV, XLSX or SPSS .sav) into an all-text frame with spreadsheet row numbers."""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl

from rcs_pipeline.contract.errors import Problem, problem
from rcs_pipeline.contract.spec import delivery_rules

SOURCE_ROW = "source_row"
FORMATS = ("csv", "xlsx", "sav")
# A header name is echoed in a message only when it looks like a column name (letters, spaces, underscores,
# at most two trailing digits: 'notes', 'sdq_26'): in a file without a header row the "names" are the first
# row's cells, which may be a pupil reference, a postcode or a date.
COLUMN_NAME = r"[a-z_][a-z_ ]{0,39}\d{0,2}"


def header_label(name: str, position: int) -> str:
    """How a header cell is named in a message: itself when it looks like a column name, else its position.

    Example: header_label("notes", 3) -> "notes"; header_label("ab12345678", 1) -> "(header cell 1)".
    """
    return name if re.fullmatch(COLUMN_NAME, name) else f"(header cell {position})"


class UnreadableFile(Exception):
    """A file that cannot be parsed at all; `problem` says why without quoting its content."""

    def __init__(self, found: Problem) -> None:
        self.problem = found
        super().__init__(str(found))


def read_text_frame(path: Path) -> tuple[pl.DataFrame, list[Problem]]:
    """All cells as trimmed text (blank -> null), column names trimmed and lower-cased, plus `source_row`.

    Row numbers are those a spreadsheet user sees: header = 1, first data row = 2. Fully blank rows are
    dropped (their numbers are skipped). Raises UnreadableFile for an empty or unparsable file.
    """
    ext = path.suffix.lower().lstrip(".")
    if path.is_symlink() or not path.is_file():
        raise UnreadableFile(
            problem(path.name, None, (), "is a symbolic link or not a regular file: deliver the file itself")
        )
    if path.stat().st_size == 0:
        raise UnreadableFile(problem(path.name, None, (), "the file is empty (0 bytes)"))
    _check_size(path, ext)
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "sav": _read_sav}
    limit = delivery_rules().max_rows
    try:
        frame = readers[ext](path, limit + 1)
    except UnreadableFile:
        raise
    except Exception as exc:  # parsers raise many types; the message may quote cells, so it is not passed on
        raise UnreadableFile(
            problem(path.name, None, (), f"cannot be read as {_FORMAT_TEXT[ext]} ({type(exc).__name__})")
        ) from None
    if frame.height > limit:
        raise UnreadableFile(
            problem(
                path.name, None, (), f"has more than {limit:,} data rows, the limit for one file ({LIMITS})"
            )
        )
    return _tidy(frame, path.name)


LIMITS = "rcs_pipeline/contract/delivery.yaml, limits"
MB = 1024 * 1024


def _check_size(path: Path, ext: str) -> None:
    """Refuse a file larger than the limit on disk or, for a workbook, once unzipped (a decompression bomb)."""
    rules = delivery_rules()
    size = path.stat().st_size
    if size > rules.max_file_mb * MB:
        raise UnreadableFile(
            problem(
                path.name,
                None,
                (),
                f"is {size / MB:,.0f} MB; one file may be at most {rules.max_file_mb} MB ({LIMITS})",
            )
        )
    if ext != "xlsx":
        return
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a workbook at all: the reader says it cannot be read
    if unpacked > rules.max_unpacked_mb * MB:
        raise UnreadableFile(
            problem(
                path.name,
                None,
                (),
                f"unzips to {unpacked / MB:,.0f} MB; a workbook may unzip to at most "
                f"{rules.max_unpacked_mb} MB ({LIMITS}): deliver it as CSV",
            )
        )


_FORMAT_TEXT = {
    "csv": "CSV (UTF-8, comma-separated, header row)",
    "xlsx": "an Excel workbook (first sheet, header in row 1)",
    "sav": "an SPSS .sav file",
}


def _read_csv(path: Path, n_rows: int) -> pl.DataFrame:
    """CSV as text; a UTF-8 byte-order mark is tolerated, any other encoding is refused."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(
            problem(path.name, None, (), "is not UTF-8 text: save it as 'CSV UTF-8'")
        ) from None
    if not data.strip():
        raise UnreadableFile(problem(path.name, None, (), "the file is empty (no header row)"))
    return pl.read_csv(
        io.BytesIO(data), infer_schema=False, has_header=True, truncate_ragged_lines=False, n_rows=n_rows
    )


def _read_xlsx(path: Path, n_rows: int) -> pl.DataFrame:
    """First sheet of a workbook, every cell as text (whole numbers without a decimal point)."""
    import fastexcel

    sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string", n_rows=n_rows)
    return sheet.to_polars()


def _read_sav(path: Path, n_rows: int) -> pl.DataFrame:
    """SPSS file, value labels ignored; numbers become text as a CSV would hold them."""
    import pyreadstat

    data, _meta = pyreadstat.read_sav(
        str(path), apply_value_formats=False, dates_as_pandas_datetime=False, row_limit=n_rows
    )
    return pl.DataFrame(
        {name: [_sav_cell(v) for v in data[name].tolist()] for name in data.columns},
        schema={name: pl.String for name in data.columns},
    )


def _sav_cell(value: object) -> str | None:
    """One SPSS cell as CSV-like text: 3.0 -> '3', NaN -> None, dates in ISO form."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _tidy(frame: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Trim names and cells, blank -> null, number the rows, drop fully blank rows."""
    problems: list[Problem] = []
    names = [str(c).strip().lower() for c in frame.columns]
    seen: set[str] = set()
    keep: list[int] = []
    for i, name in enumerate(names):
        if not name or name.startswith("__unnamed") or name.startswith("unnamed"):
            if frame.get_column(frame.columns[i]).null_count() < frame.height:
                problems.append(
                    problem(file, None, (), f"column {i + 1} holds data but has no name in the header row")
                )
            continue
        if name in seen:
            problems.append(
                problem(
                    file,
                    header_label(name, i + 1),
                    (),
                    "the column appears more than once in the header row "
                    "(names are compared ignoring case and spaces)",
                )
            )
            continue
        seen.add(name)
        keep.append(i)
    frame = frame.select([pl.col(frame.columns[i]).cast(pl.String).alias(names[i]) for i in keep])
    cells = [pl.col(c).str.strip_chars().replace("", None).alias(c) for c in frame.columns]
    frame = frame.with_columns(cells).with_row_index(SOURCE_ROW, offset=2)
    frame = frame.with_columns(pl.col(SOURCE_ROW).cast(pl.Int32))
    if frame.width > 1:
        frame = frame.filter(~pl.all_horizontal(pl.exclude(SOURCE_ROW).is_null()))
    return frame, problems
