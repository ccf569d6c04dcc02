"""Code lists of the services register (levels, domains, provider types, evidence ratings), kept as data.

The CSV files in `codelists/` beside this module are the single source of the allowed codes, their
display labels and their print order; the need indicators of each domain are named in `domains.csv`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

CODE_LISTS = ("levels", "level_groups", "domains", "provider_types", "evidence_ratings")


@cache
def read_codes(name: str) -> pl.DataFrame:
    """The packaged code list `codelists/<name>.csv` as a frame, in print order."""
    if name not in CODE_LISTS:
        raise ValueError(f"unknown services code list {name!r}; expected one of {CODE_LISTS}")
    text = resources.files(__package__).joinpath("codelists").joinpath(f"{name}.csv").read_bytes()
    frame = pl.read_csv(text, infer_schema=False)
    return frame.with_columns(pl.col("order").cast(pl.Int32)).sort("order")


def allowed(name: str) -> tuple[str, ...]:
    """The allowed codes of one code list (its first column), in print order."""
    frame = read_codes(name)
    return tuple(frame.get_column(frame.columns[0]).to_list())


def labels(name: str) -> dict[str, str]:
    """Code → display label for one code list."""
    frame = read_codes(name)
    return dict(
        zip(frame.get_column(frame.columns[0]).to_list(), frame.get_column("label").to_list(), strict=True)
    )


def level_group_of() -> dict[str, str]:
    """Level → its group: `prevention_early` (Universal, Prevention, Early intervention) or `targeted_intensive`."""
    frame = read_codes("levels")
    return dict(zip(frame["level"].to_list(), frame["level_group"].to_list(), strict=True))


EVIDENCE_BASED = "Evidence-based"
"""The evidence rating whose spend counts as spend on evidence-based programmes."""
