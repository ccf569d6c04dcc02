"""Probabilistic matching of survey rows without a usable pupil reference, scored by Splink on DuckDB.

Fields compared: birth month (same month, one month out, or different), sex, school and stage (same or
different); a missing value is no evidence either way. m probabilities are fixed (matching.yaml); u
probabilities are measured on each run's data as the chance that a random survey row and a random candidate
agree at that level. Splink scores each blocked pair (pairs agreeing on birth month, or on school and sex)
and, with its prior set neutral (0.5), its match weight is exactly log2 of the pair's Bayes factor. The
match probability of a candidate is the posterior that it is the row's record, given that the row has one
record in the pool with probability π (uniform over the pool) and the Bayes factors of every pool record:
the denominator is summed over all pool records, including pairs outside the blocking, by value pattern.
One refinement for one-to-one linkage: a record that is clearly another row's (mutual best, strictly better
fit) is taken out of a row's competitors, and the posteriors recomputed once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from rcs_pipeline.linkage.model import LEVELS, MATCH_FIELDS, matching_model

if TYPE_CHECKING:
    from splink import SettingsCreator

MONTH_INDEX = "birth_month_n"
CANDIDATE_COLUMNS = ("record_token", *MATCH_FIELDS, MONTH_INDEX)
PROBABILITY_DECIMALS = 10
PAIR_SCHEMA = {"survey_token": pl.String, "admin_token": pl.String, "bayes_factor": pl.Float64}
FieldModel = dict[str, tuple[float, float]]
"""level → (m, u) of one field; `disagree` included."""


def with_month_index(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the birth month as a month count (year × 12 + month), so 'one month out' is a difference of 1."""
    parts = pl.col("birth_month").str.split_exact("-", 1)
    index = parts.struct.field("field_0").cast(pl.Int32, strict=False) * 12 + parts.struct.field("field_1").cast(
        pl.Int32, strict=False)
    return frame.with_columns(index.alias(MONTH_INDEX))


def level_of(field: str, left: str, right: str) -> pl.Expr:
    """The agreement level of `field` between columns `left` and `right` (null when either is missing)."""
    if field == "birth_month":
        a, b = pl.col(f"{left}{MONTH_INDEX}"), pl.col(f"{right}{MONTH_INDEX}")
        return (pl.when(a.is_null() | b.is_null()).then(None).when(a == b).then(pl.lit("exact"))
                .when((a - b).abs() == 1).then(pl.lit("adjacent")).otherwise(pl.lit("disagree")))
    a, b = pl.col(f"{left}{field}"), pl.col(f"{right}{field}")
    return pl.when(a.is_null() | b.is_null()).then(None).when(a == b).then(pl.lit("exact")).otherwise(pl.lit("disagree"))


