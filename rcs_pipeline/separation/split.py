"""Split a landing table into identifiers (for the key holder) and content (for the linker), joined by a random token.

The token is `secrets.token_hex(16)` per row per delivery: it is random, never derived from an identifier,
so the content side cannot be re-joined to identities without the key holder's map. Both halves are sorted
by token so that row order carries nothing across the split.

Besides the identifiers and the quasi-identifiers the key holder matches on, the identifier table carries
three non-identifying paradata columns the key holder needs to resolve a pupil who answered twice:
`answered_items` (how many survey items were answered, not which or how), `completed_on` and `source_row`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import polars as pl

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS


@dataclass(frozen=True)
class DatasetRoles:
    """Which columns of a dataset the key holder receives besides the token."""

    identifiers: tuple[str, ...]
    quasi_identifiers: tuple[str, ...]
    paradata: tuple[str, ...]


SEPARATED_DATASETS: dict[str, DatasetRoles] = {
    "secondary_survey": DatasetRoles(
        ("pupil_ref", "birth_month"),
        ("seed_code", "stage", "sex"),
        ("answered_items", "completed_on", "source_row"),
    ),
    "primary_survey": DatasetRoles(
        ("pupil_ref", "birth_month"),
        ("seed_code", "stage", "sex"),
        ("answered_items", "completed_on", "source_row"),
    ),
    "parent_survey": DatasetRoles(
        ("pupil_ref", "birth_month"),
        ("seed_code", "child_sex", "child_age"),
        ("answered_items", "source_row"),
    ),
    "admin_extract": DatasetRoles(
        ("pupil_ref", "date_of_birth", "postcode"), ("seed_code", "stage", "sex"), ("source_row",)
    ),
}

ITEM_DTYPE = pl.Int16
NOT_ASKED = -7


def record_tokens(n: int) -> pl.Series:
    """`n` distinct random 32-hex tokens from the operating system's CSPRNG."""
    tokens = [secrets.token_hex(16) for _ in range(n)]
    while len(set(tokens)) < n:  # 128 random bits: a collision is astronomically unlikely, but never allowed
        tokens = [secrets.token_hex(16) for _ in range(n)]
    return pl.Series("record_token", tokens, dtype=pl.String)


def answered_items(frame: pl.DataFrame) -> pl.Expr:
    """Count of survey items answered (item codes are the Int16 columns; not-asked and blank do not count)."""
    items = [name for name, dtype in frame.schema.items() if dtype == ITEM_DTYPE]
    if not items:
        return pl.lit(0, dtype=pl.Int16).alias("answered_items")
    answered = [(pl.col(c).is_not_null() & (pl.col(c) != NOT_ASKED)).cast(pl.Int16) for c in items]
    return pl.sum_horizontal(answered).cast(pl.Int16).alias("answered_items")


def separate(frame: pl.DataFrame, dataset: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split one landing table into (identifier table, content table), both keyed and sorted by a random token."""
    if dataset not in SEPARATED_DATASETS:
        raise ValueError(
            f"no separation rule for dataset {dataset!r}; expected one of {sorted(SEPARATED_DATASETS)}"
        )
    roles = SEPARATED_DATASETS[dataset]
    missing = [c for c in (*roles.identifiers, *roles.quasi_identifiers) if c not in frame.columns]
    if missing:
        raise ValueError(f"landing table {dataset} lacks column(s) {missing} needed to separate it")
    tokened = frame.with_columns(record_tokens(frame.height), answered_items(frame))
    paradata = [c for c in roles.paradata if c in tokened.columns]
    identifiers = tokened.select("record_token", *roles.identifiers, *roles.quasi_identifiers, *paradata)
    content_columns = [c for c in frame.columns if c not in IDENTIFIER_COLUMNS]
    content = tokened.select("record_token", *content_columns)
    return identifiers.sort("record_token"), content.sort("record_token")
