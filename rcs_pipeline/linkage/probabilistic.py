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

import itertools
import logging
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from rcs_pipeline.linkage.model import LEVELS, MATCH_FIELDS, matching_model

if TYPE_CHECKING:
    from splink import SettingsCreator

MONTH_INDEX = "birth_month_n"
REFERENCE = "ref"
REF_LENGTH = 10
CANDIDATE_COLUMNS = ("record_token", *MATCH_FIELDS, MONTH_INDEX, REFERENCE)
PROBABILITY_DECIMALS = 10
PAIR_SCHEMA = {
    "survey_token": pl.String,
    "admin_token": pl.String,
    "bayes_factor": pl.Float64,
    "reference_similar": pl.Boolean,
}
FieldModel = dict[str, tuple[float, float]]
"""level → (m, u) of one field; `disagree` included."""


def with_month_index(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the birth month as a month count (year × 12 + month), so 'one month out' is a difference of 1,
    and keep the pupil reference for the similarity comparison only when it is nearly 10 characters long."""
    parts = pl.col("birth_month").str.split_exact("-", 1)
    index = parts.struct.field("field_0").cast(pl.Int32, strict=False) * 12 + parts.struct.field(
        "field_1"
    ).cast(pl.Int32, strict=False)
    ref = (pl.col(REFERENCE) if REFERENCE in frame.columns else pl.lit(None)).cast(pl.String)
    # Only a reference that could be two edits from a 10-character one is evidence; other garbage is missing.
    plausible = ref.str.len_chars().is_between(REF_LENGTH - 2, REF_LENGTH + 2)
    return frame.with_columns(index.alias(MONTH_INDEX), pl.when(plausible).then(ref).alias(REFERENCE))


def level_of(field: str, left: str, right: str) -> pl.Expr:
    """The agreement level of `field` between columns `left` and `right` (null when either is missing)."""
    if field == "birth_month":
        a, b = pl.col(f"{left}{MONTH_INDEX}"), pl.col(f"{right}{MONTH_INDEX}")
        return (
            pl.when(a.is_null() | b.is_null())
            .then(None)
            .when(a == b)
            .then(pl.lit("exact"))
            .when((a - b).abs() == 1)
            .then(pl.lit("adjacent"))
            .otherwise(pl.lit("disagree"))
        )
    a, b = pl.col(f"{left}{field}"), pl.col(f"{right}{field}")
    return (
        pl.when(a.is_null() | b.is_null())
        .then(None)
        .when(a == b)
        .then(pl.lit("exact"))
        .otherwise(pl.lit("disagree"))
    )


def _key_column(field: str) -> str:
    """The column a field is compared on (birth month as its month count)."""
    return MONTH_INDEX if field == "birth_month" else field


def _agreeing_pairs(survey: pl.DataFrame, pool: pl.DataFrame, column: str, offset: int = 0) -> int:
    """Number of (survey, pool) row pairs, both known, whose values agree (pool = survey + offset)."""
    s = survey.get_column(column).drop_nulls().value_counts(name="n_s")
    p = pool.get_column(column).drop_nulls().value_counts(name="n_p")
    if offset:
        p = p.with_columns(pl.col(column) - offset)
    joined = s.join(p, on=column)
    return int(joined.select((pl.col("n_s").cast(pl.Int64) * pl.col("n_p").cast(pl.Int64)).sum()).item() or 0)


def field_probabilities(survey: pl.DataFrame, pool: pl.DataFrame) -> dict[str, FieldModel]:
    """(m, u) of every level of every field for this run; u measured over all (survey, pool) row pairs."""
    model = matching_model()
    out: dict[str, FieldModel] = {}
    for field in MATCH_FIELDS:
        column = _key_column(field)
        known = survey.get_column(column).drop_nulls().len() * pool.get_column(column).drop_nulls().len()
        agreeing = {"exact": _agreeing_pairs(survey, pool, column)}
        if "adjacent" in LEVELS[field]:
            agreeing["adjacent"] = _agreeing_pairs(survey, pool, column, 1) + _agreeing_pairs(
                survey, pool, column, -1
            )
        fm: FieldModel = {}
        for level in LEVELS[field]:
            share = agreeing[level] / known if known else model.u_max
            fm[level] = (model.m_probabilities[field][level], min(max(share, model.u_min), model.u_max))
        m_rest = 1 - sum(m for m, _ in fm.values())
        u_rest = max(1 - sum(u for _, u in fm.values()), model.u_min)
        fm["disagree"] = (m_rest, u_rest)
        out[field] = fm
    return out


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


NULL_KEY = "\x00null"


def _field_states(field: str, mu: FieldModel, pool_has_nulls: bool) -> list[tuple[str, int, float]]:
    """(state, month offset, Bayes factor) of the non-disagree states a pool record can be in for `field`."""
    states = [("exact", 0, mu["exact"][0] / mu["exact"][1])]
    if "adjacent" in mu:
        adjacent = mu["adjacent"][0] / mu["adjacent"][1]
        states += [("adjacent", 1, adjacent), ("adjacent", -1, adjacent)]
    if pool_has_nulls:
        states.append(("null", 0, 1.0))
    return states


def pool_evidence(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]) -> pl.DataFrame:
    """Sum of the Bayes factors of every pool record against each survey row: survey_token, bf_total.

    Exact, without scoring every pair: writing each field's factor as φ = φ_disagree + δ (δ = 0 when the
    field disagrees), the product over fields expands into a sum over subsets A of fields of
    Π_{f∈A} δ_f × Π_{f∉A} φ_disagree,f; summed over the pool, each term only needs the number of pool
    records equal to the survey row on the fields of A (in a given state: same value, one month out, or
    missing), which is a group count looked up by join. A field missing on the survey side has φ = 1.
    """
    keys = [_key_column(f) for f in MATCH_FIELDS]
    patterns = survey.select(keys).unique()
    # Per pattern: φ_disagree and δ of each state, per field (1 and 0 when the survey value is missing).
    for field, column in zip(MATCH_FIELDS, keys, strict=True):
        d = mu[field]["disagree"][0] / mu[field]["disagree"][1]
        patterns = patterns.with_columns(
            pl.when(pl.col(column).is_null()).then(1.0).otherwise(d).alias(f"phi_{field}")
        )
    coded_pool = pool.select(keys).with_columns([pl.col(c).cast(pl.String).fill_null(NULL_KEY) for c in keys])
    options = {}
    for field, column in zip(MATCH_FIELDS, keys, strict=True):
        has_nulls = pool.get_column(column).null_count() > 0
        options[field] = [None, *_field_states(field, mu[field], has_nulls)]
    total = pl.lit(0.0)
    terms = patterns
    term_names = []
    for i, combo in enumerate(itertools.product(*options.values())):
        chosen = {f: st for f, st in zip(MATCH_FIELDS, combo, strict=True) if st is not None}
        weight = pl.lit(1.0)
        for field in MATCH_FIELDS:
            if field in chosen:
                _, _, factor = chosen[field]
                weight = weight * pl.when(pl.col(_key_column(field)).is_null()).then(0.0).otherwise(
                    factor - pl.col(f"phi_{field}")
                )
            else:
                weight = weight * pl.col(f"phi_{field}")
        name = f"term_{i}"
        if not chosen:
            terms = terms.with_columns((weight * pool.height).alias(name))
        else:
            on = [_key_column(f) for f in chosen]
            counts = coded_pool.group_by(on).len(f"n_{i}")
            lookup = [
                (
                    pl.lit(NULL_KEY)
                    if state == "null"
                    else (pl.col(_key_column(f)) + offset if offset else pl.col(_key_column(f))).cast(
                        pl.String
                    )
                ).alias(f"k_{f}")
                for f, (state, offset, _) in chosen.items()
            ]
            terms = (
                terms.with_columns(lookup)
                .join(
                    counts.rename({c: f"k_{f}" for f, c in zip(chosen, on, strict=True)}),
                    on=[f"k_{f}" for f in chosen],
                    how="left",
                )
                .with_columns((weight * pl.col(f"n_{i}").fill_null(0)).alias(name))
                .drop([f"k_{f}" for f in chosen] + [f"n_{i}"])
            )
        term_names.append(name)
    total = pl.sum_horizontal(term_names).alias("bf_total")
    totals = terms.select(*keys, total)
    return survey.join(totals, on=keys, how="left", nulls_equal=True).select(
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
        created = [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(
                m_probability=levels["exact"][0], u_probability=levels["exact"][1]
            ),
        ]
        if "adjacent" in levels:
            created.append(
                cll.AbsoluteDifferenceLevel(column, 1).configure(
                    m_probability=levels["adjacent"][0], u_probability=levels["adjacent"][1]
                )
            )
        created.append(
            cll.ElseLevel().configure(
                m_probability=levels["disagree"][0], u_probability=levels["disagree"][1]
            )
        )
        comparisons.append(cl.CustomComparison(created, output_column_name=field))
    model = matching_model()
    comparisons.append(
        cl.CustomComparison(
            [
                cll.NullLevel(REFERENCE),
                cll.DamerauLevenshteinLevel(REFERENCE, 2).configure(
                    m_probability=model.reference_m, u_probability=model.reference_u
                ),
                cll.ElseLevel().configure(
                    m_probability=1 - model.reference_m, u_probability=1 - model.reference_u
                ),
            ],
            output_column_name=REFERENCE,
        )
    )
    # Two edits change at most two characters, so one of three segments of a garbled reference is intact.
    reference_blocks = [block_on(f"substr({REFERENCE}, {a}, {n})") for a, n in ((1, 3), (4, 3), (7, 4))]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_token",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("birth_month"),
            block_on("seed_code", "sex"),
            *reference_blocks,
        ],
        probability_two_random_records_match=0.5,
        retain_intermediate_calculation_columns=True,  # the reference comparison's weight (mw_ref) is needed
        retain_matching_columns=False,
    )


# DuckDB spills an in-memory database to ./.tmp in the working folder when memory is short: identifiers on
# disk outside the key-holder zone. Spilling is off; a council too large for memory fails instead.
NO_SPILL = {"temp_directory": ""}


def score_pairs(survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]) -> pl.DataFrame:
    """Every blocked (survey, pool) pair with its Bayes factor from Splink: survey_token, admin_token, bayes_factor."""
    if survey.is_empty() or pool.is_empty():
        return pl.DataFrame(schema=PAIR_SCHEMA)
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect(":memory:", config=NO_SPILL)
    try:
        db_api = DuckDBAPI(con)
        # Splink opens a helper connection of its own with the default settings (spilling to ./.tmp): it is
        # closed and replaced by ours, so nothing of the key holder's work can reach the working folder.
        db_api._ddb_con.close()
        db_api._ddb_con = con
        left = db_api.register(survey.select(CANDIDATE_COLUMNS).to_arrow(), table_name="survey")
        right = db_api.register(pool.select(CANDIDATE_COLUMNS).to_arrow(), table_name="admin")
        # The settings are built here and covered by tests; skipping validation saves a second per council.
        linker = Linker([left, right], _settings(mu), log_level=None, validate_settings=False)
        scored = pl.from_arrow(linker.inference.predict().as_duckdbpyrelation().to_arrow_table())
    finally:
        con.close()
    survey_left = pl.col("source_dataset_l") == "survey"
    return scored.select(
        pl.when(survey_left)
        .then(pl.col("record_token_l"))
        .otherwise(pl.col("record_token_r"))
        .alias("survey_token"),
        pl.when(survey_left)
        .then(pl.col("record_token_r"))
        .otherwise(pl.col("record_token_l"))
        .alias("admin_token"),
        (pl.lit(2.0) ** pl.col("match_weight").cast(pl.Float64)).alias("bayes_factor"),
        (pl.col(f"mw_{REFERENCE}") > 0).alias("reference_similar"),  # only "within two edits" weighs for
    )


def posterior_probabilities(
    pairs: pl.DataFrame, evidence: pl.DataFrame, n_rows: int, n_pool: int
) -> pl.DataFrame:
    """Match probability of each pair: posterior that the candidate is the row's record among all pool records.

    With prior π that the row's record is in the pool (uniform over its n records) and Bayes factors BF,
    P(candidate j) = (π/n)·BF_j / ((π/n)·Σ_k BF_k + 1 − π). Returns the pairs with `match_probability`.
    """
    prior_in_pool = matching_model().prior_in_pool * min(1.0, n_pool / max(n_rows, 1))
    per_record = prior_in_pool / n_pool if n_pool else 0.0
    scored = pairs.join(evidence, on="survey_token", how="left")
    probability = (
        per_record * pl.col("bayes_factor") / (per_record * pl.col("bf_total") + (1 - prior_in_pool))
    )
    # Rounded so that the order of float summation (which varies with the random tokens) can change neither
    # the written bytes nor a tie between two equally good candidates.
    return scored.with_columns(
        probability.clip(0.0, 1.0).round(PROBABILITY_DECIMALS).alias("match_probability")
    )


def claimed_elsewhere(scored: pl.DataFrame) -> pl.DataFrame:
    """Pairs (row, record) whose record is the mutual best match of another row that fits it strictly better.

    One admin record belongs to one child: when record a is row B's best candidate, B is a's best row, and B
    fits a strictly better than row A does, a is no longer a competitor of A. Exact ties (twins with the same
    details) are never taken out, so they stay ambiguous.
    """
    best_of_row = scored.sort("match_probability", descending=True).group_by("survey_token").first()
    best_of_record = scored.sort("match_probability", descending=True).group_by("admin_token").first()
    mutual = best_of_row.join(
        best_of_record.select("admin_token", pl.col("survey_token").alias("record_best")), on="admin_token"
    ).filter(pl.col("survey_token") == pl.col("record_best"))
    owners = mutual.select(
        "admin_token", pl.col("survey_token").alias("owner"), pl.col("match_probability").alias("p_owner")
    )
    return (
        scored.join(owners, on="admin_token")
        .filter(pl.col("owner") != pl.col("survey_token"), pl.col("p_owner") > pl.col("match_probability"))
        .select("survey_token", "admin_token", "bayes_factor")
    )


def exclusive_probabilities(scored: pl.DataFrame, n_rows: int, n_pool: int) -> pl.DataFrame:
    """Posteriors recomputed with records claimed elsewhere taken out of each row's competitors (one round)."""
    taken = claimed_elsewhere(scored)
    reduced = taken.group_by("survey_token").agg(pl.col("bayes_factor").sum().alias("bf_taken"))
    evidence = (
        scored.select("survey_token", "bf_total")
        .unique()
        .join(reduced, on="survey_token", how="left")
        .select("survey_token", (pl.col("bf_total") - pl.col("bf_taken").fill_null(0.0)).alias("bf_total"))
    )
    remaining = scored.join(taken, on=["survey_token", "admin_token"], how="anti").select(
        "survey_token", "admin_token", "bayes_factor"
    )
    return posterior_probabilities(remaining, evidence, n_rows, n_pool)


