"""Post-stratification of survey respondents to the school roll (school x stage x sex), with collapsing.

Rule (docs/methods/weighting.md). A cell is *usable* when it has at least 2 respondents and no more
respondents than pupils on its roll (the census design needs n_h >= 2 and n_h <= N_h in every stratum).
1. A respondent's cell is school x stage x sex. In a school x stage where every roll sex with pupils has
   respondents, every respondent's sex is one the roll counts there (no blank or `X` sex) and every sex
   cell is usable, each respondent weighs roll(cell) / respondents(cell)  (level `school_stage_sex`).
2. Otherwise sex is collapsed within that school x stage (level `school_stage`).
3. If any stage of the school's roll (the instrument's stages) has no respondents, a respondent's stage
   has no pupils on the roll, or a school x stage cell is not usable, stage is collapsed within the
   school (level `school`).
4. Schools whose whole-school cell is not usable (e.g. a single respondent) are pooled with the other such
   schools of their cluster (level `cluster`); pools still not usable are pooled across the council
   (level `council`). If the council pool is still not usable, the other schools with the fewest
   respondents join it, one at a time, until it is (level `council`).
5. A respondent whose school has no pupils on the roll cannot be weighted: weight and cell null.
Every weighted respondent gets `weight_cell` (text naming the final cell, unique within the council and
wave once `label_prefix` names the survey) and `cell_roll` (that cell's roll), and weighs
cell_roll / respondents(cell); so within each cell the weights sum to its roll and the weights of a survey
sum to the roll of its covered schools (schools with at least one respondent) over the stages given.

Example: roll S1 M 10, S1 F 10; respondents S1 M x2, S1 F x5 -> 5.0 each for boys, 2.0 each for girls.
"""

from __future__ import annotations

import polars as pl

CELL = ("seed_code", "stage", "sex")
WEIGHT_LEVELS = ("school_stage_sex", "school_stage", "school", "cluster", "council")
MIN_CELL_RESPONDENTS = 2
OUTPUT_COLUMNS = ("weight", "weight_level", "weight_cell", "cell_roll")


def _roll_cells(roll: pl.DataFrame) -> pl.DataFrame:
    """Roll pupils summed per school x stage x sex, keeping only cells with pupils."""
    return (
        roll.group_by(list(CELL))
        .agg(pl.col("pupils").cast(pl.Int64).sum().alias("roll_cell"))
        .filter(pl.col("roll_cell") > 0)
    )


def _usable(n: str, roll: str) -> pl.Expr:
    """A cell with at least two respondents and no more respondents than pupils on its roll."""
    return (pl.col(n) >= MIN_CELL_RESPONDENTS) & (pl.col(n) <= pl.col(roll))


def _with_levels(respondents: pl.DataFrame, roll: pl.DataFrame) -> pl.DataFrame:
    """Respondents with their roll and respondent counts per cell, stage and school, and the level 1-3 choice."""
    cells = _roll_cells(roll)
    roll_stage = cells.group_by("seed_code", "stage").agg(
        pl.col("roll_cell").sum().alias("roll_stage"), pl.len().alias("roll_sexes")
    )
    roll_school = cells.group_by("seed_code").agg(
        pl.col("roll_cell").sum().alias("roll_school"), pl.col("stage").n_unique().alias("roll_stages")
    )
    people = (
        respondents.with_row_index("_row")
        .join(cells, on=list(CELL), how="left", nulls_equal=False)
        .join(roll_stage, on=["seed_code", "stage"], how="left")
        .join(roll_school, on="seed_code", how="left")
        .with_columns(
            pl.len().over(list(CELL)).alias("n_cell"),
            pl.len().over("seed_code", "stage").alias("n_stage"),
            pl.len().over("seed_code").alias("n_school"),
        )
    )
    # Every respondent of the school x stage sits in a usable roll sex cell, and every roll sex cell is used.
    sex_ok = (
        pl.col("roll_cell").is_not_null().all().over("seed_code", "stage")
        & _usable("n_cell", "roll_cell").fill_null(False).all().over("seed_code", "stage")
        & (
            pl.col("sex").filter(pl.col("roll_cell").is_not_null()).n_unique().over("seed_code", "stage")
            == pl.col("roll_sexes")
        )
    )
    stage_ok = (
        pl.col("roll_stage").is_not_null().all().over("seed_code")
        & _usable("n_stage", "roll_stage").fill_null(False).all().over("seed_code")
        & (pl.col("stage").n_unique().over("seed_code") == pl.col("roll_stages"))
    )
    level = (
        pl.when(pl.col("roll_school").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~_usable("n_school", "roll_school"))
        .then(pl.lit("pooled"))
        .when(~stage_ok)
        .then(pl.lit("school"))
        .when(sex_ok)
        .then(pl.lit("school_stage_sex"))
        .otherwise(pl.lit("school_stage"))
    )
    return people.with_columns(level.alias("weight_level"))


