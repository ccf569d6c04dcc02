"""One council's synthetic delivery: schools, roll, the three surveys, the admin extract and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit, logit

from rcs_pipeline.synthetic import effects
from rcs_pipeline.synthetic.answers import parent_answers, pupil_answers, with_nonresponse
from rcs_pipeline.synthetic.identifiers import format_birth_month, mistype, postcodes, pupil_refs
from rcs_pipeline.synthetic.population import (
    LOOKED_AFTER_COLUMNS,
    cohort_dob,
    draw_traits,
    pupil_population,
    stage_from_dob,
    wave_year,
)
from rcs_pipeline.synthetic.profiles import STAGES, CouncilProfile, settings
from rcs_pipeline.synthetic.schools import (
    SECTOR_PRIMARY,
    SECTOR_SECONDARY,
    SchoolTable,
    build_roll,
    build_schools,
    roll_frame,
)

# Linkage noise: shares of survey rows (children at school) with a blank or mistyped reference, a reference
# typed in lower case or with spaces (tolerated), a birth month one out; admin records that disagree.
REF_NOISE = {"blank": 0.015, "mistyped": 0.025, "formatting": 0.01, "birth_month_off": 0.01}
ADMIN_DISAGREES = {"seed_code": 0.015, "stage": 0.005, "sex": 0.003}
DUPLICATE_SHARE = 0.005
SURVEY_SEX_X = {"secondary": 0.015, "primary": 0.008}
SURVEY_SEX_BLANK = 0.005
PREFIX = {"secondary_survey": "SEC", "primary_survey": "PRI", "parent_survey": "PAR"}

SERVICE_YN_COLUMNS = tuple(c for c in effects.SERVICE_FLAG_COLUMNS if c != "asn_types")


@dataclass(frozen=True)
class CouncilDelivery:
    """The delivery frames (contract columns, text codes) and the ground truth of one council."""

    frames: dict[str, pl.DataFrame]
    truth: pl.DataFrame
    roll_total: int


def _fieldwork_draws(n: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One draw per date over the November-February span (`fieldwork_months`), and the span in days.

    Dates are placed by rescaling these draws, so the random stream is the same whichever window applies.
    """
    first, last = settings()["fieldwork_months"]
    start = np.datetime64("2000-08", "M") + np.timedelta64(first, "M")
    end = np.datetime64("2000-08", "M") + np.timedelta64(last, "M")
    span = int((end.astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int))
    return rng.integers(0, span, n), span


