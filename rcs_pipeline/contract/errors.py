"""Typed delivery errors: every problem found, each naming file, column, spreadsheet rows and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ROWS_SHOWN = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a delivery. Messages never hold identifier values, so they are safe in logs and the UI.

    Example: str(Problem("error", "admin_extract.csv", "pupil_ref", (14,), 1, "is not 10 characters [A-Z0-9]"))
    -> "error: admin_extract.csv, column pupil_ref, row 14: is not 10 characters [A-Z0-9]"
    """

    severity: str  # "error" refuses the delivery; "warning" is reported and the delivery goes on
    file: str
    column: str | None
    rows: tuple[int, ...]  # first few spreadsheet row numbers (header = 1, first data row = 2)
    row_count: int  # how many rows in all
    message: str
    rule: str = ""  # name of a cross-file rule ("seed_codes", "roll", "service_flags"); "" for file rules

    @property
    def is_error(self) -> bool:
        """True when the problem refuses the delivery."""
        return self.severity == "error"

    def __str__(self) -> str:
        parts = [self.file]
        if self.column:
            parts.append(f"column {self.column}")
        if self.rows:
            parts.append(_rows_text(self.rows, self.row_count))
        return f"{self.severity}: {', '.join(parts)}: {self.message}"


def _rows_text(rows: Sequence[int], total: int) -> str:
    """'row 14', 'rows 2, 5, 9' or 'rows 2, 5, 9, 10, 11 and 37 more'."""
    shown = ", ".join(str(r) for r in rows)
    more = total - len(rows)
    label = "row" if total == 1 else "rows"
    return f"{label} {shown}" + (f" and {more} more" if more > 0 else "")


def problem(
    file: str, column: str | None, rows: Sequence[int], message: str, *, severity: str = "error"
) -> Problem:
    """A Problem keeping the first few of `rows` (sorted) and their total count."""
    ordered = sorted(rows)
    return Problem(severity, file, column, tuple(ordered[:ROWS_SHOWN]), len(ordered), message)


class DeliveryError(Exception):
    """A delivery refused by the input contract; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    @property
    def errors(self) -> list[Problem]:
        """The problems that refuse the delivery."""
        return [p for p in self.problems if p.is_error]

    def __str__(self) -> str:
        count = len(self.errors)
        head = f"delivery refused: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(str(p) for p in self.problems)])