def _pools(people: pl.DataFrame, cluster: str | None) -> dict[str, tuple[str, str]]:
    """{seed_code: (level, pool key)} for schools that cannot be a cell of their own (rule 4)."""
    schools = (
        people.filter(pl.col("roll_school").is_not_null())
        .group_by("seed_code")
        .agg(
            pl.len().alias("n"),
            pl.col("roll_school").first().alias("roll"),
            (pl.col(cluster).first() if cluster else pl.lit(None, pl.String)).alias("cluster"),
            (pl.col("weight_level").first() == "pooled").alias("pooled"),
        )
        .sort("seed_code")
    )
    pooled = schools.filter(pl.col("pooled"))
    if pooled.is_empty():
        return {}
    by_cluster = pooled.group_by("cluster").agg(pl.col("n").sum(), pl.col("roll").sum())
    ok_clusters = set(by_cluster.filter(_usable("n", "roll"))["cluster"].drop_nulls().to_list())
    out: dict[str, tuple[str, str]] = {}
    council_n, council_roll = 0, 0
    for seed, n, roll, group in pooled.select("seed_code", "n", "roll", "cluster").iter_rows():
        if group is not None and group in ok_clusters:
            out[seed] = ("cluster", f"cluster {group}")
        else:
            out[seed] = ("council", "council")
            council_n, council_roll = council_n + n, council_roll + roll
    # Rule 4, last step: the schools with the fewest respondents join a council pool that is still unusable.
    others = schools.filter(~pl.col("pooled")).sort("n", "seed_code")
    for seed, n, roll in others.select("seed_code", "n", "roll").iter_rows():
        if council_n == 0 or (MIN_CELL_RESPONDENTS <= council_n <= council_roll):
            break
        out[seed] = ("council", "council")
        council_n, council_roll = council_n + n, council_roll + roll
    return out


def poststratification_weights(
    respondents: pl.DataFrame, roll: pl.DataFrame, label_prefix: str = "", cluster: str | None = "asg_code"
) -> pl.DataFrame:
    """`respondents` (seed_code, stage, sex, optionally `cluster`) plus weight, weight_level, weight_cell, cell_roll.

    `roll` holds seed_code, stage, sex, pupils for the stages the survey covered (filter it first).
    `label_prefix` starts every weight_cell (e.g. the instrument, so two surveys' cells never share a name).
    Same row order as `respondents`.
    """
    people = _with_levels(respondents, roll)
    cluster = cluster if cluster and cluster in respondents.columns else None
    pools = _pools(people, cluster)
    if pools:
        table = pl.DataFrame(
            {
                "seed_code": list(pools),
                "_pool_level": [v[0] for v in pools.values()],
                "_pool": [v[1] for v in pools.values()],
            },
            schema={"seed_code": pl.String, "_pool_level": pl.String, "_pool": pl.String},
        )
        people = people.join(table, on="seed_code", how="left")
    else:
        people = people.with_columns(
            pl.lit(None, pl.String).alias("_pool_level"), pl.lit(None, pl.String).alias("_pool")
        )
    level = pl.coalesce(pl.col("_pool_level"), pl.col("weight_level"))
    key = (
        pl.when(pl.col("weight_level").is_null())
        .then(pl.lit(None, pl.String))
        .when(pl.col("_pool").is_not_null())
        .then(pl.col("_pool"))
        .when(pl.col("weight_level") == "school_stage_sex")
        .then(pl.concat_str("seed_code", "stage", "sex", separator=":"))
        .when(pl.col("weight_level") == "school_stage")
        .then(pl.concat_str("seed_code", "stage", separator=":"))
        .otherwise(pl.col("seed_code"))
    )
    own_roll = (
        pl.when(pl.col("weight_level") == "school_stage_sex")
        .then(pl.col("roll_cell"))
        .when(pl.col("weight_level") == "school_stage")
        .then(pl.col("roll_stage"))
        .otherwise(pl.col("roll_school"))
    )
    people = people.with_columns(
        level.alias("weight_level"),
        (pl.lit(label_prefix) + key).alias("weight_cell"),
        # A pooled cell's roll is the roll of its schools (each school's roll counted once).
        pl.when(pl.col("_pool").is_not_null()).then(pl.col("roll_school")).otherwise(own_roll).alias("_roll"),
    )
    schools_roll = (
        people.filter(pl.col("weight_cell").is_not_null())
        .unique(subset=["weight_cell", "seed_code"])
        .group_by("weight_cell")
        .agg(pl.col("roll_school").sum().alias("_pool_roll"))
    )
    people = people.join(schools_roll, on="weight_cell", how="left").with_columns(
        pl.when(pl.col("_pool").is_not_null())
        .then(pl.col("_pool_roll"))
        .otherwise(pl.col("_roll"))
        .cast(pl.Int64)
        .alias("cell_roll")
    )
    people = people.with_columns(
        (pl.col("cell_roll") / pl.len().over("weight_cell")).cast(pl.Float64).alias("weight")
    ).with_columns(
        pl.when(pl.col("weight_cell").is_null()).then(None).otherwise(pl.col("weight")).alias("weight")
    )
    return people.sort("_row").select(*respondents.columns, *OUTPUT_COLUMNS)


def covered_roll(respondents: pl.DataFrame, roll: pl.DataFrame) -> int:
    """Pupils on the roll of schools with at least one respondent: what the weights should sum to."""
    schools = respondents.select("seed_code").unique()
    return int(roll.join(schools, on="seed_code", how="semi")["pupils"].cast(pl.Int64).sum())
