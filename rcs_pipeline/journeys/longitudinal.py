"""The longitudinal table of the linkage zone: children linked in two or more waves, keyed by link id only."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.need import add_need_flags, add_service_flags
from rcs_pipeline.scoring.breakdowns import breakdown_expressions
from rcs_pipeline.scoring.sdq import score_sdq
from rcs_pipeline.scoring.wemwbs import wemwbs_score

LONGITUDINAL_COLUMNS = (
    "link_id", "wave", "instrument", "stage", "sex", "simd_quintile", "need_any",
    "service_social_work", "service_asl", "service_any", "wemwbs", "sdq_total",
)  # fmt: skip


def wave_measures(linked: pl.DataFrame) -> pl.DataFrame:
    """Per linked respondent of one wave: stage, sex, SIMD quintile, need, services, WEMWBS, SDQ total.

    The same scoring, need and service rules as `pupil_scores` (rcs_pipeline.scoring, rcs_pipeline.need), so a
    child's measures here equal their pupil_scores row. Unlinked respondents are dropped (no link id).
    """
    frame = linked.filter(pl.col("link_id").is_not_null())
    frame = frame.with_columns(pl.coalesce(pl.col("sex"), pl.col("admin_sex")).alias("sex"))
    frame = score_sdq(frame, informant="self").with_columns(wemwbs_score().alias("wemwbs"))
    frame = add_service_flags(add_need_flags(frame.with_columns(breakdown_expressions()), "pupil"))
    return frame.select(LONGITUDINAL_COLUMNS).unique("link_id", keep="first", maintain_order=True)


def longitudinal_table(measures: list[pl.DataFrame], wave: str) -> pl.DataFrame:
    """Children of `wave` also linked in an earlier wave: one row per (link_id, wave) for every wave <= `wave`.

    Example: a child linked in 2015-16 and 2017-18 gives two rows in the 2017-18 table; a child seen only in
    2017-18 gives none.
    """
    rows = pl.concat([m.select(LONGITUDINAL_COLUMNS) for m in measures], how="vertical_relaxed")
    rows = rows.filter(pl.col("wave") <= wave)
    followed = rows.group_by("link_id").agg(
        current=(pl.col("wave") == wave).any(), earlier=(pl.col("wave") < wave).any()
    )
    keep = followed.filter(pl.col("current") & pl.col("earlier")).select("link_id")
    return rows.join(keep, on="link_id", how="semi").sort("link_id", "wave")
