"""Several waves of one council: the same children a few years on, with planted, known changes.

A council's first wave is drawn as before (`council.base_population`). A later wave ages that population:
every pupil moves up as many stages as years have passed (an S1 pupil of 2015-16 is an S3 pupil of
2017-18, same `pupil_ref`), pupils leaving S4 drop out of the surveyed stages, new pupils enter P5, and a
primary pupil moving to secondary goes to the secondary of their school's cluster. Between waves some children
gain a service (more often when in planted high need), those children's difficulties fall (some lose a need),
wellbeing follows age, and one council's feeling of safety in the area rises (waves.yaml). The truth of every
change is written next to the delivery's truth (`changes_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from rcs_pipeline.contract.spec import delivery_rules
from rcs_pipeline.paths import is_wave
from rcs_pipeline.synthetic import effects
from rcs_pipeline.synthetic.council import Population, draw_parents, response_draw
from rcs_pipeline.synthetic.identifiers import pupil_refs
from rcs_pipeline.synthetic.population import (
    SDQ_SCALES,
    cohort_dob,
    draw_traits,
    pupil_population,
    wave_year,
)
from rcs_pipeline.synthetic.profiles import CouncilProfile, choose_councils, load_yaml, settings
from rcs_pipeline.synthetic.schools import SECTOR_PRIMARY, SECTOR_SECONDARY

FIRST_SURVEYED, LAST_SURVEYED, FIRST_SECONDARY = 4, 10, 7  # P5, S4, S1 as stage indexes
SERVICE_COLUMNS = delivery_rules().service_flags  # the contract's service flags (delivery.yaml)


@cache
def wave_settings() -> dict[str, Any]:
    """The parsed waves.yaml (programme tranches and planted changes)."""
    return load_yaml("waves.yaml")


def wave_label(year: int) -> str:
    """The contract's label of the school year starting in `year` (2017 → '2017-18')."""
    return f"{year}-{(year + 1) % 100:02d}"


def programme_waves(la_code: str) -> list[str]:
    """The waves of one council in the RCS programme: its tranche's wave, then every follow-up to the last."""
    spec = wave_settings()["programme"]
    first = wave_year(str(spec["first_wave"].get(la_code, spec["other_councils_first_wave"])))
    last = wave_year(str(spec["last_wave"]))
    return [wave_label(year) for year in range(first, last + 1, int(spec["follow_up_every_years"]))]


def wave_plan(
    scale_name: str, codes: Sequence[str], waves: str | Sequence[str] | None, councils_chosen: bool
) -> dict[str, list[str]]:
    """Wave → councils to generate. `waves`: None (the scale's plan), "rcs" (the programme) or wave labels.

    A scale's plan (scales.yaml `waves`) maps each wave to `all` or la_codes; listed councils outside `codes`
    are dropped. Labels must be YYYY-YY; ValueError otherwise.
    """
    spec = settings()["scales"][scale_name]
    if waves == "rcs":
        chosen = codes if councils_chosen else list(wave_settings()["programme"]["first_wave"])
        plan: dict[str, list[str]] = {}
        for code in chosen:
            for wave in programme_waves(code):
                plan.setdefault(wave, []).append(code)
        return dict(sorted(plan.items()))
    if waves is None:
        listed = spec.get("waves", [spec["wave"]])
        mapping = listed if isinstance(listed, dict) else {w: "all" for w in listed}
    else:
        mapping = {w: "all" for w in waves}
    bad = [w for w in mapping if not is_wave(str(w))]
    if bad or not mapping:
        raise ValueError(
            f"waves must be school years YYYY-YY such as 2015-16 (or 'rcs'), got {bad or 'none'}"
        )
    return {
        str(w): [c for c in codes if who == "all" or c in who]
        for w, who in sorted(mapping.items())
        if who == "all" or any(c in who for c in codes)
    }


@dataclass(frozen=True)
class Aged:
    """A later wave's population and the truth of what changed for each child followed up."""

    population: Population
    changes: pl.DataFrame
    next_id: int


