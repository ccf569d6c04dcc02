"""Probabilistic matching of survey rows without a usable pupil reference, scored by Splink on DuckDB.

Fields compared (exact agreement; null = no evidence): birth month, sex, school and stage. m probabilities
are fixed (matching.yaml); u probabilities are measured on each run's data as the chance that a random
survey row and a random candidate agree. Splink gives each blocked pair its Bayes factor (the prior is set
neutral, 0.5, so Splink's match weight is exactly log2 of the Bayes factor). The match probability of a
candidate is then the posterior that it is the row's record, given that the row has one record in the pool
with probability π (uniform over the pool) and the Bayes factors of every pool record (the denominator is
summed over all pool records, including pairs outside the blocking, by value pattern).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import duckdb
import polars as pl

if TYPE_CHECKING:
    from splink import SettingsCreator

from rcs_pipeline.linkage.model import MATCH_FIELDS, matching_model

CANDIDATE_COLUMNS = ("record_token", *MATCH_FIELDS)
PAIR_SCHEMA = {"survey_token": pl.String, "admin_token": pl.String, "bayes_factor": pl.Float64}


def chance_agreement(survey: pl.DataFrame, pool: pl.DataFrame, field: str) -> float:
    """u probability of `field`: share of (survey, pool) pairs, both known, that agree by chance."""
    s = survey.get_column(field).drop_nulls().value_counts(name="n_s")
    p = pool.get_column(field).drop_nulls().value_counts(name="n_p")
    n_pairs = s["n_s"].sum() * p["n_p"].sum()
    model = matching_model()
    if not n_pairs:
        return model.u_max
    agree = s.join(p, on=field).select((pl.col("n_s") * pl.col("n_p")).sum()).item()
    return min(max(agree / n_pairs, model.u_min), model.u_max)


def field_probabilities(survey: pl.DataFrame, pool: pl.DataFrame) -> dict[str, tuple[float, float]]:
    """(m, u) per compared field for this run."""
    model = matching_model()
    return {f: (model.m_probabilities[f], chance_agreement(survey, pool, f)) for f in MATCH_FIELDS}


def _field_factor(field: str, m: float, u: float) -> pl.Expr:
    """Bayes factor of one field for a pair: m/u if both agree, (1-m)/(1-u) if they differ, 1 if either is missing."""
    left, right = pl.col(field), pl.col(f"{field}_pool")
    return (
        pl.when(left.is_null() | right.is_null()).then(1.0)
        .when(left == right).then(m / u)
        .otherwise((1 - m) / (1 - u))
    )


def pool_evidence(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, tuple[float, float]]) -> pl.DataFrame:
    """Sum of the Bayes factors of every pool record against each survey row (survey_token, bf_total).

    Computed over distinct value patterns (few), so the posterior's denominator counts every candidate,
    including the pairs the blocking never scored.
    """
    fields = list(MATCH_FIELDS)
    patterns = survey.select(fields).unique()
    pool_patterns = pool.group_by(fields).len("n_pool").rename({f: f"{f}_pool" for f in fields})
    bf = pl.lit(1.0)
    for field, (m, u) in mu.items():
        bf = bf * _field_factor(field, m, u)
    totals = (
        patterns.join(pool_patterns, how="cross")
        .group_by(fields)
        .agg((bf * pl.col("n_pool")).sum().alias("bf_total"))
    )
    return survey.join(totals, on=fields, how="left", nulls_equal=True).select(
        pl.col("record_token").alias("survey_token"), "bf_total"
    )


def _settings(mu: dict[str, tuple[float, float]]) -> SettingsCreator:
    """The Splink model: one exact comparison per field with fixed m and measured u, neutral prior."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.ExactMatch(field).configure(m_probabilities=[m, 1 - m], u_probabilities=[u, 1 - u])
        for field, (m, u) in mu.items()
    ]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_token",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("birth_month"), block_on("seed_code", "sex")],
        probability_two_random_records_match=0.5,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def score_pairs(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, tuple[float, float]]) -> pl.DataFrame:
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
    P(candidate j) = (π/n)·BF_j / ((π/n)·Σ_k BF_k + 1 − π).
    """
    prior_in_pool = matching_model().prior_in_pool * min(1.0, n_pool / max(n_rows, 1))
    per_record = prior_in_pool / n_pool if n_pool else 0.0
    scored = pairs.join(evidence, on="survey_token", how="left")
    probability = per_record * pl.col("bayes_factor") / (per_record * pl.col("bf_total") + (1 - prior_in_pool))
    return scored.select("survey_token", "admin_token", probability.clip(0.0, 1.0).alias("match_probability"))


def best_candidates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's most probable candidate (ties broken by token, and then never above 0.5)."""
    ranked = pairs.sort(["survey_token", "match_probability", "admin_token"], descending=[False, True, False])
    return ranked.group_by("survey_token", maintain_order=True).first()


def score_candidates(survey: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's best candidate in the pool and its match probability: survey_token, admin_token, p."""
    mu = field_probabilities(survey, pool)
    pairs = score_pairs(survey, pool, mu)
    evidence = pool_evidence(survey, pool, mu)
    posterior = posterior_probabilities(pairs, evidence, survey.height, pool.height)
    return best_candidates(posterior)


