"""Synthetic schools, associated school groups and the school roll of one council."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from rcs_pipeline.synthetic.profiles import STAGES, CouncilProfile, load_yaml, settings

SECTOR_PRIMARY, SECTOR_SECONDARY, SECTOR_SPECIAL = 0, 1, 2
SECTOR_NAMES = ("Primary", "Secondary", "Special")
PRIMARY_STAGES = np.arange(0, 7)
SECONDARY_STAGES = np.arange(7, 13)
SPECIAL_SHARE = 0.012  # share of each stage's pupils in special schools, when a council has any


@dataclass(frozen=True)
class SchoolTable:
    """One council's schools as parallel arrays (index = school number) plus the published frames."""

    seed_code: np.ndarray
    sector: np.ndarray
    asg: np.ndarray
    simd_mean: np.ndarray
    urban: np.ndarray
    district: np.ndarray
    response_effect: np.ndarray
    frame: pl.DataFrame


@cache
def _name_parts() -> dict[str, list[str]]:
    return load_yaml("school_names.yaml")


def _place_names(count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct place names built from the name parts."""
    parts = _name_parts()
    names = [f"{a}{b}" for a in parts["first"] for b in parts["second"]]
    picks = rng.choice(len(names), size=count, replace=False)
    return [names[i] for i in picks]


def _seed_codes(council_number: int, sectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """7-digit SEED codes, unique across councils; a quarter of primaries and all specials start with 0."""
    first = np.where(sectors == SECTOR_SECONDARY, "5", "8")
    first = np.where((sectors == SECTOR_PRIMARY) & (rng.random(sectors.size) < 0.25), "0", first)
    first = np.where(sectors == SECTOR_SPECIAL, "0", first)
    serial = rng.permutation(np.arange(sectors.size)) + 100
    return np.array([f"{f}{council_number:02d}{s:04d}" for f, s in zip(first, serial, strict=True)])


def build_schools(profile: CouncilProfile, council_number: int, rng: np.random.Generator) -> SchoolTable:
    """Secondaries, their feeder primaries (round robin into ASGs) and special schools, with area traits."""
    n_sec, n_pri, n_spe = profile.secondaries, profile.primaries, profile.specials
    sectors = np.concatenate(
        [np.full(n_sec, SECTOR_SECONDARY), np.full(n_pri, SECTOR_PRIMARY), np.full(n_spe, SECTOR_SPECIAL)]
    )
    asg = np.concatenate(
        [np.arange(n_sec), rng.permutation(np.arange(n_pri) % n_sec), np.arange(n_spe) % n_sec]
    )
    urban_probs = np.array(settings()["urban_profiles"][profile.urban_profile])
    asg_simd = np.clip(profile.simd_mean + rng.normal(0, 1.5, n_sec), 1.5, 9.5)
    asg_urban = rng.choice(8, size=n_sec, p=urban_probs) + 1
    simd = np.clip(
        asg_simd[asg] + np.where(sectors == SECTOR_PRIMARY, rng.normal(0, 1.0, asg.size), 0.0), 1.2, 9.8
    )
    simd = np.where(sectors == SECTOR_SPECIAL, profile.simd_mean, simd)
    own_urban = rng.choice(8, size=asg.size, p=urban_probs) + 1
    urban = np.where((sectors == SECTOR_PRIMARY) & (rng.random(asg.size) < 0.3), own_urban, asg_urban[asg])
    districts = np.array(profile.postcode_districts)
    asg_district = rng.integers(0, districts.size, n_sec)
    district = np.where(
        rng.random(asg.size) < 0.7, asg_district[asg], rng.integers(0, districts.size, asg.size)
    )
    seed_code = _seed_codes(council_number, sectors, rng)

    places = _place_names(asg.size, rng)
    parts = _name_parts()
    saint = rng.random(asg.size) < 0.2
    saints = rng.choice(parts["saints"], size=asg.size)
    suffix = rng.choice(parts["secondary_suffix"], size=asg.size)
    names = []
    for i, sector in enumerate(sectors):
        stem = f"{saints[i]} RC" if saint[i] and sector != SECTOR_SPECIAL else places[i]
        if sector == SECTOR_PRIMARY:
            names.append(f"{stem} Primary School")
        elif sector == SECTOR_SECONDARY:
            names.append(f"{stem} {'High School' if saint[i] else suffix[i]}")
        else:
            names.append(f"{places[i]} School")
    names = _deduplicate(names)
    asg_codes = np.array([f"{profile.la_code}A{k + 1:02d}" for k in range(n_sec)])
    asg_names = np.array([f"{names[k]} ASG" for k in range(n_sec)])
    frame = pl.DataFrame(
        {
            "seed_code": seed_code,
            "school_name": names,
            "la_code": profile.la_code,
            "sector": np.array(SECTOR_NAMES)[sectors],
            "asg_code": asg_codes[asg],
            "asg_name": asg_names[asg],
        }
    )
    response_effect = rng.normal(0, 1, asg.size)
    return SchoolTable(seed_code, sectors, asg, simd, urban, district, response_effect, frame)


def _deduplicate(names: list[str]) -> list[str]:
    """Make school names unique within a council by numbering repeats ("... (2)")."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def build_roll(profile: CouncilProfile, schools: SchoolTable, rng: np.random.Generator) -> np.ndarray:
    """Pupils on the roll as an int array [school, stage (P1..S6), sex (0 = F, 1 = M)]."""
    stage_size = settings()["stage_size"]
    per_stage = profile.pupils_p5s4 / 7
    n = schools.sector.size
    roll = np.zeros((n, len(STAGES), 2), dtype=np.int64)
    size = np.exp(rng.normal(0, np.where(schools.sector == SECTOR_PRIMARY, 0.55, 0.35)))
    special = schools.sector == SECTOR_SPECIAL
    for k, stage in enumerate(STAGES):
        total = round(per_stage * stage_size[stage])
        n_special = round(total * SPECIAL_SHARE) if special.any() else 0
        sector = SECTOR_PRIMARY if k < 7 else SECTOR_SECONDARY
        weights = np.where(schools.sector == sector, size, 0.0)
        counts = rng.multinomial(total - n_special, weights / weights.sum())
        if n_special:
            sweights = np.where(special, size, 0.0)
            counts = counts + rng.multinomial(n_special, sweights / sweights.sum())
        males = rng.binomial(counts, 0.51)
        roll[:, k, 1] = males
        roll[:, k, 0] = counts - males
    return roll


def roll_frame(schools: SchoolTable, roll: np.ndarray) -> pl.DataFrame:
    """The `school_roll` delivery: seed_code, stage, sex, pupils, for every non-empty cell."""
    school, stage, sex = np.nonzero(roll)
    frame = pl.DataFrame(
        {
            "seed_code": schools.seed_code[school],
            "stage": np.array(STAGES)[stage],
            "sex": np.array(["F", "M"])[sex],
            "pupils": roll[school, stage, sex],
        }
    )
    return frame.sort("seed_code", "stage", "sex")