def _secondary_of(schools: Any) -> np.ndarray:
    """For each school, the secondary a pupil moving up goes to (its cluster's secondary; itself otherwise)."""
    secondaries = np.flatnonzero(schools.sector == SECTOR_SECONDARY)
    by_asg = {int(schools.asg[s]): int(s) for s in secondaries}
    return np.array([by_asg.get(int(a), i) for i, a in enumerate(schools.asg)])


def _fresh_refs(n: int, taken: pl.Series, rng: np.random.Generator) -> pl.Series:
    """`n` new references none of which is already in use in the council."""
    refs = pupil_refs(n, rng)
    clash = refs.is_in(taken.implode())
    while clash.any():
        refs = refs.scatter(np.flatnonzero(clash.to_numpy()), pupil_refs(int(clash.sum()), rng))
        clash = refs.is_in(taken.implode()) | refs.is_duplicated()
    return refs


def _evolve(
    carried: pl.DataFrame, la_code: str, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply the planted changes to followed-up children; return them and each child's truth of the change."""
    spec = wave_settings()["changes"]
    n = carried.height
    no_service = (
        ~np.logical_or.reduce([carried[c].to_numpy() for c in SERVICE_COLUMNS])
        & carried["asn_types"].is_null().to_numpy()
    )
    high_need = carried["latent_difficulty"].to_numpy() > float(spec["high_need_latent_difficulty"])
    p_gain = np.where(
        no_service,
        np.where(high_need, float(spec["p_gain_service_high_need"]), float(spec["p_gain_service_other"])),
        0.0,
    )
    gained = rng.random(n) < p_gain
    drop = np.where(gained, float(spec["difficulty_drop_after_service"]), 0.0)
    latents = {"latent_difficulty": carried["latent_difficulty"].to_numpy() - drop}
    for scale in SDQ_SCALES:
        latents[f"latent_{scale}"] = (
            carried[f"latent_{scale}"].to_numpy() - effects.SDQ_SCALE_LOADINGS[scale] * drop
        )
    latents["latent_wellbeing"] = (
        carried["latent_wellbeing"].to_numpy() - effects.WELLBEING_EFFECTS["difficulty"] * drop
    )
    evolved = carried.with_columns(
        *(pl.Series(name, values) for name, values in latents.items()),
        pl.Series(
            "individualised_education_plan", carried["individualised_education_plan"].to_numpy() | gained
        ),
        pl.Series("asn", carried["asn"].to_numpy() | gained),
        pl.when(pl.Series(gained))
        .then(pl.lit(str(spec["gained_asn_code"])))
        .otherwise(pl.col("asn_types"))
        .alias("asn_types"),
    )
    truth = pl.DataFrame(
        {
            "child_id": carried["child_id"],
            "planted_high_need": high_need,
            "had_no_service": no_service,
            "p_gain_service": p_gain,
            "gained_service": gained,
            "difficulty_drop": drop,
        }
    )
    return evolved, truth


def age_population(
    population: Population,
    profile: CouncilProfile,
    wave: str,
    years: int,
    parent_fraction: float,
    next_id: int,
    rng: np.random.Generator,
) -> Aged:
    """The council's children `years` later (see the module docstring); new children numbered from next_id."""
    schools, roll = population.schools, population.roll.copy()
    year = wave_year(wave)
    spec = wave_settings()["changes"]
    old = population.pupils.drop("roll_cell", "cell_slack", strict=False)
    stage = old["stage_index"].to_numpy() + years
    keep = stage <= LAST_SURVEYED
    carried = old.filter(pl.Series(keep))
    stage, school = stage[keep], carried["school"].to_numpy()
    moved_up = (schools.sector[school] == SECTOR_PRIMARY) & (stage >= FIRST_SECONDARY)
    school = np.where(moved_up, _secondary_of(schools)[school], school)
    wellbeing = carried["latent_wellbeing"].to_numpy() + effects.WELLBEING_EFFECTS["stage_per_year"] * years
    carried = carried.with_columns(
        pl.Series("stage_index", stage),
        pl.Series("school", school),
        pl.Series("latent_wellbeing", wellbeing),
        pl.Series("primary_school", schools.sector[school] == SECTOR_PRIMARY),
    )
    carried, changes = _evolve(carried, profile.la_code, rng)
    new_ref = moved_up & (profile.la_code in spec["unstable_pupil_ref"])
    taken = pl.concat([old["pupil_ref"], population.parents["pupil_ref"]])
    if new_ref.any():
        fresh = _fresh_refs(int(new_ref.sum()), taken, rng)
        carried = carried.with_columns(carried["pupil_ref"].scatter(np.flatnonzero(new_ref), fresh))
        taken = pl.concat([taken, fresh])
    changes = changes.with_columns(
        pl.Series("pupil_ref_changed", new_ref), pl.Series("moved_to_secondary", moved_up)
    )

    entry = roll.copy()
    entry[:, :FIRST_SURVEYED, :] = 0
    entry[:, FIRST_SURVEYED + min(years, LAST_SURVEYED - FIRST_SURVEYED + 1) :, :] = 0
    e_school, e_stage, e_male = pupil_population(entry, FIRST_SURVEYED, LAST_SURVEYED)
    entrants = draw_traits(e_school, e_stage, e_male, schools, profile, rng).with_columns(
        pl.Series("child_id", np.arange(e_school.size, dtype=np.int64) + next_id),
        pl.Series("school", e_school),
        pl.Series("stage_index", e_stage),
        pl.Series("male", e_male),
        pl.Series("dob", cohort_dob(e_stage, year, rng)),
        _fresh_refs(e_school.size, taken, rng).alias("pupil_ref"),
    )
    pupils = pl.concat([carried, entrants], how="diagonal_relaxed")
    rise = spec["planted_rise"]
    if profile.la_code == rise["la_code"]:  # every follow-up wave of that council: one item only
        pupils = pupils.with_columns(pl.lit(float(rise["shift"])).alias(f"shift_{rise['item']}"))
    pupils = pupils.sort("school", "stage_index", "male", "child_id")
    p_school, p_stage, p_male = (pupils[c].to_numpy() for c in ("school", "stage_index", "male"))
    surveyed = np.zeros_like(roll)
    np.add.at(surveyed, (p_school, p_stage, p_male.astype(np.int64)), 1)
    roll[:, FIRST_SURVEYED : LAST_SURVEYED + 1, :] = surveyed[:, FIRST_SURVEYED : LAST_SURVEYED + 1, :]
    next_id += e_school.size
    parents = draw_parents(profile, schools, roll, parent_fraction, year, next_id, rng)
    parents = parents.with_columns(
        _fresh_refs(parents.height, pl.concat([taken, pupils["pupil_ref"]]), rng).alias("pupil_ref")
    )
    next_id += parents.height
    responded = response_draw(pupils, schools, rng)
    changes = changes.with_columns(pl.lit(wave).alias("wave"), pl.lit(profile.la_code).alias("la_code"))
    aged = replace(population, roll=roll, pupils=pupils, responded=responded, parents=parents)
    return Aged(aged, changes, next_id)


def changes_path(home: Path, wave: str, la_code: str) -> Path:
    """Where the truth of the changes of one follow-up delivery is written (outside the landing area)."""
    return Path(home) / "synthetic_truth" / wave / f"{la_code}.changes.parquet"


def plan_for(
    scale_name: str,
    scale_codes: list[str],
    councils: int | Sequence[str] | None,
    waves: str | Sequence[str] | None,
) -> dict[str, list[str]]:
    """The wave plan of `generate` after applying the council choice (see wave_plan)."""
    return wave_plan(scale_name, choose_councils(scale_codes, councils), waves, councils is not None)
