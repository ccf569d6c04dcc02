"""Print order of services rows: by level, then domain (their code-list order), then the given keys."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.codes import allowed


def code_rank(column: str, code_list: str) -> pl.Expr:
    """Position of a code in its code list (unknown codes last), for sorting in print order."""
    ranks = {code: i for i, code in enumerate(allowed(code_list))}
    return pl.col(column).replace_strict(ranks, default=len(ranks), return_dtype=pl.Int32)


def sort_by_level_and_domain(frame: pl.DataFrame, *then: str) -> pl.DataFrame:
    """Rows in print order: level, domain, then the `then` columns (all deterministic, never row order)."""
    return (
        frame.with_columns(
            code_rank("level", "levels").alias("_level"), code_rank("domain", "domains").alias("_domain")
        )
        .sort(["_level", "_domain", *then], nulls_last=True)
        .drop("_level", "_domain")
    )