def best_candidates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's most probable candidate (ties broken by token, and then never above 0.5)."""
    ranked = pairs.sort(["survey_token", "match_probability", "admin_token"], descending=[False, True, False])
    return ranked.group_by("survey_token", maintain_order=True).first()


def reference_factors() -> tuple[float, float]:
    """Bayes factors of the reference comparison: (within two edits, further apart)."""
    model = matching_model()
    return model.reference_m / model.reference_u, (1 - model.reference_m) / (1 - model.reference_u)


def rescore(
    pairs: pl.DataFrame, survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel]
) -> pl.DataFrame:
    """Splink's candidate pairs between `survey` and `pool`, with Bayes factors under this group's own u.

    `bf_fields` is the factor of the four fields alone; `bayes_factor` adds the reference comparison.
    """
    columns = list(CANDIDATE_COLUMNS)
    left = survey.select(columns).rename({c: f"s_{c}" for c in columns})
    right = pool.select(columns).rename({c: f"p_{c}" for c in columns})
    similar, apart = reference_factors()
    known = pl.col(f"s_{REFERENCE}").is_not_null() & pl.col(f"p_{REFERENCE}").is_not_null()
    ref_factor = pl.when(~known).then(1.0).when(pl.col("reference_similar")).then(similar).otherwise(apart)
    return (
        pairs.select("survey_token", "admin_token", "reference_similar")
        .join(left, left_on="survey_token", right_on="s_record_token")
        .join(right, left_on="admin_token", right_on="p_record_token")
        .with_columns(bayes_factor(mu, "s_", "p_").alias("bf_fields"))
        .select(
            "survey_token",
            "admin_token",
            "bf_fields",
            "reference_similar",
            known.alias("reference_known"),
            (pl.col("bf_fields") * ref_factor).alias("bayes_factor"),
        )
    )


