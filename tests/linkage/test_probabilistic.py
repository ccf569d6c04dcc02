"""Probabilistic scoring: Splink's Bayes factors agree with the model's, posteriors behave as probabilities."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.linkage.probabilistic import (
    bayes_factor,
    field_probabilities,
    pool_evidence,
    score_candidates,
    score_pairs,
    with_month_index,
)

SURVEY = with_month_index(
    pl.DataFrame(
        {
            "record_token": ["s1", "s2"],
            "birth_month": ["2003-03", "2003-06"],
            "sex": ["M", "F"],
            "seed_code": ["1000001", "1000002"],
            "stage": ["S1", None],
        }
    )
)
POOL = with_month_index(
    pl.DataFrame(
        {
            "record_token": ["a1", "a2", "a3", "a4"],
            "birth_month": ["2003-03", "2003-05", "2003-06", "2002-01"],
            "sex": ["M", "F", "F", "M"],
            "seed_code": ["1000001", "1000002", "1000002", "1000003"],
            "stage": ["S1", "S2", "S2", "S3"],
        }
    )
)


def test_u_is_the_share_of_row_pairs_agreeing_by_chance() -> None:
    mu = field_probabilities(SURVEY, POOL)
    # sex: s1 M agrees with a1, a4; s2 F with a2, a3 -> 4 of 8 pairs.
    assert mu["sex"]["exact"][1] == 0.5
    # birth month exact: s1-a1, s2-a3 -> 2 of 8; one month out: s2-a2 -> 1 of 8.
    assert mu["birth_month"]["exact"][1] == 2 / 8
    assert mu["birth_month"]["adjacent"][1] == 1 / 8
    # stage: s2 has none, so only s1's 4 pairs count; s1 S1 agrees with a1 -> 1 of 4.
    assert mu["stage"]["exact"][1] == 1 / 4


def test_splink_bayes_factors_equal_the_models_own() -> None:
    mu = field_probabilities(SURVEY, POOL)
    pairs = score_pairs(SURVEY, POOL, mu)
    columns = ["record_token", "birth_month", "sex", "seed_code", "stage", "birth_month_n"]
    expected = (
        SURVEY.select(columns)
        .rename(lambda c: f"s_{c}")
        .join(POOL.select(columns).rename(lambda c: f"p_{c}"), how="cross")
        .select(
            pl.col("s_record_token").alias("survey_token"),
            pl.col("p_record_token").alias("admin_token"),
            bayes_factor(mu, "s_", "p_").alias("expected"),
        )
    )
    both = pairs.join(expected, on=["survey_token", "admin_token"])
    assert both.height == pairs.height > 0
    assert ((both["bayes_factor"] - both["expected"]).abs() / both["expected"]).max() < 1e-9


def test_evidence_sums_every_pool_record_including_unblocked_pairs() -> None:
    mu = field_probabilities(SURVEY, POOL)
    totals = dict(pool_evidence(SURVEY, POOL, mu).rows())
    columns = ["record_token", "birth_month", "sex", "seed_code", "stage", "birth_month_n"]
    every_pair = (
        SURVEY.select(columns)
        .rename(lambda c: f"s_{c}")
        .join(POOL.select(columns).rename(lambda c: f"p_{c}"), how="cross")
        .group_by("s_record_token")
        .agg(bayes_factor(mu, "s_", "p_").sum().alias("total"))
    )
    for token, total in every_pair.rows():
        assert abs(totals[token] - total) / total < 1e-9


def test_best_candidate_is_the_full_agreement_and_probabilities_are_probabilities() -> None:
    best = {r["survey_token"]: r for r in score_candidates(SURVEY, POOL).to_dicts()}
    assert best["s1"]["admin_token"] == "a1"
    assert best["s2"]["admin_token"] == "a3"
    assert all(0.0 <= r["match_probability"] <= 1.0 for r in best.values())
    assert best["s1"]["match_probability"] > best["s2"]["match_probability"]


def test_nothing_to_score_gives_no_candidates() -> None:
    assert score_candidates(SURVEY.clear(), POOL).is_empty()


def test_evidence_is_exact_when_the_pool_has_missing_values_too() -> None:
    pool = pl.concat(
        [
            POOL,
            with_month_index(
                pl.DataFrame(
                    {
                        "record_token": ["a5", "a6"],
                        "birth_month": [None, "2003-04"],
                        "sex": ["M", None],
                        "seed_code": ["1000001", None],
                        "stage": [None, "S1"],
                    }
                )
            ),
        ],
        how="vertical_relaxed",
    )
    mu = field_probabilities(SURVEY, pool)
    totals = dict(pool_evidence(SURVEY, pool, mu).rows())
    columns = ["record_token", "birth_month", "sex", "seed_code", "stage", "birth_month_n"]
    every_pair = (
        SURVEY.select(columns)
        .rename(lambda c: f"s_{c}")
        .join(pool.select(columns).rename(lambda c: f"p_{c}"), how="cross")
        .group_by("s_record_token")
        .agg(bayes_factor(mu, "s_", "p_").sum().alias("total"))
    )
    for token, total in every_pair.rows():
        assert abs(totals[token] - total) / total < 1e-9


def test_a_garbled_reference_picks_the_record_within_two_edits_among_identical_candidates() -> None:
    details = {
        "birth_month": ["2003-03"] * 2,
        "sex": ["M"] * 2,
        "seed_code": ["1000001"] * 2,
        "stage": ["S1"] * 2,
    }
    pool = pl.DataFrame(
        {"record_token": ["twin_a", "twin_b"], "ref": ["AB12CD34EF", "ZZ99YY88XX"], **details}
    )
    garbled = pl.DataFrame(
        {"record_token": ["s1"], "ref": ["AB12CD43EF"], **{k: v[:1] for k, v in details.items()}}
    )
    blank = garbled.with_columns(pl.lit(None, pl.String).alias("ref"))
    best = score_candidates(garbled, pool).row(0, named=True)
    assert best["admin_token"] == "twin_a" and best["match_probability"] >= 0.95
    assert score_candidates(blank, pool).row(0, named=True)["match_probability"] < 0.5
