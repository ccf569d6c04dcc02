"""Load the generator's data files: scales, council profiles and survey item specifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

STAGES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "S1", "S2", "S3", "S4", "S5", "S6")
SURVEY_STAGES: dict[str, tuple[str, ...]] = {
    "primary": ("P5", "P6", "P7"),
    "secondary": ("S1", "S2", "S3", "S4"),
}


@dataclass(frozen=True)
class CouncilProfile:
    """Size and character of one council: pupils P5-S4, school counts, mean SIMD decile, urban mix, postcodes."""

    la_code: str
    pupils_p5s4: int
    secondaries: int
    primaries: int
    specials: int
    simd_mean: float
    urban_profile: str
    postcode_districts: tuple[str, ...]


@dataclass(frozen=True)
class Scale:
    """One scale of generation: a wave, its councils (with sizes) and the parent survey's relative size."""

    name: str
    wave: str
    councils: tuple[CouncilProfile, ...]
    parent_fraction: float


def load_yaml(name: str) -> Any:
    """A YAML data file of this package (C loader when available: the files are read on every run)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def settings() -> dict[str, Any]:
    """The parsed scales.yaml (scales, urban profiles, stage sizes, fieldwork window)."""
    return load_yaml("scales.yaml")


@cache
def item_specs() -> dict[str, Any]:
    """The parsed items.yaml: how every survey item is drawn from the latents."""
    return load_yaml("items.yaml")


@cache
def council_profiles() -> dict[str, CouncilProfile]:
    """All 32 council profiles from councils.yaml, keyed by la_code."""
    rows = load_yaml("councils.yaml")["councils"]
    return {
        row["la_code"]: CouncilProfile(
            la_code=str(row["la_code"]),
            pupils_p5s4=int(row["pupils_p5s4"]),
            secondaries=int(row["secondaries"]),
            primaries=int(row["primaries"]),
            specials=int(row["specials"]),
            simd_mean=float(row["simd_mean"]),
            urban_profile=str(row["urban_profile"]),
            postcode_districts=tuple(row["postcode_districts"].split()),
        )
        for row in rows
    }


def scale_names() -> tuple[str, ...]:
    """The scales defined in scales.yaml."""
    return tuple(settings()["scales"])


def choose_councils(scale_codes: list[str], councils: int | Sequence[str] | None) -> list[str]:
    """The councils to generate: the scale's own (None), the first N (the scale's, then the rest in code
    order), or the codes given. Raises ValueError on an unknown code or a count outside 1..32.

    Example: choose_councils(["S12000005", "S12000040"], 3) → S12000005, S12000040, S12000006.
    """
    profiles = council_profiles()
    if councils is None:
        return list(scale_codes)
    if isinstance(councils, int):
        if not 1 <= councils <= len(profiles):
            raise ValueError(f"--councils must be between 1 and {len(profiles)}, got {councils}")
        order = [*scale_codes, *(code for code in sorted(profiles) if code not in scale_codes)]
        return order[:councils]
    unknown = [code for code in councils if code not in profiles]
    if unknown or not councils:
        raise ValueError(f"unknown council code(s) {unknown}; expected S120000xx codes from councils.yaml")
    return list(dict.fromkeys(councils))


def load_scale(name: str, councils: int | Sequence[str] | None = None) -> Scale:
    """The named scale with its council profiles resolved (overrides and size factor applied).

    `councils` replaces the scale's councils (see choose_councils); sizes still follow the scale.
    """
    scales = settings()["scales"]
    if name not in scales:
        raise ValueError(f"unknown synthetic scale {name!r}; expected one of {sorted(scales)}")
    spec = scales[name]
    profiles = council_profiles()
    codes = choose_councils(
        sorted(profiles) if spec["councils"] == "all" else list(spec["councils"]), councils
    )
    factor = float(spec.get("size_factor", 1.0))
    override = spec.get("council_override", {})
    councils = []
    for code in codes:
        profile = profiles[code]
        if factor != 1.0:
            profile = replace(
                profile,
                pupils_p5s4=round(profile.pupils_p5s4 * factor),
                secondaries=max(2, round(profile.secondaries * factor)),
                primaries=max(4, round(profile.primaries * factor)),
                specials=max(1, round(profile.specials * factor)) if profile.specials else 0,
            )
        councils.append(replace(profile, **override))
    return Scale(
        name=name,
        wave=str(spec["wave"]),
        councils=tuple(councils),
        parent_fraction=float(spec["parent_fraction"]),
    )
