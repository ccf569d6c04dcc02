"""Second opinion: ACRO's minimum-threshold check over every count the published tables show or imply.

ACRO checks tables built from microdata, so each published count (and each count a percentage implies
with its base: numerator and complement) is rebuilt as that many rows of one cell and tabulated with
`acro.crosstab`. Zero counts are left out: our rule publishes zeros (they name no child), whereas
ACRO's threshold check treats an empty cell as below the threshold.
"""

import logging

import pandas as pd
import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from rcs_pipeline.disclosure.primary import complements_are_disclosive
from rcs_pipeline.disclosure.publish import CIRCLE_KEYS, ESTIMATE_KEYS, RESPONSE_KEYS
from tests.disclosure.handmade import COUNCIL
from tests.disclosure.synthetic_wave import seeded_council

RULES = DisclosureSettings(min_group=20, min_cell=10)


def shown_counts(tables, published) -> pl.DataFrame:
    """(cell, count) for every non-zero count the published tables show or imply."""
    est = (
        published["published_estimates"]
        .filter(~pl.col("suppressed") & (pl.col("unit") == "percent"))
        .join(tables.estimates, on=ESTIMATE_KEYS, suffix="_src")
    )
    tc = published["published_three_circles"].filter(~pl.col("suppressed"))
    rr = published["published_response_rates"].filter(~pl.col("suppressed"))
    key = pl.concat_str(pl.all(), separator="|")
    parts = [
        est.select(key.alias("cell"), pl.col("n_positive").alias("count")),
        est.select((key + "|complement").alias("cell"), (pl.col("n") - pl.col("n_positive")).alias("count")),
        tc.select(pl.concat_str(CIRCLE_KEYS, separator="|").alias("cell"), pl.col("n").alias("count")),
        tc.select(
            (pl.concat_str(CIRCLE_KEYS, separator="|") + "|rest").alias("cell"),
            (pl.col("base") - pl.col("n")).alias("count"),
        ),
        rr.select(
            pl.concat_str(RESPONSE_KEYS, separator="|").alias("cell"), pl.col("respondents").alias("count")
        ),
    ]
    if complements_are_disclosive("response_rates"):  # non-respondents: not protected (rules.yaml, issue 21)
        parts.append(
            rr.select(
                (pl.concat_str(RESPONSE_KEYS, separator="|") + "|non").alias("cell"),
                (pl.col("roll") - pl.col("respondents")).alias("count"),
            )
        )
    return pl.concat([p.with_columns(pl.col("count").cast(pl.Int64)) for p in parts]).filter(
        pl.col("count") > 0
    )


def acro_threshold_failures(counts: pl.DataFrame, threshold: int) -> int:
    """Cells ACRO's MinimumThresholdCheck flags in a one-way table rebuilt from `counts`."""
    acro = pytest.importorskip("acro")
    logging.getLogger("acro").setLevel(logging.ERROR)
    session = acro.ACRO(suppress=False)
    session.config["safe_threshold"] = threshold
    session.config["zeros_are_disclosive"] = False
    micro = (
        pd.DataFrame({"cell": counts["cell"].to_list()})
        .loc[lambda d: d.index.repeat(counts["count"].to_list())]
        .reset_index(drop=True)
    )
    micro["published"] = "yes"
    session.crosstab(micro["cell"], micro["published"])
    return int(session.results.get_index(-1).sdc["summary"]["MinimumThresholdCheck"])


def test_acro_finds_no_count_below_min_cell_in_the_published_tables():
    tables, schools = seeded_council(2015)
    result = protect_council(tables, schools, COUNCIL, RULES)
    counts = shown_counts(tables, result.published)
    assert counts.height > 50  # plenty of published figures to check
    assert acro_threshold_failures(counts, RULES.min_cell) == 0


def test_acro_flags_the_same_tables_left_unsuppressed():
    tables, schools = seeded_council(2015)
    result = protect_council(tables, schools, COUNCIL, RULES)
    nothing_hidden = {
        name: frame.with_columns(pl.lit(False).alias("suppressed"))
        for name, frame in result.published.items()
    }
    unsuppressed = {
        **nothing_hidden,
        "published_three_circles": nothing_hidden["published_three_circles"]
        .drop("n", "base")
        .join(tables.three_circles, on=CIRCLE_KEYS),
        "published_response_rates": nothing_hidden["published_response_rates"]
        .drop("respondents")
        .join(tables.response_rates.select(*RESPONSE_KEYS, "respondents"), on=RESPONSE_KEYS),
    }
    assert acro_threshold_failures(shown_counts(tables, unsuppressed), RULES.min_cell) > 0
