"""A linked-like table built straight from the synthetic deliveries, for tests of the analysis zone.

It joins each survey to the admin extract on the pupil reference (exact matches only) and then drops every
identifier, giving the columns of docs/tables.md "linkage". The link id here is a plain SHA-256 of the
reference: a test stand-in, never the keyed HMAC of the real key holder.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.contract.readers import read_dataset

INSTRUMENTS = {"secondary_survey": "secondary", "primary_survey": "primary", "parent_survey": "parent"}
ADMIN_RENAMES = {"seed_code": "admin_seed_code", "stage": "admin_stage", "sex": "admin_sex"}


def _link_id(column: str) -> pl.Expr:
    """Stand-in link id of a pupil reference (hex digest), null when the reference is null."""
    return pl.col(column).map_elements(
        lambda ref: __import__("hashlib").sha256(ref.encode()).hexdigest(), return_dtype=pl.String
    )


def linked_like(delivery: Path, wave: str, la_code: str, surveys: tuple[str, ...]) -> pl.DataFrame:
    """The linked table of `surveys` from one delivery folder, sorted by instrument and response id."""
    admin = read_dataset(delivery, "admin_extract")
    admin_content = admin.with_columns(_link_id("pupil_ref").alias("link_id")).select(
        "link_id",
        *[
            pl.col(c).alias(ADMIN_RENAMES.get(c, c))
            for c in admin.columns
            if c not in (*IDENTIFIER_COLUMNS, "source_row")
        ],
    )
    parts = []
    for dataset in surveys:
        survey = read_dataset(delivery, dataset)
        content = [c for c in survey.columns if c not in (*IDENTIFIER_COLUMNS, "source_row", "response_id")]
        linked = survey.with_columns(_link_id("pupil_ref").alias("_candidate")).join(
            admin_content.select(pl.col("link_id").alias("_candidate"), pl.lit(True).alias("_found")),
            on="_candidate",
            how="left",
        )
        linked = linked.with_columns(
            pl.when(pl.col("_found")).then(pl.col("_candidate")).alias("link_id"),
        ).with_columns(
            pl.when(pl.col("link_id").is_not_null()).then(pl.lit("exact")).alias("link_method"),
            pl.when(pl.col("link_id").is_not_null()).then(pl.lit(1.0)).alias("match_probability"),
            pl.when(pl.col("link_id").is_null())
            .then(pl.lit("reference_not_in_extract"))
            .alias("unlinked_reason"),
        )
        parts.append(
            linked.select(
                pl.lit(wave).alias("wave"), pl.lit(la_code).alias("la_code"), pl.lit(INSTRUMENTS[dataset]).alias("instrument"),
                "response_id", "link_id", "link_method", "match_probability", "unlinked_reason", *content,
            ).join(admin_content, on="link_id", how="left")
        )  # fmt: skip
    return pl.concat(parts, how="diagonal_relaxed").sort("instrument", "response_id")


def landing_table(delivery: Path, dataset: str) -> pl.DataFrame:
    """A parsed landing table (schools, school_roll) of one delivery."""
    return read_dataset(delivery, dataset)
