"""What an attacker knows about ASN reason-group estimates (rcs_pipeline/need/asn_groups.yaml), for the audit.

Each group's children (breakdown `asn_<group>`, value `true`) are a subset of the children with any ASN
(`any_asn` = `true`), and every child with any ASN has a reason in at least one group (every reason code
is in a group). So, per indicator and geography, for the base n and for n_positive alike:

  count(group) − count(any ASN) ≤ 0              for each group;
  count(any ASN) − Σ_groups count(group) ≤ 0      (a group without a row counts 0);
  count(group) − count(all) ≤ 0                  for each group (also where any ASN has no row).

Both are inequalities of the attacker's LP (SystemBuilder.add_inequalities keeps only those the true
counts satisfy). Without them a published group count would bound a withheld any-ASN count unseen.

A group is **not** a value of a partition, so it gets no breakdown-margin equality (`partition_rows`).
The margin `all = Σ values + remainder` treats the remainder (children with no value) as known to the
attacker; for a one-valued subset breakdown that remainder is the count of children *not* in the group,
a figure nobody publishes. Modelled as known, it made `all − group` public: with 'all' published every
withheld group count was pinned, and with the group inequalities every withheld 'no ASN' count too (the
tiny council's audit failed so, issue 18). The children without any ASN record (unlinked) stay a known
remainder through the `any_asn` margin, as for every breakdown.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.system import SystemBuilder, identity_terms
from rcs_pipeline.need.asn_groups import group_columns

KEYS = ["indicator_id", "geography_level", "geography_code"]
WHOLE = ("any_asn", "true")
ALL = ("all", "all")


def partition_rows(cells: pl.DataFrame) -> pl.DataFrame:
    """The rows whose breakdown partitions its children (every breakdown but the ASN reason groups)."""
    return cells.filter(~pl.col("breakdown").is_in(group_columns()))


def _cells(est: pl.DataFrame, column: str, breakdown: str, value: str) -> pl.DataFrame:
    """(keys, var) of the rows of one breakdown value that carry the variable `column`."""
    return est.filter(
        (pl.col("breakdown") == breakdown)
        & (pl.col("breakdown_value") == value)
        & pl.col(column).is_not_null()
    ).select(*KEYS, pl.col(column).alias("var"))


def add_asn_group_inequalities(builder: SystemBuilder, est: pl.DataFrame) -> None:
    """Subset and union inequalities between each ASN group's counts, any ASN's and all's (n_var and p_var)."""
    groups = [g for g in group_columns() if (est["breakdown"] == g).any()] if est.height else []
    if not groups:
        return
    for column in ("n_var", "p_var"):
        whole, total = _cells(est, column, *WHOLE), _cells(est, column, *ALL)
        parts = [_cells(est, column, g, "true") for g in groups]
        for part in parts:
            builder.add_inequalities(identity_terms(part, whole, on=KEYS))
            builder.add_inequalities(identity_terms(part, total, on=KEYS))
        builder.add_inequalities(identity_terms(whole, pl.concat(parts), on=KEYS))