def _pattern_pairs(survey: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Distinct survey value patterns × distinct pool patterns with the pool pattern's count (`n_pool`)."""
    columns = [*MATCH_FIELDS, MONTH_INDEX]
    patterns = survey.select(columns).unique().rename({c: f"s_{c}" for c in columns})
    pool_patterns = pool.group_by(columns).len("n_pool").rename({c: f"p_{c}" for c in columns})
    return patterns.join(pool_patterns, how="cross")


def field_probabilities(survey: pl.DataFrame, pool: pl.DataFrame) -> dict[str, FieldModel]:
    """(m, u) of every level of every field for this run; u measured over all (survey, pool) pairs."""
    model = matching_model()
    pairs = _weighted_pattern_pairs(survey, pool)
    out: dict[str, FieldModel] = {}
    for field in MATCH_FIELDS:
        levels = pairs.select(level_of(field, "s_", "p_").alias("level"), "n_pool")
        counts = dict(levels.drop_nulls("level").group_by("level").agg(pl.col("n_pool").sum()).rows())
        known = sum(counts.values())
        fm: FieldModel = {}
        for level in LEVELS[field]:
            share = counts.get(level, 0) / known if known else model.u_max
            fm[level] = (model.m_probabilities[field][level], min(max(share, model.u_min), model.u_max))
        m_rest = 1 - sum(m for m, _ in fm.values())
        u_rest = max(1 - sum(u for _, u in fm.values()), model.u_min)
        fm["disagree"] = (m_rest, u_rest)
        out[field] = fm
    return out


def _weighted_pattern_pairs(survey: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Pattern pairs weighted by how many survey rows share the survey pattern (for u on rows, not patterns)."""
    columns = [*MATCH_FIELDS, MONTH_INDEX]
    patterns = survey.group_by(columns).len("n_survey").rename({c: f"s_{c}" for c in columns})
    pool_patterns = pool.group_by(columns).len("n_pool").rename({c: f"p_{c}" for c in columns})
    return patterns.join(pool_patterns, how="cross").with_columns(pl.col("n_pool") * pl.col("n_survey"))


def bayes_factor(mu: dict[str, FieldModel], left: str, right: str) -> pl.Expr:
    """Product over fields of m/u at each pair's level (1 for a missing value)."""
    factor = pl.lit(1.0)
    for field, levels in mu.items():
        level = level_of(field, left, right)
        expr = pl.when(level.is_null()).then(1.0)
        for name, (m, u) in levels.items():
            expr = expr.when(level == name).then(m / u)
        factor = factor * expr.otherwise(1.0)
    return factor


def pool_evidence(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]) -> pl.DataFrame:
    """Sum of the Bayes factors of every pool record against each survey row: survey_token, bf_total."""
    columns = [*MATCH_FIELDS, MONTH_INDEX]
    totals = (
        _pattern_pairs(survey, pool)
        .group_by([f"s_{c}" for c in columns])
        .agg((bayes_factor(mu, "s_", "p_") * pl.col("n_pool")).sum().alias("bf_total"))
        .rename({f"s_{c}": c for c in columns})
    )
    return survey.join(totals, on=columns, how="left", nulls_equal=True).select(
        pl.col("record_token").alias("survey_token"), "bf_total"
    )


def _settings(mu: dict[str, FieldModel]) -> SettingsCreator:
    """The Splink model: one comparison per field with fixed m and measured u, neutral prior."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = []
    for field, levels in mu.items():
        column = MONTH_INDEX if field == "birth_month" else field
        created = [cll.NullLevel(column), cll.ExactMatchLevel(column).configure(
            m_probability=levels["exact"][0], u_probability=levels["exact"][1])]
        if "adjacent" in levels:
            created.append(cll.AbsoluteDifferenceLevel(column, 1).configure(
                m_probability=levels["adjacent"][0], u_probability=levels["adjacent"][1]))
        created.append(cll.ElseLevel().configure(m_probability=levels["disagree"][0],
                                                 u_probability=levels["disagree"][1]))
        comparisons.append(cl.CustomComparison(created, output_column_name=field))
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_token",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("birth_month"), block_on("seed_code", "sex")],
        probability_two_random_records_match=0.5,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def score_pairs(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]) -> pl.DataFrame:
    """Every blocked (survey, pool) pair with its Bayes factor from Splink: survey_token, admin_token, bayes_factor."""
    if survey.is_empty() or pool.is_empty():
        return pl.DataFrame(schema=PAIR_SCHEMA)
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect(":memory:")
    try:
        db_api = DuckDBAPI(con)
        left = db_api.register(survey.select(CANDIDATE_COLUMNS).to_arrow(), table_name="survey")
        right = db_api.register(pool.select(CANDIDATE_COLUMNS).to_arrow(), table_name="admin")
        linker = Linker([left, right], _settings(mu), log_level=None)
        scored = pl.from_arrow(linker.inference.predict().as_duckdbpyrelation().to_arrow_table())
    finally:
        con.close()
    survey_left = pl.col("source_dataset_l") == "survey"
    return scored.select(
        pl.when(survey_left).then(pl.col("record_token_l")).otherwise(pl.col("record_token_r")).alias("survey_token"),
        pl.when(survey_left).then(pl.col("record_token_r")).otherwise(pl.col("record_token_l")).alias("admin_token"),
        (pl.lit(2.0) ** pl.col("match_weight").cast(pl.Float64)).alias("bayes_factor"),
    )


def posterior_probabilities(pairs: pl.DataFrame, evidence: pl.DataFrame, n_rows: int, n_pool: int) -> pl.DataFrame:
    """Match probability of each pair: posterior that the candidate is the row's record among all pool records.

    With prior π that the row's record is in the pool (uniform over its n records) and Bayes factors BF,
    P(candidate j) = (π/n)·BF_j / ((π/n)·Σ_k BF_k + 1 − π). Returns the pairs with `match_probability`.
    """
    prior_in_pool = matching_model().prior_in_pool * min(1.0, n_pool / max(n_rows, 1))
    per_record = prior_in_pool / n_pool if n_pool else 0.0
    scored = pairs.join(evidence, on="survey_token", how="left")
    probability = per_record * pl.col("bayes_factor") / (per_record * pl.col("bf_total") + (1 - prior_in_pool))
    # Rounded so that the order of float summation (which varies with the random tokens) can change neither
    # the written bytes nor a tie between two equally good candidates.
    return scored.with_columns(probability.clip(0.0, 1.0).round(PROBABILITY_DECIMALS).alias("match_probability"))


def claimed_elsewhere(scored: pl.DataFrame) -> pl.DataFrame:
    """Pairs (row, record) whose record is the mutual best match of another row that fits it strictly better.

    One admin record belongs to one child: when record a is row B's best candidate, B is a's best row, and B
    fits a strictly better than row A does, a is no longer a competitor of A. Exact ties (twins with the same
    details) are never taken out, so they stay ambiguous.
    """
    best_of_row = scored.sort("match_probability", descending=True).group_by("survey_token").first()
    best_of_record = scored.sort("match_probability", descending=True).group_by("admin_token").first()
    mutual = best_of_row.join(best_of_record.select("admin_token", pl.col("survey_token").alias("record_best")),
                              on="admin_token").filter(pl.col("survey_token") == pl.col("record_best"))
    owners = mutual.select("admin_token", pl.col("survey_token").alias("owner"), pl.col("match_probability").alias("p_owner"))
    return scored.join(owners, on="admin_token").filter(
        pl.col("owner") != pl.col("survey_token"), pl.col("p_owner") > pl.col("match_probability")
    ).select("survey_token", "admin_token", "bayes_factor")


def exclusive_probabilities(scored: pl.DataFrame, n_rows: int, n_pool: int) -> pl.DataFrame:
    """Posteriors recomputed with records claimed elsewhere taken out of each row's competitors (one round)."""
    taken = claimed_elsewhere(scored)
    reduced = taken.group_by("survey_token").agg(pl.col("bayes_factor").sum().alias("bf_taken"))
    evidence = scored.select("survey_token", "bf_total").unique().join(reduced, on="survey_token", how="left").select(
        "survey_token", (pl.col("bf_total") - pl.col("bf_taken").fill_null(0.0)).alias("bf_total")
    )
    remaining = scored.join(taken, on=["survey_token", "admin_token"], how="anti").select(
        "survey_token", "admin_token", "bayes_factor")
    return posterior_probabilities(remaining, evidence, n_rows, n_pool)


def best_candidates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's most probable candidate (ties broken by token, and then never above 0.5)."""
    ranked = pairs.sort(["survey_token", "match_probability", "admin_token"], descending=[False, True, False])
    return ranked.group_by("survey_token", maintain_order=True).first()


def rescore(pairs: pl.DataFrame, survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]) -> pl.DataFrame:
    """Splink's candidate pairs between `survey` and `pool`, with Bayes factors under this group's own u."""
    columns = list(CANDIDATE_COLUMNS)
    left = survey.select(columns).rename({c: f"s_{c}" for c in columns})
    right = pool.select(columns).rename({c: f"p_{c}" for c in columns})
    return (
        pairs.select("survey_token", "admin_token")
        .join(left, left_on="survey_token", right_on="s_record_token")
        .join(right, left_on="admin_token", right_on="p_record_token")
        .select("survey_token", "admin_token", bayes_factor(mu, "s_", "p_").alias("bayes_factor"))
    )


