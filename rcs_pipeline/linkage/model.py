"""The probabilistic matching model's fixed parameters, kept as data in matching.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

MATCH_FIELDS: tuple[str, ...] = ("birth_month", "sex", "seed_code", "stage")
LEVELS: dict[str, tuple[str, ...]] = {
    "birth_month": ("exact", "adjacent"),
    "sex": ("exact",),
    "seed_code": ("exact",),
    "stage": ("exact",),
}
"""Agreement levels of each field, most specific first; every field also has `disagree` and a null level."""


@dataclass(frozen=True)
class MatchingModel:
    """m probabilities per field and level, the 'possible match' floor, bounds on measured u, the in-pool prior."""

    m_probabilities: dict[str, dict[str, float]]
    possible_match: float
    u_min: float
    u_max: float
    prior_in_pool: float
    reference_m: float
    reference_u: float


@cache
def matching_model() -> MatchingModel:
    """The packaged model of matching.yaml."""
    text = resources.files(__package__).joinpath("matching.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    m = {
        field: {level: float(raw["m_probabilities"][field][level]) for level in LEVELS[field]}
        for field in MATCH_FIELDS
    }
    return MatchingModel(
        m,
        float(raw["possible_match"]),
        float(raw["u_min"]),
        float(raw["u_max"]),
        float(raw["prior_in_pool"]),
        float(raw["reference_similarity"]["m"]),
        float(raw["reference_similarity"]["u"]),
    )
