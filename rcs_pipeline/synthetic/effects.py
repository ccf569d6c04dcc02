"""The effects planted in the synthetic data, as data: the generator reads them, tests and statisticians check them.

Children carry a latent *difficulty* score (standard-normal noise plus the shifts below, in SD units) and a
latent *wellbeing* score. Survey answers are drawn from these latents, so the pipeline should find:
looked-after and child-protection children with clearly higher SDQ totals, a SIMD gradient in SDQ and
WEMWBS, girls higher on the emotional scale and boys on conduct and hyperactivity. `EXPECTED_DIFFERENCES`
gives the observable sizes (unweighted, survey rows joined to their true admin record; on the `demo` scale
we measured looked-after +5.0, CP +3.7 to +4.5, ASN +2.7, SIMD quintile 1 vs 5 +2.6 to +3.2 on SDQ total;
WEMWBS quintile 5 vs 1 +5; girls +1.0 emotional, boys +0.65 conduct), as generous ranges for checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcs_pipeline.contract.spec import delivery_rules


@dataclass(frozen=True)
class FlagModel:
    """Prevalence of an admin flag: `prevalence` overall, a relative risk of exp(simd_slope) per decile more deprived."""

    prevalence: float
    simd_slope: float = 0.0
    male_rr: float = 1.0


# Admin flags at plausible Scottish prevalences, with a deprivation gradient.
FLAG_MODELS: dict[str, FlagModel] = {
    "looked_after": FlagModel(0.015, simd_slope=0.30),
    "child_protection_register": FlagModel(0.003, simd_slope=0.25),
    "asn": FlagModel(0.33, simd_slope=0.08, male_rr=1.35),
    "free_school_meals": FlagModel(0.17, simd_slope=0.25),
}

# How a looked-after child is looked after (shares sum to 1; one type per child).
LOOKED_AFTER_TYPES: dict[str, float] = {
    "looked_after_home": 0.30,
    "looked_after_foster": 0.35,
    "looked_after_kinship": 0.28,
    "looked_after_residential": 0.07,
}

# Plans, given an additional support need; throughcare and adopters, given looked after.
P_COMPLEX_SUPPORT_PLAN_GIVEN_ASN = 0.03
P_IEP_GIVEN_ASN = 0.12
P_THROUGHCARE_GIVEN_LOOKED_AFTER_S3PLUS = 0.10
P_ADOPTERS_GIVEN_LOOKED_AFTER_FOSTER_OR_RESIDENTIAL = 0.06
P_ASN_GIVEN_LOOKED_AFTER = 0.9

# Weights of ASN reason codes among children with an additional support need.
ASN_REASON_WEIGHTS: dict[str, float] = {
    "SEBD": 0.18,
    "DYS": 0.12,
    "MLD": 0.10,
    "EAL": 0.10,
    "SPLD": 0.08,
    "ASD": 0.07,
    "FAM": 0.07,
    "LSD": 0.06,
    "PHP": 0.04,
    "MHP": 0.03,
    "LD": 0.03,
    "OTH": 0.03,
    "IL": 0.02,
    "CSN": 0.02,
    "MAP": 0.02,
    "YC": 0.02,
    "BER": 0.02,
    "PMI": 0.02,
    "VI": 0.01,
    "HI": 0.01,
    "RE": 0.01,
    "NK": 0.01,
    "SUB": 0.003,
    "DB": 0.001,
}

# Service flags: `not_in_receipt_of_services` is Y exactly when a child holds none of these: the contract's
# service flags (rcs_pipeline/contract/delivery.yaml), and additional support (ASN) and free school meals,
# which also count here, so that no contract reading of "service flag" can find a Y beside one.
SERVICE_FLAG_COLUMNS: tuple[str, ...] = (*delivery_rules().service_flags, "free_school_meals", "asn_types")

# Latent difficulty: shifts in SD units. SIMD enters as slope * (decile - 5.5): negative = worse when deprived.
DIFFICULTY_EFFECTS: dict[str, float] = {
    "looked_after": 0.75,
    "child_protection_register": 0.60,
    "asn": 0.45,
    "free_school_meals": 0.15,
    "special_school": 0.40,
    "simd_per_decile": -0.05,
}

# Latent wellbeing (drives WEMWBS, life satisfaction, health): its own SIMD gradient on top of difficulty's.
WELLBEING_EFFECTS: dict[str, float] = {
    "difficulty": -0.55,
    "simd_per_decile": 0.03,
    "female": -0.25,
    "stage_per_year": -0.06,
}

# SDQ scale latents = loading * difficulty + sex shift (girls minus boys, SD units) + own noise.
SDQ_SCALE_LOADINGS: dict[str, float] = {
    "emotional": 0.60,
    "conduct": 0.60,
    "hyperactivity": 0.55,
    "peer": 0.55,
    "prosocial": -0.40,
}
SDQ_SCALE_FEMALE_SHIFT: dict[str, float] = {
    "emotional": 0.55,
    "conduct": -0.35,
    "hyperactivity": -0.30,
    "peer": -0.05,
    "prosocial": 0.45,
}

# Survey response: logit(base) + slope * (decile - 5.5) + school random effect; lower when deprived.
RESPONSE_MODEL: dict[str, float] = {
    "base_rate": 0.82,
    "simd_per_decile_logit": 0.08,
    "looked_after_logit": -0.5,
    "special_school_logit": -0.8,
    "school_sd_logit": 0.3,
}


@dataclass(frozen=True)
class PlantedEffect:
    """An observable difference the pipeline should find: `group_a` minus `group_b` of `measure` lies in [low, high]."""

    measure: str
    instrument: str
    breakdown: str
    group_a: str
    group_b: str
    low: float
    high: float


EXPECTED_DIFFERENCES: tuple[PlantedEffect, ...] = (
    PlantedEffect("sdq_total", "secondary+primary", "looked_after_any", "True", "False", 2.5, 7.0),
    PlantedEffect("sdq_total", "secondary+primary", "child_protection_register", "True", "False", 1.5, 6.0),
    PlantedEffect("sdq_total", "secondary+primary", "any_asn", "True", "False", 1.0, 4.0),
    PlantedEffect("sdq_total", "secondary+primary", "simd_quintile", "1", "5", 1.0, 4.5),
    PlantedEffect("wemwbs", "secondary", "simd_quintile", "5", "1", 1.5, 8.0),
    PlantedEffect("sdq_emotional", "secondary+primary", "sex", "F", "M", 0.5, 2.5),
    PlantedEffect("sdq_conduct", "secondary+primary", "sex", "M", "F", 0.2, 1.5),
    PlantedEffect("sdq_prosocial", "secondary+primary", "sex", "F", "M", 0.3, 2.0),
    PlantedEffect("response_rate", "secondary+primary", "simd_quintile", "5", "1", 0.03, 0.20),
)