def score_groups(groups: dict[str, tuple[pl.DataFrame, pl.DataFrame]], universe: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Best candidate per survey row for several (survey rows, pool) groups, with one Splink run.

    The groups are the instruments of one council: Splink blocks and scores their rows together against every
    admin record (`universe`) in one run; each group then keeps the pairs into its own pool, re-weighted with
    u measured on that pool (the same Fellegi-Sunter formula, checked equal to Splink's in the tests), and
    its pool makes up its posterior's denominator. Returns group → (survey_token, admin_token, p).
    """
    universe = with_month_index(universe)
    prepared = {name: (with_month_index(s), with_month_index(p)) for name, (s, p) in groups.items()}
    every_row = pl.concat([s for s, _ in prepared.values()]) if prepared else pl.DataFrame()
    if every_row.is_empty() or universe.is_empty():
        empty = pl.DataFrame(schema={"survey_token": pl.String, "admin_token": pl.String, "match_probability": pl.Float64})
        return {name: empty for name in groups}
    pairs = score_pairs(every_row, universe, field_probabilities(every_row, universe))
    out = {}
    for name, (survey, pool) in prepared.items():
        if survey.is_empty() or pool.is_empty():
            out[name] = pl.DataFrame(schema={"survey_token": pl.String, "admin_token": pl.String,
                                             "match_probability": pl.Float64})
            continue
        mu = field_probabilities(survey, pool)
        own = rescore(pairs, survey, pool, mu)
        first = posterior_probabilities(own, pool_evidence(survey, pool, mu), survey.height, pool.height)
        posterior = exclusive_probabilities(first, survey.height, pool.height)
        out[name] = best_candidates(posterior.select("survey_token", "admin_token", "match_probability"))
    return out


def score_candidates(survey: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's best candidate in the pool and its match probability: survey_token, admin_token, p."""
    return score_groups({"rows": (survey, pool)}, pool)["rows"]
