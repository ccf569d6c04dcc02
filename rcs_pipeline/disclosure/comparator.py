"""Disclosure control of the wave-wide all-councils comparator, over the councils' published estimates.

Each council partition is already published, so its cells are fixed: only comparator cells may be
hidden. A comparator cell is hidden whenever one of the council cells it adds up is hidden (so the
comparator never gives the attacker a new relation on a council's suppressed cell), then comparator
breakdowns are protected as usual and the reduced system (council-level rows + comparator) is audited.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import families, primary, publish
from rcs_pipeline.disclosure.protect import Protection
from rcs_pipeline.disclosure.secondary import protect
from rcs_pipeline.disclosure.settings import DisclosureSettings
from rcs_pipeline.disclosure.system import SystemBuilder

KEYS = ["indicator_id", *families.BREAKDOWN]


def protect_comparator(comparator: pl.DataFrame, councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
                       settings: DisclosureSettings) -> Protection:
    """Publish the comparator; `councils` maps la_code → (its estimates, its published_estimates)."""
    council_rows, hidden_council = _council_rows(councils)
    comp = primary.estimates_primary(comparator, settings)
    rows = pl.concat([council_rows.drop("n_hidden", "p_hidden"),
                      comp.select(council_rows.drop("n_hidden", "p_hidden").columns)], how="vertical_relaxed")
    frozen = np.concatenate([np.ones(council_rows.height, bool), np.zeros(comp.height, bool)])
    parents = pl.DataFrame({"geography_level": "council", "geography_code": sorted(councils),
                            "parent_level": "all_councils", "parent_code": "all"})
    builder = SystemBuilder()
    est = families.add_estimates(builder, rows, parents, frozen=frozen)
    system = builder.build()
    mask = np.zeros(system.size, bool)
    council_part, comp_part = est.head(council_rows.height), est.tail(comp.height)
    for column, flag in (("n_var", "n_hidden"), ("p_var", "p_hidden")):
        ids = council_part.with_columns(hidden_council[flag]).filter(pl.col(flag) & pl.col(column).is_not_null())
        mask[ids[column].to_numpy()] = True
    for column, why in (("n_var", "n_reason"), ("p_var", "p_reason")):
        mask[comp_part.filter(pl.col(why).is_not_null() & pl.col(column).is_not_null())[column].to_numpy()] = True
    mask = _hide_over_hidden_councils(est, council_rows.height, mask)
    primary_mask = mask.copy()
    hidden, audit = protect(system, mask, settings.min_cell)
    published = publish.publish_estimates(comp_part, hidden)
    return Protection(
        published={"published_comparator_estimates": published}, audit=audit,
        primary_breaches=int((primary_mask & ~hidden).sum()), variables=system.size, hidden=int(hidden.sum()),
        primary_hidden=int(primary_mask.sum()),
        shares={"published_comparator_estimates": publish.suppression_shares(published)},
    )


def _council_rows(councils: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Council-level estimates of every council with n_hidden / p_hidden from what each council published."""
    frames = []
    for la_code in sorted(councils):
        estimates, published = councils[la_code]
        shown = published.filter(pl.col("geography_level") == "council").select(
            *publish.ESTIMATE_KEYS, pl.col("n").is_null().alias("n_hidden"), pl.col("value").is_null().alias("p_hidden"))
        rows = estimates.filter(pl.col("geography_level") == "council").join(
            shown, on=publish.ESTIMATE_KEYS, how="left", nulls_equal=True)
        frames.append(rows.with_columns(pl.col("n_hidden").fill_null(True), pl.col("p_hidden").fill_null(True),
                                        n_reason=pl.lit(None, pl.String), p_reason=pl.lit(None, pl.String)))
    if not frames:
        return pl.DataFrame(), pl.DataFrame({"n_hidden": [], "p_hidden": []})
    rows = pl.concat(frames, how="vertical_relaxed")
    return rows, rows.select("n_hidden", "p_hidden")


def _hide_over_hidden_councils(est: pl.DataFrame, n_council: int, mask: np.ndarray) -> np.ndarray:
    """A comparator cell adding up any hidden council cell is hidden too (numerator and, for bases, base)."""
    mask = mask.copy()
    council, comp = est.head(n_council), est.tail(est.height - n_council)
    for column in ("n_var", "p_var"):
        ids = council.filter(pl.col(column).is_not_null())
        hidden_keys = ids.filter(pl.Series(mask[ids[column].to_numpy()]))[KEYS].unique()
        targets = comp.join(hidden_keys, on=KEYS, nulls_equal=True).filter(pl.col("p_var").is_not_null()
                                                                           | pl.lit(column == "n_var"))
        mask[targets["p_var"].drop_nulls().to_numpy()] = True
        if column == "n_var":
            mask[targets["n_var"].to_numpy()] = True
    return mask

