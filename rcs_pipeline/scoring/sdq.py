"""SDQ scoring: five 0-10 scales, total difficulties, externalising/internalising, impact and bands.

Rules (Youthinmind, "Scoring the Strengths & Difficulties Questionnaire for age 4-17", sdqinfo.org):
- item codes 1 not true, 2 somewhat true, 3 certainly true score 0/1/2; items 7, 11, 14, 21 and 25 are
  reversed (2/1/0);
- a scale is scored when at least 3 of its 5 items are answered, prorated as 5 x mean rounded half up
  ("a score of 4 based on 3 completed items can be scaled up to a score of 7 (6.67 rounded up)");
  otherwise it is missing;
- total difficulties = emotional + conduct + hyperactivity + peer (0-40), missing if any is missing;
  externalising = conduct + hyperactivity, internalising = emotional + peer (0-20 each);
- impact (self-report and parent 4-17 impact supplement): distress, home life, friendships, classroom
  learning, leisure score 0 for "not at all"/"only a little", 1 "quite a lot", 2 "a great deal" (0-10);
  impact is 0 when the respondent says there is no difficulty (`impact_any` = 1). When a difficulty is
  reported, all five impact items are needed (as the official syntax, which adds them without skipping).

Example: sdq_02=3, sdq_10=2, sdq_15=1, sdq_21=1, sdq_25=missing -> hyperactivity items 2, 1, 0, 2 from
4 answered -> 5 x 5/4 = 6.25 -> 6.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.scoring.items import in_range
from rcs_pipeline.scoring.reference import DIFFICULTY_SCALES, SDQ_SCALES, sdq_bands, sdq_items

IMPACT_ITEMS: tuple[str, ...] = ("distress", "home", "friends", "classroom", "leisure")
MIN_ITEMS_PER_SCALE = 3


def item_score(column: str, *, reversed_item: bool) -> pl.Expr:
    """0/1/2 score of one SDQ item from its 1/2/3 code (reversed items count 2/1/0); null when missing."""
    code = in_range(column, 1, 3)
    return (3 - code) if reversed_item else (code - 1)


def scale_score(item_scores: list[pl.Expr]) -> pl.Expr:
    """Prorated scale: round-half-up of 5 x mean when >= 3 of 5 items are answered, else null.

    Integer arithmetic avoids float ties: floor(5*sum/n + 1/2) = (10*sum + n) // (2*n).
    """
    total = pl.sum_horizontal(item_scores)
    answered = pl.sum_horizontal([s.is_not_null().cast(pl.Int32) for s in item_scores])
    prorated = (10 * total + answered) // (2 * answered)
    return pl.when(answered >= MIN_ITEMS_PER_SCALE).then(prorated).otherwise(None).cast(pl.Int8)


def sdq_scale_expressions(item_prefix: str, out_prefix: str) -> list[pl.Expr]:
    """Expressions for the five scales from items `<item_prefix>01`..`25`, named `<out_prefix><scale>`."""
    items = sdq_items()
    expressions = []
    for scale in SDQ_SCALES:
        rows = items.filter(pl.col("scale") == scale).iter_rows(named=True)
        scores = [
            item_score(f"{item_prefix}{row['item']:02d}", reversed_item=row["reversed"]) for row in rows
        ]
        expressions.append(scale_score(scores).alias(f"{out_prefix}{scale}"))
    return expressions


def impact_score(prefix: str = "sdq_impact_") -> pl.Expr:
    """Impact 0-10: 0 when no difficulty is reported, else the sum of the five 0/0/1/2 items (all needed)."""
    items = [(in_range(f"{prefix}{name}", 1, 4) - 2).clip(lower_bound=0) for name in IMPACT_ITEMS]
    complete = pl.all_horizontal([i.is_not_null() for i in items])
    return (
        pl.when(in_range(f"{prefix}any", 1, 4) == 1)
        .then(pl.lit(0))
        .when(complete)
        .then(pl.sum_horizontal(items))
        .otherwise(None)
        .cast(pl.Int8)
    )


def band_expression(score: pl.Expr, informant: str, scale: str, scheme: str) -> pl.Expr:
    """The published band (text code) of a score for one informant, scale and scheme; null when missing."""
    rows = sdq_bands().filter(
        (pl.col("informant") == informant) & (pl.col("scale") == scale) & (pl.col("scheme") == scheme)
    )
    if rows.is_empty():
        raise ValueError(f"no SDQ {scheme} cut-offs for informant={informant!r}, scale={scale!r}")
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for row in rows.iter_rows(named=True):
        expr = expr.when(score.is_between(row["low"], row["high"])).then(pl.lit(row["band"]))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def score_sdq(
    frame: pl.DataFrame,
    *,
    informant: str = "self",
    item_prefix: str = "sdq_",
    out_prefix: str = "sdq_",
    with_impact: bool = True,
) -> pl.DataFrame:
    """Add SDQ scale, total, externalising, internalising, impact and band columns to `frame`.

    Columns added (out_prefix `sdq_`): sdq_emotional … sdq_prosocial, sdq_total, sdq_externalising,
    sdq_internalising, sdq_impact (when `with_impact`), sdq_total_band4, sdq_total_band3 and
    sdq_<scale>_band4 for the five scales (and impact).
    """
    if informant not in ("self", "parent"):
        raise ValueError(f"informant must be 'self' or 'parent', not {informant!r}")
    scored = frame.with_columns(sdq_scale_expressions(item_prefix, out_prefix))
    difficulties = [pl.col(f"{out_prefix}{s}").cast(pl.Int8) for s in DIFFICULTY_SCALES]
    e, c, h, p = difficulties
    scored = scored.with_columns(
        pl.when(pl.all_horizontal([d.is_not_null() for d in difficulties]))
        .then(pl.sum_horizontal(difficulties))
        .otherwise(None)
        .cast(pl.Int8)
        .alias(f"{out_prefix}total"),
        (c + h).alias(f"{out_prefix}externalising"),
        (e + p).alias(f"{out_prefix}internalising"),
    )
    banded = ["total", *SDQ_SCALES]
    if with_impact:
        scored = scored.with_columns(impact_score(f"{item_prefix}impact_").alias(f"{out_prefix}impact"))
        banded.append("impact")
    return scored.with_columns(
        band_expression(pl.col(f"{out_prefix}total"), informant, "total", "band3").alias(
            f"{out_prefix}total_band3"
        ),
        *[
            band_expression(pl.col(f"{out_prefix}{scale}"), informant, scale, "band4").alias(
                f"{out_prefix}{scale}_band4"
            )
            for scale in banded
        ],
    )
