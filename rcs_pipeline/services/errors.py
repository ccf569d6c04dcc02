"""Typed errors of the services mapping, carrying what a person needs to fix the delivered file."""

from __future__ import annotations

from dataclasses import dataclass

MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class InputProblem:
    """One broken rule in one column of a delivered file, with the spreadsheet rows that break it."""

    file: str
    column: str
    rows: tuple[int, ...]
    message: str

    def __str__(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_SHOWN])
        more = f" and {len(self.rows) - MAX_ROWS_SHOWN} more" if len(self.rows) > MAX_ROWS_SHOWN else ""
        where = f"rows {shown}{more}" if self.rows else "whole file"
        return f"{self.file}, column {self.column!r}, {where}: {self.message}"


class ServicesInputError(ValueError):
    """The services register or the evidence costs break the input contract; lists every problem found."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the services inputs:\n{lines}")
