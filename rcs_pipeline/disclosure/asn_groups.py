"""What an attacker knows about ASN reason-group estimates (rcs_pipeline/need/asn_groups.yaml), for the audit.

Each group's children (breakdown `asn_<group>`, value `true`) are a subset of the children with any ASN
(`any_asn` = `true`), and every child with any ASN has a reason in at least one group (every reason code
is in a group). So, per indicator and geography, for the base n and for n_positive alike:

  count(group) − count(any ASN) ≤ 0              for each group;
  count(any ASN) − Σ_groups count(group) ≤ 0      (a group without a row counts 0).

Both are inequalities of the attacker's LP (SystemBuilder.add_inequalities keeps only those the true
counts satisfy). Without them a published group count would bound a withheld any-ASN count unseen.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.system import SystemBuilder, identity_terms
from rcs_pipeline.need.asn_groups import group_columns

KEYS = ["indicator_id", "geography_level", "geography_code"]
WHOLE = ("any_asn", "true")


def _cells(est: pl.DataFrame, column: str, breakdown: str, value: str) -> pl.DataFrame:
    """(keys, var) of the rows of one breakdown value that carry the variable `column`."""
    return est.filter(
        (pl.col("breakdown") == breakdown)
        & (pl.col("breakdown_value") == value)
        & pl.col(column).is_not_null()
    ).select(*KEYS, pl.col(column).alias("var"))


def add_asn_group_inequalities(builder: SystemBuilder, est: pl.DataFrame) -> None:
    """Subset and union inequalities between each ASN group's counts and any ASN's (n_var and p_var)."""
    groups = [g for g in group_columns() if (est["breakdown"] == g).any()] if est.height else []
    if not groups:
        return
    for column in ("n_var", "p_var"):
        whole = _cells(est, column, *WHOLE)
        parts = [_cells(est, column, g, "true") for g in groups]
        for part in parts:
            builder.add_inequalities(identity_terms(part, whole, on=KEYS))
        builder.add_inequalities(identity_terms(whole, pl.concat(parts), on=KEYS))
