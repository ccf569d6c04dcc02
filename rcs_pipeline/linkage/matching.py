"""The key holder: from identifier tables only, decide which survey row is which admin record and issue link ids.

Order of work for each survey instrument of one council:
1. exact: a well-formed, normalised `pupil_ref` found in the admin extract;
2. probabilistic (Splink): rows whose reference is blank, malformed or not in the extract, scored against the
   admin records no exact link of this instrument has claimed; the best candidate is accepted when its
   match probability reaches `threshold`;
3. one admin record keeps at most one survey row per instrument: the most complete response (most items
   answered, then earliest completed_on, then lowest source_row); the others are `duplicate`.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.linkage.keys import link_ids
from rcs_pipeline.linkage.model import matching_model
from rcs_pipeline.linkage.probabilistic import score_groups

REF_PATTERN = r"^[A-Z0-9]{10}$"
SURVEY_INSTRUMENTS: dict[str, str] = {
    "secondary_survey": "secondary",
    "primary_survey": "primary",
    "parent_survey": "parent",
}
ADMIN = "admin_extract"
LINK_MAP_SCHEMA: dict[str, pl.DataType] = {
    "dataset": pl.String(),
    "record_token": pl.String(),
    "link_id": pl.String(),
    "link_method": pl.String(),
    "match_probability": pl.Float64(),
    "unlinked_reason": pl.String(),
}


class KeyHolderError(ValueError):
    """The identifier tables cannot be linked as delivered (message names the table and column, never a value)."""


def _normalised_ref() -> pl.Expr:
    """pupil_ref upper-cased with every space removed; blank → null."""
    ref = pl.col("pupil_ref").cast(pl.String).str.replace_all(r"\s+", "").str.to_uppercase()
    return pl.when(ref == "").then(None).otherwise(ref).alias("ref")


def standardise_survey(identifiers: pl.DataFrame) -> pl.DataFrame:
    """One survey's identifier table in the key holder's common shape (parent survey: child's sex, no stage)."""
    cols = identifiers.columns
    sex = "sex" if "sex" in cols else "child_sex"
    return identifiers.select(
        "record_token",
        _normalised_ref(),
        pl.col("birth_month").cast(pl.String),
        # `X` (another way / prefer not to say) is no evidence against an M/F council record.
        pl.when(pl.col(sex).cast(pl.String).is_in(["M", "F"])).then(pl.col(sex).cast(pl.String)).alias("sex"),
        pl.col("seed_code").cast(pl.String),
        (pl.col("stage") if "stage" in cols else pl.lit(None)).cast(pl.String).alias("stage"),
        (pl.col("answered_items") if "answered_items" in cols else pl.lit(0))
        .cast(pl.Int32)
        .alias("answered_items"),
        (pl.col("completed_on") if "completed_on" in cols else pl.lit(None))
        .cast(pl.Date)
        .alias("completed_on"),
        (pl.col("source_row") if "source_row" in cols else pl.lit(None)).cast(pl.Int64).alias("source_row"),
    ).with_columns(pl.col("ref").str.contains(REF_PATTERN).fill_null(False).alias("ref_valid"))


def standardise_admin(identifiers: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The admin extract's identifier table with each record's link id and birth month."""
    admin = identifiers.select(
        "record_token",
        _normalised_ref(),
        pl.col("date_of_birth").cast(pl.Date).dt.strftime("%Y-%m").alias("birth_month"),
        pl.col("sex").cast(pl.String),
        pl.col("seed_code").cast(pl.String),
        pl.col("stage").cast(pl.String),
    )
    blank = admin.filter(pl.col("ref").is_null()).height
    if blank:
        raise KeyHolderError(
            f"admin_extract: {blank} row(s) have a blank pupil_ref; every admin record needs one"
        )
    duplicated = admin.height - admin.get_column("ref").n_unique()
    if duplicated:
        raise KeyHolderError(f"admin_extract: pupil_ref is not unique ({duplicated} repeated value(s))")
    return admin.with_columns(link_ids(admin.get_column("ref"), key))


def _resolve_duplicates(candidates: pl.DataFrame) -> pl.DataFrame:
    """Mark all but the most complete survey row of each admin record as `duplicate`."""
    order = candidates.sort(
        ["admin_token", "answered_items", "completed_on", "source_row", "record_token"],
        descending=[False, True, False, False, False],
        nulls_last=True,
    )
    return order.with_columns((pl.int_range(pl.len()).over("admin_token") > 0).alias("is_duplicate"))


def exact_links(survey: pl.DataFrame, admin: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Exact stage: (linked rows with admin_token, rows left for probabilistic matching, the unclaimed pool)."""
    admin_refs = admin.select("ref", pl.col("record_token").alias("admin_token"))
    exact = (
        survey.filter(pl.col("ref_valid"))
        .join(admin_refs, on="ref", how="inner")
        .with_columns(pl.lit("exact").alias("link_method"), pl.lit(1.0).alias("match_probability"))
    )
    rest = survey.join(exact.select("record_token"), on="record_token", how="anti")
    pool = admin.join(
        exact.select(pl.col("admin_token").alias("record_token")), on="record_token", how="anti"
    )
    return exact, rest, pool


def scorable(rest: pl.DataFrame) -> pl.DataFrame:
    """Rows worth scoring: a parent whose child is not at school (no school, no stage) cannot be in the extract."""
    return rest.filter(pl.col("seed_code").is_not_null() | pl.col("stage").is_not_null())


def finish_links(
    survey: pl.DataFrame,
    admin: pl.DataFrame,
    exact: pl.DataFrame,
    rest: pl.DataFrame,
    best: pl.DataFrame,
    threshold: float,
) -> pl.DataFrame:
    """Accept probabilistic links at `threshold`, resolve duplicates, give every row its link or reason."""
    accepted = best.filter(pl.col("match_probability") >= threshold)
    probabilistic = rest.join(
        accepted.select(pl.col("survey_token").alias("record_token"), "admin_token", "match_probability"),
        on="record_token",
    ).with_columns(pl.lit("probabilistic").alias("link_method"))
    linked = _resolve_duplicates(pl.concat([exact, probabilistic], how="diagonal_relaxed"))
    links = linked.join(
        admin.select(pl.col("record_token").alias("admin_token"), "link_id"), on="admin_token"
    )
    possible = best.select(
        pl.col("survey_token").alias("record_token"), pl.col("match_probability").alias("best_p")
    )
    out = survey.join(
        links.select("record_token", "link_id", "link_method", "match_probability", "is_duplicate"),
        on="record_token",
        how="left",
    ).join(possible, on="record_token", how="left")
    floor = matching_model().possible_match
    is_dup = pl.col("is_duplicate").fill_null(False)
    reason = (
        pl.when(pl.col("link_id").is_not_null() & ~is_dup)
        .then(None)
        .when(is_dup)
        .then(pl.lit("duplicate"))
        .when(pl.col("best_p") >= floor)
        .then(pl.lit("below_threshold"))
        .when(~pl.col("ref_valid"))
        .then(pl.lit("no_reference"))
        .otherwise(pl.lit("reference_not_in_extract"))
    )
    return out.select(
        "record_token",
        pl.when(is_dup).then(None).otherwise(pl.col("link_id")).alias("link_id"),
        pl.when(is_dup).then(None).otherwise(pl.col("link_method")).alias("link_method"),
        pl.when(is_dup).then(None).otherwise(pl.col("match_probability")).alias("match_probability"),
        reason.alias("unlinked_reason"),
    )


def link_surveys(
    surveys: dict[str, pl.DataFrame], admin: pl.DataFrame, threshold: float
) -> dict[str, pl.DataFrame]:
    """Link each standardised survey to the admin records: dataset → link_map rows (without `dataset`).

    Exact links per survey first; the remaining rows of every survey are then scored in one Splink run, each
    survey against the admin records its own exact links left unclaimed.
    """
    staged = {dataset: (survey, *exact_links(survey, admin)) for dataset, survey in surveys.items()}
    groups = {dataset: (scorable(rest), pool) for dataset, (_, _, rest, pool) in staged.items()}
    best = score_groups(groups, admin)
    return {
        dataset: finish_links(survey, admin, exact, rest, best[dataset], threshold)
        for dataset, (survey, exact, rest, _) in staged.items()
    }


def build_link_map(identifiers: dict[str, pl.DataFrame], key: bytes, threshold: float) -> pl.DataFrame:
    """The token → link-id map of one council's delivery, from its identifier tables only.

    `identifiers` maps dataset name (admin_extract and any surveys) to its identifier table; `key` is the
    linkage secret for this wave; `threshold` the probability a probabilistic link must reach.
    """
    if ADMIN not in identifiers:
        raise KeyHolderError("the admin_extract identifier table is required to link")
    if not 0.0 < threshold <= 1.0:
        raise KeyHolderError(f"match_threshold must be in (0, 1]; got {threshold}")
    admin = standardise_admin(identifiers[ADMIN], key)
    parts = [
        admin.select(
            pl.lit(ADMIN).alias("dataset"),
            "record_token",
            "link_id",
            pl.lit(None, pl.String).alias("link_method"),
            pl.lit(None, pl.Float64).alias("match_probability"),
            pl.lit(None, pl.String).alias("unlinked_reason"),
        )
    ]
    surveys = {d: standardise_survey(identifiers[d]) for d in SURVEY_INSTRUMENTS if d in identifiers}
    for dataset, linked in link_surveys(surveys, admin, threshold).items():
        parts.append(linked.select(pl.lit(dataset).alias("dataset"), *linked.columns))
    link_map = pl.concat([p.cast(LINK_MAP_SCHEMA) for p in parts]).select(list(LINK_MAP_SCHEMA))
    return link_map.sort(["dataset", "record_token"])


def link_map_summary(link_map: pl.DataFrame) -> dict[str, int]:
    """Counts by dataset, method and reason, for metadata and logs (no identifiers, no tokens)."""
    summary: dict[str, int] = {}
    for dataset, method, reason, n in (
        link_map.group_by(["dataset", "link_method", "unlinked_reason"]).len().rows()
    ):
        label = method or reason or "records"
        summary[f"{dataset}/{label}"] = summary.get(f"{dataset}/{label}", 0) + n
    return dict(sorted(summary.items()))
