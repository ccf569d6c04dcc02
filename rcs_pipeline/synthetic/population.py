"""Synthetic children: who they are (school, stage, sex, birth date), where they live, their admin flags and latents."""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.synthetic import effects
from rcs_pipeline.synthetic.profiles import CouncilProfile, settings
from rcs_pipeline.synthetic.schools import SECTOR_PRIMARY, SECTOR_SPECIAL, SchoolTable

ASN_CODES = tuple(effects.ASN_REASON_WEIGHTS)
LOOKED_AFTER_COLUMNS = tuple(effects.LOOKED_AFTER_TYPES)
SDQ_SCALES = tuple(effects.SDQ_SCALE_LOADINGS)


def pupil_population(roll: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One entry per pupil on the roll in stages first..last (indexes into STAGES): school, stage, male."""
    sub = roll[:, first : last + 1, :]
    school, stage, sex = np.nonzero(sub)
    counts = sub[school, stage, sex]
    return np.repeat(school, counts), np.repeat(stage + first, counts), np.repeat(sex == 1, counts)


def wave_year(wave: str) -> int:
    """First calendar year of a wave `YYYY-YY`."""
    return int(wave[:4])


def cohort_dob(stage: np.ndarray, year: int, rng: np.random.Generator) -> np.ndarray:
    """Birth dates for pupils of stage index k (P1 = 0): born 1 March (year-5-k) to end of February (year-4-k)."""
    start_years = year - 5 - stage
    starts = (start_years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(2, "M")
    starts = starts.astype("datetime64[D]")
    ends = (start_years + 1 - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(2, "M")
    span = (ends.astype("datetime64[D]") - starts).astype(np.int64)
    return starts + np.floor(rng.random(stage.size) * span).astype(np.int64)


def stage_from_dob(dob: np.ndarray, year: int) -> np.ndarray:
    """Stage index (P1 = 0) a child born on `dob` is in during the wave; negative = not yet at school."""
    shifted = dob.astype("datetime64[M]") - np.timedelta64(2, "M")  # March-to-February school cohorts
    birth_cohort = shifted.astype("datetime64[Y]").astype(np.int64) + 1970
    return year - 5 - birth_cohort


def _flag(
    rr_simd: float,
    prevalence: float,
    simd: np.ndarray,
    extra_rr: np.ndarray | float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bernoulli draw with prevalence scaled by a SIMD relative risk normalised over deciles 1-10."""
    rr = np.exp(rr_simd * (5.5 - simd))
    mean_rr = np.exp(rr_simd * (5.5 - np.arange(1, 11))).mean()
    p = np.clip(prevalence * rr / mean_rr * extra_rr, 0, 0.95)
    return rng.random(simd.size) < p


def _asn_types(asn: np.ndarray, looked_after: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """';'-joined ASN reason codes for children with an additional support need (null otherwise)."""
    n = asn.size
    weights = np.array(list(effects.ASN_REASON_WEIGHTS.values()))
    weights = weights / weights.sum()
    main = rng.choice(len(ASN_CODES), size=n, p=weights)
    chosen = rng.random((n, len(ASN_CODES))) < weights * 0.6
    chosen[np.arange(n), main] = True
    chosen &= asn[:, None]
    codes = [*ASN_CODES, "LAC"]
    chosen = np.column_stack([chosen, asn & looked_after])
    order = np.argsort(codes)  # codes joined in alphabetical order
    bits = (chosen[:, order].astype(np.uint64) << np.arange(len(codes), dtype=np.uint64)).sum(axis=1)
    combos, inverse = np.unique(bits, return_inverse=True)
    sorted_codes = [codes[i] for i in order]
    text = [
        ";".join(c for j, c in enumerate(sorted_codes) if int(combo) >> j & 1) or None for combo in combos
    ]
    return pl.Series("asn_types", text, dtype=pl.String).gather(inverse)


def draw_traits(
    school: np.ndarray,
    stage: np.ndarray,
    male: np.ndarray,
    schools: SchoolTable,
    profile: CouncilProfile,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Area, admin flags and latent scores of children at the given schools (school -1 = none, stage -1 = pre-school)."""
    n = school.size
    simd = np.clip(np.rint(schools.simd_mean[school] + rng.normal(0, 2.3, n)), 1, 10).astype(np.int64)
    urban_probs = np.array(settings()["urban_profiles"][profile.urban_profile])
    own_urban = rng.choice(8, size=n, p=urban_probs) + 1
    urban = np.where(rng.random(n) < 0.85, schools.urban[school], own_urban)
    special = schools.sector[school] == SECTOR_SPECIAL

    fm = effects.FLAG_MODELS
    la = _flag(fm["looked_after"].simd_slope, fm["looked_after"].prevalence, simd, 1.0, rng)
    la_type = rng.choice(len(LOOKED_AFTER_COLUMNS), size=n, p=list(effects.LOOKED_AFTER_TYPES.values()))
    cp = _flag(
        fm["child_protection_register"].simd_slope, fm["child_protection_register"].prevalence, simd, 1.0, rng
    )
    asn_model = fm["asn"]
    asn_rr = (
        np.where(male, asn_model.male_rr, 1.0) / ((1 + asn_model.male_rr) / 2) * np.where(special, 3.0, 1.0)
    )
    asn = _flag(asn_model.simd_slope, asn_model.prevalence, simd, asn_rr, rng)
    asn |= la & (rng.random(n) < effects.P_ASN_GIVEN_LOOKED_AFTER)
    fsm = _flag(
        fm["free_school_meals"].simd_slope,
        fm["free_school_meals"].prevalence,
        simd,
        np.where(la, 2.0, 1.0),
        rng,
    )
    csp = asn & (rng.random(n) < effects.P_COMPLEX_SUPPORT_PLAN_GIVEN_ASN * np.where(special, 5.0, 1.0))
    iep = asn & (rng.random(n) < effects.P_IEP_GIVEN_ASN * np.where(special, 4.0, 1.0))
    through = la & (stage >= 9) & (rng.random(n) < effects.P_THROUGHCARE_GIVEN_LOOKED_AFTER_S3PLUS)
    adopt = (
        la
        & np.isin(la_type, [1, 3])
        & (rng.random(n) < effects.P_ADOPTERS_GIVEN_LOOKED_AFTER_FOSTER_OR_RESIDENTIAL)
    )

    d = effects.DIFFICULTY_EFFECTS
    difficulty = (
        rng.normal(0, 1, n)
        + d["looked_after"] * la
        + d["child_protection_register"] * cp
        + d["asn"] * asn
        + d["free_school_meals"] * fsm
        + d["special_school"] * special
        + d["simd_per_decile"] * (simd - 5.5)
    )
    w = effects.WELLBEING_EFFECTS
    female = ~male
    wellbeing = (
        w["difficulty"] * difficulty
        + w["simd_per_decile"] * (simd - 5.5)
        + w["female"] * female
        + w["stage_per_year"] * (np.maximum(stage, 0) - 8)
        + rng.normal(0, 0.8, n)
    )
    columns: dict[str, object] = {
        "simd_decile": simd,
        "urban_rural_8fold": urban,
        "special_school": special,
        "primary_school": schools.sector[school] == SECTOR_PRIMARY,
    }
    for i, col in enumerate(LOOKED_AFTER_COLUMNS):
        columns[col] = la & (la_type == i)
    columns |= {
        "child_protection_register": cp,
        "complex_support_plan": csp,
        "individualised_education_plan": iep,
        "free_school_meals": fsm,
        "throughcare_aftercare": through,
        "looking_for_prospective_adopters": adopt,
        "looked_after": la,
        "asn": asn,
        "latent_difficulty": difficulty,
        "latent_wellbeing": wellbeing,
        "latent_area": 0.12 * (simd - 5.5) + rng.normal(0, 0.8, n),
        "latent_parent_wellbeing": -0.3 * difficulty + 0.07 * (simd - 5.5) + rng.normal(0, 0.9, n),
    }
    for scale in SDQ_SCALES:
        a = effects.SDQ_SCALE_LOADINGS[scale]
        columns[f"latent_{scale}"] = (
            a * difficulty
            + effects.SDQ_SCALE_FEMALE_SHIFT[scale] * (female - 0.5)
            + np.sqrt(1 - a * a) * rng.normal(0, 1, n)
        )
    frame = pl.DataFrame(columns)
    return frame.with_columns(_asn_types(asn, la, rng))
