"""Breakdown columns of the analysis tables, derived from the linked admin record (null when unlinked).

- `simd_quintile` = ceil(simd_decile / 2): 1 most deprived … 5 least deprived.
- `urban_rural_2fold`: the Scottish Government 2-fold classification, urban = 8-fold 1-5 (large urban,
  other urban, accessible/remote/very remote small towns: settlements of 3,000 people or more), rural =
  8-fold 6-8 (accessible, remote, very remote rural: fewer than 3,000 people).
- `fsm_p6plus`: free school meals where they are means-tested: null for a stage whose meals are universal in
  the row's wave (rcs_pipeline/waves/rules.yaml: P1-P3 from January 2015, P4 from August 2021, P5 from January
  2022), so P6 and up in every wave and P4-P5 before 2021-22 (the name is kept for the published tables).
- `any_asn`: at least one additional support need code; `looked_after_any`: any of the four
  looked-after types; `child_protection_register` as recorded.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.waves import fsm_universal_expr

URBAN_8FOLD = (1, 2, 3, 4, 5)
RURAL_8FOLD = (6, 7, 8)
LOOKED_AFTER = (
    "looked_after_home",
    "looked_after_foster",
    "looked_after_kinship",
    "looked_after_residential",
)
BREAKDOWN_COLUMNS = (
    "simd_quintile", "urban_rural_8fold", "urban_rural_2fold", "fsm_p6plus", "any_asn", "looked_after_any",
    "child_protection_register",
)  # fmt: skip


def breakdown_expressions() -> list[pl.Expr]:
    """Expressions for the breakdown columns from the admin columns of a linked table."""
    linked = pl.col("link_id").is_not_null()
    decile = pl.col("simd_decile").cast(pl.Int8)
    fold8 = pl.col("urban_rural_8fold").cast(pl.Int8)
    looked_after = [pl.col(c) for c in LOOKED_AFTER]
    return [
        pl.when(decile.is_between(1, 10))
        .then((decile + 1) // 2)
        .otherwise(None)
        .cast(pl.Int8)
        .alias("simd_quintile"),
        pl.when(fold8.is_between(1, 8)).then(fold8).otherwise(None).alias("urban_rural_8fold"),
        pl.when(fold8.is_in(URBAN_8FOLD))
        .then(pl.lit("urban"))
        .when(fold8.is_in(RURAL_8FOLD))
        .then(pl.lit("rural"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("urban_rural_2fold"),
        pl.when(linked & ~fsm_universal_expr(pl.col("wave"), pl.col("stage")))
        .then(pl.col("free_school_meals"))
        .otherwise(None)
        .cast(pl.Boolean)
        .alias("fsm_p6plus"),
        pl.when(linked)
        .then(pl.col("asn_types").cast(pl.String).str.strip_chars().fill_null("") != "")
        .otherwise(None)
        .alias("any_asn"),
        pl.when(linked)
        .then(
            pl.when(pl.any_horizontal([c.fill_null(False) for c in looked_after]))
            .then(True)
            .when(pl.all_horizontal([c.is_not_null() for c in looked_after]))
            .then(False)
            .otherwise(None)
        )
        .otherwise(None)
        .alias("looked_after_any"),
        pl.when(linked)
        .then(pl.col("child_protection_register"))
        .otherwise(None)
        .cast(pl.Boolean)
        .alias("child_protection_register"),
    ]
