"""Code lists kept as data files beside this module, read by one loader."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def read_codelist(name: str) -> tuple[dict[str, str], ...]:
    """Rows of the packaged code list `<name>.csv`, as dicts of text."""
    text = resources.files(__package__).joinpath(f"{name}.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def council_names() -> dict[str, str]:
    """The 32 Scottish council GSS codes mapped to their names."""
    return {row["la_code"]: row["la_name"] for row in read_codelist("councils")}


IDENTIFIER_COLUMNS: tuple[str, ...] = ("pupil_ref", "date_of_birth", "birth_month", "postcode")
"""Columns that may exist only in the landing, separation-identifier and key-holder zones."""
