"""Linkage accuracy against the generator's ground truth: which survey row the key holder linked to which
admin row, beside which it really is.

Only for synthetic data (tests and benchmarks): the join goes through record tokens, which no zone of the
pipeline may hold together with content, and the truth file exists only for generated deliveries.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import polars as pl


@dataclass(frozen=True)
class LinkageAccuracy:
    """Counts behind the precision and recall of the exact and probabilistic stages."""

    exact: int
    exact_correct: int
    probabilistic: int
    probabilistic_correct: int
    needed: int
    needed_found: int

    @property
    def probabilistic_precision(self) -> float:
        """Share of probabilistic links that point at the right admin record (1.0 when there are none)."""
        return self.probabilistic_correct / self.probabilistic if self.probabilistic else 1.0

    @property
    def probabilistic_recall(self) -> float:
        """Share of rows that needed a probabilistic link (reference lost, child in the extract) found."""
        return self.needed_found / self.needed if self.needed else 1.0

    def __add__(self, other: LinkageAccuracy) -> LinkageAccuracy:
        """Counts of two councils together."""
        return LinkageAccuracy(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def link_outcomes(
    link_map: pl.DataFrame,
    admin_identifiers: pl.DataFrame,
    survey_contents: dict[str, pl.DataFrame],
    truth: pl.DataFrame,
) -> pl.DataFrame:
    """One row per survey response: its link (method, reason), the admin source row it was linked to, and the truth.

    `link_map` is the key holder's; `admin_identifiers` the separation's admin identifier table (record_token,
    source_row); `survey_contents` each survey's content table (record_token, response_id) by dataset name;
    `truth` the generator's file for the council.
    """
    admin_rows = link_map.join(
        admin_identifiers.select("record_token", "source_row"), on="record_token"
    ).select("link_id", pl.col("source_row").alias("linked_admin_row"))
    parts = [
        content.select("record_token", "response_id")
        .join(link_map, on="record_token")
        .join(admin_rows, on="link_id", how="left")
        for content in survey_contents.values()
    ]
    surveys = truth.filter(pl.col("dataset") != "admin_extract")
    return pl.concat(parts).join(surveys, on=["dataset", "response_id"], how="inner", validate="1:1")


def linkage_accuracy(outcomes: pl.DataFrame) -> LinkageAccuracy:
    """Exact and probabilistic links checked against the truth (outcomes from `link_outcomes`).

    A row needed probabilistic matching when its reference was blank or garbled (`ref_status` not ok), its child
    is in the extract and it is not a second response of the same child.
    """
    right = pl.col("linked_admin_row") == pl.col("admin_source_row")
    exact = outcomes.filter(pl.col("link_method") == "exact")
    probabilistic = outcomes.filter(pl.col("link_method") == "probabilistic")
    needed = outcomes.filter(
        pl.col("ref_status") != "ok", pl.col("admin_source_row").is_not_null(), ~pl.col("is_duplicate")
    )
    return LinkageAccuracy(
        exact=exact.height,
        exact_correct=int(exact.select(right.sum()).item()),
        probabilistic=probabilistic.height,
        probabilistic_correct=int(probabilistic.select(right.sum()).item()),
        needed=needed.height,
        needed_found=int(needed.select(right.fill_null(False).sum()).item()),
    )