def _fieldwork_dates(draws: tuple[np.ndarray, int], year: int, instrument: str) -> np.ndarray:
    """Weekday dates in the instrument's survey days of the wave (scales.yaml `survey_days`: inside the fieldwork
    windows of rcs_pipeline/waves/rules.yaml, with room for late answers before the window closes)."""
    values, span = draws
    spec = settings()["survey_days"][instrument]
    days_from = np.datetime64(f"{year + spec['year_offset']}-{spec['first']}", "D")
    days_to = np.datetime64(f"{year + spec['year_offset']}-{spec['last']}", "D")
    width = int((days_to - days_from).astype(int)) + 1
    days = days_from + (values * width // span).astype("timedelta64[D]")
    return np.busday_offset(days, 0, roll="forward", holidays=_school_holidays(year))


def _school_holidays(year: int) -> np.ndarray:
    """The Christmas break, when no school surveys run."""
    return np.arange(np.datetime64(f"{year}-12-21"), np.datetime64(f"{year + 1}-01-06"))


def _completed_on(
    school: np.ndarray, school_dates: np.ndarray, year: int, rng: np.random.Generator
) -> np.ndarray:
    """Most pupils answer on their school's survey day; a fifth catch up within two weeks."""
    late = rng.random(school.size) < 0.2
    extra = np.where(late, rng.integers(1, 10, school.size), 0)
    return np.busday_offset(school_dates[school], extra, roll="forward", holidays=_school_holidays(year))


def _survey_refs(
    refs: pl.Series, eligible: np.ndarray, rng: np.random.Generator
) -> tuple[pl.Series, pl.Series]:
    """The references as typed in a survey, and their status (`ok`, `blank`, `mistyped`)."""
    n = refs.len()
    u = rng.random(n)
    blank = eligible & (u < REF_NOISE["blank"])
    mis = eligible & ~blank & (u < REF_NOISE["blank"] + REF_NOISE["mistyped"])
    fmt = ~blank & ~mis & (rng.random(n) < REF_NOISE["formatting"])
    lower = fmt & (rng.random(n) < 0.5)
    wrong = np.flatnonzero(mis)
    typed = refs.scatter(wrong, mistype(refs.gather(wrong), rng)) if wrong.size else refs
    typed = (
        pl.DataFrame({"ref": typed, "blank": blank, "lower": lower, "padded": fmt & ~lower})
        .select(
            pl.when("blank")
            .then(None)
            .when("lower")
            .then(pl.col("ref").str.to_lowercase())
            .when("padded")
            .then(pl.lit(" ") + pl.col("ref"))
            .otherwise("ref")
            .alias("pupil_ref")
        )
        .to_series()
    )
    status = _lookup(("ok", "blank", "mistyped"), np.where(blank, 1, np.where(mis, 2, 0)))
    return typed, status


def _lookup(labels: tuple[str | None, ...] | np.ndarray, index: np.ndarray) -> pl.Series:
    """Text labels picked by an integer index (fast: no per-row Python objects)."""
    return pl.Series(list(labels), dtype=pl.String).gather(index)


def _dates(values: np.ndarray, fmt: str = "%Y-%m-%d") -> pl.Series:
    """datetime64 values as ISO text."""
    return pl.Series(values.astype("datetime64[D]")).dt.strftime(fmt)


def _age_years(dob: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years of age on a date."""
    years = on.astype("datetime64[Y]").astype(int) - dob.astype("datetime64[Y]").astype(int)
    day_on = on - on.astype("datetime64[Y]").astype("datetime64[D]")
    day_born = dob - dob.astype("datetime64[Y]").astype("datetime64[D]")
    return years - (day_on < day_born)


def _sex_codes(male: np.ndarray, p_x: float, p_blank: float, rng: np.random.Generator) -> np.ndarray:
    """Index into ("F", "M", "X", None): the roll's sex, a few X (another way) and a few blank."""
    u = rng.random(male.size)
    return np.where(u < p_x, 2, np.where(u < p_x + p_blank, 3, male.astype(np.int64)))


def _pupil_survey(
    people: pl.DataFrame,
    instrument: str,
    schools: SchoolTable,
    school_dates: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One pupil survey file and its truth rows; about 0.5% of children answered twice."""
    dup = _duplicated(people, rng)
    rows = pl.concat([people, people[dup]])
    n, n_orig = rows.height, people.height
    is_dup = np.arange(n) >= n_orig
    answers = pupil_answers(people, instrument == "secondary", rng)
    answers = {k: np.concatenate([v, v[dup]]) for k, v in answers.items()}
    items = with_nonresponse(answers, rng, extra_skip=np.where(is_dup, 0.25, 0.0))
    school = rows["school"].to_numpy()
    completed = _completed_on(school, school_dates, year, rng)
    completed[is_dup] = np.busday_offset(
        completed[is_dup], rng.integers(1, 10, dup.size), roll="forward", holidays=_school_holidays(year)
    )
    in_pair = np.isin(rows["child_id"].to_numpy(), people["child_id"].to_numpy()[dup])
    typed, status = _survey_refs(rows["pupil_ref"], ~in_pair, rng)
    off = (rng.random(n) < REF_NOISE["birth_month_off"]) & ~in_pair
    birth_month = format_birth_month(rows["dob"].to_numpy(), off, rng)
    sex = _sex_codes(rows["male"].to_numpy(), SURVEY_SEX_X[instrument], SURVEY_SEX_BLANK, rng)
    sex[is_dup] = sex[np.searchsorted(people["child_id"].to_numpy(), rows["child_id"].to_numpy()[is_dup])]
    head = pl.DataFrame(
        {
            "pupil_ref": typed,
            "birth_month": birth_month,
            "seed_code": _lookup(schools.seed_code, school),
            "stage": _lookup(STAGES, rows["stage_index"].to_numpy()),
            "sex": _lookup(("F", "M", "X", None), sex),
            "completed_on": _dates(completed),
        }
    )
    body = pl.concat([head, items], how="horizontal")
    truth = pl.DataFrame(
        {
            "child_id": rows["child_id"],
            "ref_status": status,
            "is_duplicate": is_dup,
            "birth_month_off": off,
            "at_school": np.ones(n, dtype=bool),
        }
    )
    return _order_rows(body, truth, f"{instrument}_survey", rng)


def _duplicated(people: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Rows of children who answer twice: about 0.5%, only where the roll cell has pupils who did not answer.

    A school x stage x sex cell never shows more survey rows than pupils on its roll, as the contract checks.
    """
    candidates = pl.DataFrame(
        {
            "row": np.arange(people.height),
            "cell": people["roll_cell"],
            "slack": people["cell_slack"],
        }
    ).filter(pl.Series(rng.random(people.height) < DUPLICATE_SHARE))
    kept = candidates.filter(pl.int_range(pl.len()).over("cell") < pl.col("slack"))
    return kept["row"].to_numpy()


def _order_rows(
    body: pl.DataFrame, truth: pl.DataFrame, dataset: str, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Shuffle rows, number them as the contractor does, and record the file row in the truth."""
    perm = rng.permutation(body.height)
    ids = pl.lit(PREFIX[dataset]) + pl.int_range(1, body.height + 1).cast(pl.String).str.zfill(6)
    ids = (
        pl.select(ids.alias("response_id")).to_series()
        if body.height
        else pl.Series("response_id", [], pl.String)
    )
    body = pl.concat([ids.to_frame(), body[perm]], how="horizontal")
    truth = truth[perm].with_columns(
        pl.lit(dataset).alias("dataset"),
        pl.Series("response_id", ids),
        pl.Series("source_row", np.arange(body.height, dtype=np.int32) + 2),
    )
    return body, truth


def _parent_children(
    profile: CouncilProfile,
    schools: SchoolTable,
    roll: np.ndarray,
    n: int,
    year: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Children 0-8 of interviewed parents: school (-1 if none), stage, sex, birth date, interview date."""
    completed = _fieldwork_dates(_fieldwork_draws(n, rng), year, "parent")
    earliest = np.datetime64(f"{year - 8}-03-01")
    span = (completed - earliest).astype(np.int64)
    dob = earliest + np.floor(rng.random(n) * span).astype("timedelta64[D]")
    stage = stage_from_dob(dob, year)
    primary = schools.sector == SECTOR_PRIMARY
    school = np.full(n, -1)
    area_school = np.zeros(n, dtype=np.int64)
    for k in range(4):
        weights = np.where(primary, roll[:, k, :].sum(axis=1), 0).astype(float)
        pick = rng.choice(weights.size, size=n, p=weights / weights.sum())
        school = np.where(stage == k, pick, school)
        area_school = np.where(stage == k, pick, area_school)
    weights = np.where(primary, roll[:, 0, :].sum(axis=1), 0).astype(float)
    home = rng.choice(weights.size, size=n, p=weights / weights.sum())
    area_school = np.where(stage < 0, home, area_school)
    male = rng.random(n) < 0.51
    return school, area_school, np.where(stage < 0, -1, stage), male, np.stack([dob, completed])


def _parent_survey(
    parents: pl.DataFrame, schools: SchoolTable, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The parent survey file and its truth rows; no reference for children not yet at school."""
    n = parents.height
    at_school = parents["school"].to_numpy() >= 0
    typed, status = _survey_refs(parents["pupil_ref"], at_school, rng)
    typed = typed.scatter(np.flatnonzero(~at_school), None)
    status = status.scatter(np.flatnonzero(~at_school), "blank")
    off = rng.random(n) < REF_NOISE["birth_month_off"]
    sex = _sex_codes(parents["male"].to_numpy(), 0.0, SURVEY_SEX_BLANK, rng)
    school = parents["school"].to_numpy()
    head = pl.DataFrame(
        {
            "pupil_ref": typed,
            "birth_month": format_birth_month(parents["dob"].to_numpy(), off, rng),
            "child_sex": _lookup(("F", "M", "X", None), sex),
            "child_age": parents["child_age"],
            "seed_code": _lookup(
                (*schools.seed_code, None), np.where(school >= 0, school, schools.seed_code.size)
            ),
        }
    )
    items = with_nonresponse(parent_answers(parents, rng), rng)
    truth = pl.DataFrame(
        {
            "child_id": parents["child_id"],
            "ref_status": status,
            "is_duplicate": np.zeros(n, dtype=bool),
            "birth_month_off": off,
            "at_school": at_school,
        }
    )
    return _order_rows(pl.concat([head, items], how="horizontal"), truth, "parent_survey", rng)


def _admin_extract(
    children: pl.DataFrame, schools: SchoolTable, profile: CouncilProfile, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The council's extract for participating children, with a few records that disagree with the survey."""
    n = children.height
    school = children["school"].to_numpy().copy()
    stage = children["stage_index"].to_numpy().copy()
    male = children["male"].to_numpy().copy()
    moved = rng.random(n) < ADMIN_DISAGREES["seed_code"]
    for sector in (SECTOR_PRIMARY, SECTOR_SECONDARY):
        pool = np.flatnonzero(schools.sector == sector)
        target = moved & (schools.sector[school] == sector)
        if pool.size > 1:
            school[target] = pool[rng.integers(0, pool.size, target.sum())]
    restaged = rng.random(n) < ADMIN_DISAGREES["stage"]
    step = np.where(
        np.isin(stage, [0, 7]), 1, np.where(np.isin(stage, [6, 12]), -1, np.where(rng.random(n) < 0.5, -1, 1))
    )
    stage = np.where(restaged, stage + step, stage)
    flipped = rng.random(n) < ADMIN_DISAGREES["sex"]
    male = np.where(flipped, ~male, male)
    differs = (school != children["school"].to_numpy()) | restaged | flipped

    districts = profile.postcode_districts
    own = np.where(rng.random(n) < 0.8, schools.district[school], rng.integers(0, len(districts), n))
    flags = {c: children[c].to_numpy() for c in SERVICE_YN_COLUMNS}
    any_service = np.logical_or.reduce(list(flags.values())) | children["asn_types"].is_not_null().to_numpy()
    yn = {c: flags[c] for c in SERVICE_YN_COLUMNS} | {"not_in_receipt_of_services": ~any_service}
    frame = pl.DataFrame(
        {
            "pupil_ref": children["pupil_ref"],
            "date_of_birth": _dates(children["dob"].to_numpy()),
            "postcode": postcodes(districts, own, rng),
            "seed_code": _lookup(schools.seed_code, school),
            "stage": _lookup(STAGES, stage),
            "sex": _lookup(("F", "M"), male.astype(np.int64)),
            "not_in_receipt_of_services": yn["not_in_receipt_of_services"],
            **{c: yn[c] for c in LOOKED_AFTER_COLUMNS},
            "child_protection_register": yn["child_protection_register"],
            "complex_support_plan": yn["complex_support_plan"],
            "individualised_education_plan": yn["individualised_education_plan"],
            "asn_types": children["asn_types"],
            "free_school_meals": yn["free_school_meals"],
            "throughcare_aftercare": yn["throughcare_aftercare"],
            "looking_for_prospective_adopters": yn["looking_for_prospective_adopters"],
            "simd_decile": children["simd_decile"],
            "urban_rural_8fold": children["urban_rural_8fold"],
        }
    ).with_columns(pl.when(pl.col(c)).then(pl.lit("Y")).otherwise(pl.lit("N")).alias(c) for c in yn)
    # The council lists its extract by school and stage; within that, in no meaningful order.
    order = pl.DataFrame(
        {
            "seed_code": frame["seed_code"],
            "stage": frame["stage"],
            "shuffle": rng.permutation(n),
            "row": np.arange(n),
        }
    ).sort("seed_code", "stage", "shuffle")
    perm = order["row"].to_numpy()
    truth = pl.DataFrame(
        {
            "dataset": "admin_extract",
            "child_id": children["child_id"].to_numpy()[perm],
            "source_row": np.arange(n, dtype=np.int32) + 2,
            "admin_differs": differs[perm],
        }
    )
    return frame[perm], truth


@dataclass(frozen=True)
class Population:
    """One council's children in one wave: schools, roll, pupils P5-S4 (traits, refs), who answers, parents 0-8."""

    schools: SchoolTable
    roll: np.ndarray
    pupils: pl.DataFrame
    responded: np.ndarray
    parents: pl.DataFrame


def synthesise_council(
    profile: CouncilProfile, council_number: int, wave: str, parent_fraction: float, rng: np.random.Generator
) -> CouncilDelivery:
    """Every delivery frame of one council for one wave, with the ground truth linking them."""
    population = base_population(profile, council_number, wave, parent_fraction, rng)
    return survey_council(population, profile, wave, rng)


def response_draw(pupils: pl.DataFrame, schools: SchoolTable, rng: np.random.Generator) -> np.ndarray:
    """Which pupils answer the survey (response model of effects.RESPONSE_MODEL)."""
    rm = effects.RESPONSE_MODEL
    school = pupils["school"].to_numpy()
    lin = (
        logit(rm["base_rate"])
        + rm["simd_per_decile_logit"] * (pupils["simd_decile"].to_numpy() - 5.5)
        + rm["looked_after_logit"] * pupils["looked_after"].to_numpy()
        + rm["special_school_logit"] * pupils["special_school"].to_numpy()
        + rm["school_sd_logit"] * schools.response_effect[school]
    )
    return rng.random(school.size) < expit(lin)


def draw_parents(
    profile: CouncilProfile,
    schools: SchoolTable,
    roll: np.ndarray,
    parent_fraction: float,
    year: int,
    first_id: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Children 0-8 of the parents interviewed in one wave (no references yet), numbered from first_id."""
    n_parents = max(1, round(parent_fraction * profile.pupils_p5s4))
    p_school, area_school, p_stage, p_male, dates = _parent_children(
        profile, schools, roll, n_parents, year, rng
    )
    parents = draw_traits(area_school, p_stage, p_male, schools, profile, rng)
    age = _age_years(dates[0], dates[1])
    return parents.with_columns(
        pl.Series("child_id", np.arange(n_parents, dtype=np.int64) + first_id),
        pl.Series("school", p_school),
        pl.Series("stage_index", p_stage),
        pl.Series("male", p_male),
        pl.Series("dob", dates[0]),
        pl.Series("child_age", np.clip(age, 0, 8).astype(np.int8)),
    )


def base_population(
    profile: CouncilProfile, council_number: int, wave: str, parent_fraction: float, rng: np.random.Generator
) -> Population:
    """The council's schools, roll and children in the first wave it is surveyed (the random draws in order)."""
    year = wave_year(wave)
    schools = build_schools(profile, council_number, rng)
    roll = build_roll(profile, schools, rng)
    school, stage, male = pupil_population(roll, 4, 10)
    pupils = draw_traits(school, stage, male, schools, profile, rng).with_columns(
        pl.Series("child_id", np.arange(school.size, dtype=np.int64)),
        pl.Series("school", school),
        pl.Series("stage_index", stage),
        pl.Series("male", male),
        pl.Series("dob", cohort_dob(stage, year, rng)),
    )
    responded = response_draw(pupils, schools, rng)
    parents = draw_parents(profile, schools, roll, parent_fraction, year, school.size, rng)
    refs = pupil_refs(school.size + parents.height, rng)
    pupils = pupils.with_columns(refs.slice(0, school.size).alias("pupil_ref"))
    parents = parents.with_columns(refs.slice(school.size).alias("pupil_ref"))
    return Population(schools, roll, pupils, responded, parents)


def survey_council(
    population: Population, profile: CouncilProfile, wave: str, rng: np.random.Generator
) -> CouncilDelivery:
    """The delivery of one wave from its population: survey files, admin extract, schools, roll and truth."""
    year = wave_year(wave)
    schools, roll, pupils, parents = (
        population.schools,
        population.roll,
        population.pupils,
        population.parents,
    )
    responded = population.responded
    school, stage, male = (pupils[c].to_numpy() for c in ("school", "stage_index", "male"))
    draws = _fieldwork_draws(schools.sector.size, rng)
    school_dates = {
        instrument: _fieldwork_dates(draws, year, instrument) for instrument in ("secondary", "primary")
    }
    cell = (school * len(STAGES) + stage) * 2 + male
    answered = np.bincount(cell[responded], minlength=roll.size)
    slack = roll.reshape(-1) - answered
    pupils = pupils.with_columns(pl.Series("roll_cell", cell), pl.Series("cell_slack", slack[cell]))
    respondents = pupils.filter(pl.Series(responded))
    frames: dict[str, pl.DataFrame] = {}
    truths = []
    for instrument, secondary in (("secondary", True), ("primary", False)):
        people = respondents.filter((pl.col("stage_index") >= 7) == secondary)
        dates = school_dates[instrument]
        frames[f"{instrument}_survey"], truth = _pupil_survey(people, instrument, schools, dates, year, rng)
        truths.append(truth)
    frames["parent_survey"], truth = _parent_survey(parents, schools, rng)
    truths.append(truth)

    participants = pl.concat(
        [respondents, parents.filter(pl.col("school") >= 0).drop("child_age")], how="diagonal_relaxed"
    )
    frames["admin_extract"], admin_truth = _admin_extract(participants, schools, profile, rng)
    frames["schools"] = schools.frame.sort("seed_code")
    frames["school_roll"] = roll_frame(schools, roll)
    return CouncilDelivery(frames, _truth(truths, admin_truth), int(roll.sum()))


def _truth(survey_truths: list[pl.DataFrame], admin_truth: pl.DataFrame) -> pl.DataFrame:
    """Survey rows and admin rows in one table, each survey row pointing at its child's admin row."""
    admin_row = admin_truth.select(
        "child_id", pl.col("source_row").alias("admin_source_row"), "admin_differs"
    )
    surveys = pl.concat(survey_truths).join(admin_row, on="child_id", how="left")
    admin = admin_truth.with_columns(pl.col("source_row").alias("admin_source_row"))
    columns = [
        "dataset",
        "response_id",
        "source_row",
        "child_id",
        "admin_source_row",
        "ref_status",
        "is_duplicate",
        "birth_month_off",
        "at_school",
        "admin_differs",
    ]
    return pl.concat([surveys, admin], how="diagonal_relaxed").select(columns)