def evidence_with_references(
    survey: pl.DataFrame, pool: pl.DataFrame, mu: dict[str, FieldModel], scored: pl.DataFrame
) -> pl.DataFrame:
    """Σ over the pool of the full Bayes factor: the four fields' sum times the 'references apart' factor,
    corrected for the few records whose reference is within two edits (all among the scored pairs)."""
    similar, apart = reference_factors()
    fields = pool_evidence(survey, pool, mu)
    has_ref = survey.select(
        pl.col("record_token").alias("survey_token"), pl.col(REFERENCE).is_not_null().alias("has_ref")
    )
    near = (
        scored.filter(pl.col("reference_similar") & pl.col("reference_known"))
        .group_by("survey_token")
        .agg((pl.col("bf_fields") * (similar - apart)).sum().alias("near"))
    )
    return (
        fields.join(has_ref, on="survey_token")
        .join(near, on="survey_token", how="left")
        .select(
            "survey_token",
            (
                pl.when(pl.col("has_ref")).then(pl.col("bf_total") * apart).otherwise(pl.col("bf_total"))
                + pl.col("near").fill_null(0.0)
            ).alias("bf_total"),
        )
    )


def score_groups(
    groups: dict[str, tuple[pl.DataFrame, pl.DataFrame]], universe: pl.DataFrame
) -> dict[str, pl.DataFrame]:
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
        empty = pl.DataFrame(
            schema={"survey_token": pl.String, "admin_token": pl.String, "match_probability": pl.Float64}
        )
        return {name: empty for name in groups}
    pairs = score_pairs(every_row, universe, field_probabilities(every_row, universe))
    out = {}
    for name, (survey, pool) in prepared.items():
        if survey.is_empty() or pool.is_empty():
            out[name] = pl.DataFrame(
                schema={"survey_token": pl.String, "admin_token": pl.String, "match_probability": pl.Float64}
            )
            continue
        mu = field_probabilities(survey, pool)
        own = rescore(pairs, survey, pool, mu)
        evidence = evidence_with_references(survey, pool, mu, own)
        first = posterior_probabilities(
            own.select("survey_token", "admin_token", "bayes_factor"), evidence, survey.height, pool.height
        )
        posterior = exclusive_probabilities(first, survey.height, pool.height)
        out[name] = best_candidates(posterior.select("survey_token", "admin_token", "match_probability"))
    return out


def score_candidates(survey: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """Each survey row's best candidate in the pool and its match probability: survey_token, admin_token, p."""
    return score_groups({"rows": (survey, pool)}, pool)["rows"]
