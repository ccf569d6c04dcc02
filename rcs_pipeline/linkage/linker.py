"""The linker (eDRIS role): content tables joined through the key holder's token → link-id map, tokens dropped.

The linker never sees an identifier: it receives content tables (record token + content) and the link map
(record token → link id, method, probability, reason). Its output is keyed by `link_id` and has no token.
Respondents who did not link stay, with their `unlinked_reason` and null admin columns; duplicates (a second
response from a pupil already linked) are left out of the analysis.

The contractor's `response_id` does not pass the linker either: it is a join key back to the delivered
file (and a careless contractor may have typed a pupil reference into it). Each linked respondent gets a
project-side `response_id` instead: its row number within its instrument, in an order that follows the
keyed link id (and, for respondents without one, a hash of their answers), never the delivered order.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.linkage.matching import ADMIN, SURVEY_INSTRUMENTS

PUPIL_SURVEYS = ("secondary_survey", "primary_survey")
PARENT_SURVEYS = ("parent_survey",)
LINK_COLUMNS = ("link_id", "link_method", "match_probability", "unlinked_reason")
ADMIN_RENAMES = {"seed_code": "admin_seed_code", "stage": "admin_stage", "sex": "admin_sex"}
NOT_CONTENT = ("record_token", "source_row", "response_id")


class LinkerError(ValueError):
    """The content tables and the link map do not fit together (message names tables and counts only)."""


def admin_content(link_map: pl.DataFrame, admin: pl.DataFrame) -> pl.DataFrame:
    """The admin extract's content keyed by link id: link_id, admin_seed_code, admin_stage, admin_sex, flags…"""
    ids = link_map.filter(pl.col("dataset") == ADMIN).select("record_token", "link_id")
    keyed = admin.join(ids, on="record_token", how="left")
    if keyed.get_column("link_id").null_count():
        raise LinkerError(
            "admin_extract: some content rows have no link id in the link map (stale link map?)"
        )
    content = [c for c in admin.columns if c not in (*NOT_CONTENT, *IDENTIFIER_COLUMNS)]
    renamed = [ADMIN_RENAMES.get(c, c) for c in content]
    return keyed.select("link_id", *[pl.col(c).alias(r) for c, r in zip(content, renamed, strict=True)])


def link_survey_content(
    link_map: pl.DataFrame, content: pl.DataFrame, dataset: str, admin: pl.DataFrame
) -> pl.DataFrame:
    """One survey's content with its link columns and admin columns, duplicates dropped, token dropped."""
    links = link_map.filter(pl.col("dataset") == dataset).select("record_token", *LINK_COLUMNS)
    joined = content.join(links, on="record_token", how="left")
    missing = joined.get_column("unlinked_reason").is_null() & joined.get_column("link_id").is_null()
    if missing.any():
        raise LinkerError(
            f"{dataset}: {int(missing.sum())} content row(s) are not in the link map (stale link map?)"
        )
    kept = joined.filter(pl.col("unlinked_reason").fill_null("") != "duplicate")
    survey_columns = [c for c in content.columns if c not in NOT_CONTENT]
    out = kept.select(pl.lit(SURVEY_INSTRUMENTS[dataset]).alias("instrument"), *LINK_COLUMNS, *survey_columns)
    return out.join(admin, on="link_id", how="left")


RESPONSE_ID_DIGITS = 7
_ORDER_SEED = 20151


def project_response_ids(linked: pl.DataFrame) -> pl.DataFrame:
    """Number respondents 0000001, 0000002, ... within each instrument, in an order the contractor cannot know.

    The order is the keyed link id (nulls last), then a hash of every column, so the same inputs give the
    same numbers whatever the random record tokens, and nothing of the delivered file's order or ids is kept.
    """
    if "response_id" in linked.columns:
        raise LinkerError("the contractor's response_id must not reach the linked dataset")
    ordered = linked.with_columns(pl.struct(pl.all()).hash(seed=_ORDER_SEED).alias("_order")).sort(
        ["instrument", "link_id", "_order"], nulls_last=True, maintain_order=True
    )
    number = pl.int_range(1, pl.len() + 1).over("instrument").cast(pl.String).str.zfill(RESPONSE_ID_DIGITS)
    return ordered.with_columns(number.alias("response_id")).drop("_order")


def linked_dataset(
    link_map: pl.DataFrame,
    content: dict[str, pl.DataFrame],
    datasets: tuple[str, ...],
    wave: str,
    la_code: str,
) -> pl.DataFrame:
    """The linked dataset of `datasets` for one (wave, council), sorted by instrument and response id."""
    if ADMIN not in content:
        raise LinkerError("the admin_extract content table is required to link")
    admin = admin_content(link_map, content[ADMIN])
    parts = [link_survey_content(link_map, content[d], d, admin) for d in datasets if d in content]
    if not parts:
        raise LinkerError(f"none of {datasets} has a content table to link")
    linked = pl.concat(parts, how="diagonal_relaxed")
    admin_columns = [c for c in admin.columns if c != "link_id"]
    survey_columns = [
        c for c in linked.columns if c not in admin.columns and c not in ("instrument", *LINK_COLUMNS)
    ]
    ordered = project_response_ids(linked).select(
        pl.lit(wave).alias("wave"),
        pl.lit(la_code).alias("la_code"),
        "instrument",
        "response_id",
        *LINK_COLUMNS,
        *survey_columns,
        *admin_columns,
    )
    forbidden = set(ordered.columns) & {*IDENTIFIER_COLUMNS, "record_token"}
    if forbidden:
        raise LinkerError(f"the linked dataset would carry forbidden column(s) {sorted(forbidden)}")
    return ordered.sort(["instrument", "response_id"])
