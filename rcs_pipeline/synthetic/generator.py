"""Generate synthetic landing deliveries for a scale, deterministically for a seed."""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl

from rcs_pipeline.deliveries import mark_ready
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage import write_parquet_atomic
from rcs_pipeline.synthetic.council import CouncilDelivery, base_population, survey_council
from rcs_pipeline.synthetic.deliveries import write_delivery
from rcs_pipeline.synthetic.population import wave_year
from rcs_pipeline.synthetic.profiles import CouncilProfile, council_profiles, load_scale
from rcs_pipeline.synthetic.waves import age_population, changes_path, plan_for

SERVICES_STREAM = 7  # a separate random stream, so the services module never shifts the other files
FOLLOW_UP_STREAM = 11  # a later wave's draws: (seed, council, 11, years since the council's first wave)


@dataclass(frozen=True)
class SyntheticSummary:
    """What `generate` wrote: the (wave, la_code) deliveries and row counts per dataset (summed and per delivery)."""

    scale: str
    seed: int
    deliveries: tuple[tuple[str, str], ...]
    counts: dict[str, int] = field(default_factory=dict)
    delivery_counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def _services_module() -> ModuleType | None:
    """`rcs_pipeline.synthetic.services` when it exists (owned by the services work), else None."""
    name = "rcs_pipeline.synthetic.services"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            return None
        raise


def _services_frames(la_code: str, roll_total: int, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """services_register and evidence_costs from the services module, if it provides them."""
    module = _services_module()
    frames: dict[str, pl.DataFrame] = {}
    if module is None:
        return frames
    if hasattr(module, "services_register"):
        frames["services_register"] = module.services_register(la_code, roll_total, rng)
    if hasattr(module, "evidence_costs"):
        frames["evidence_costs"] = module.evidence_costs(rng)
    return frames


def truth_path(home: Path, wave: str, la_code: str) -> Path:
    """Where the ground truth of one delivery is written (outside the landing area)."""
    return Path(home) / "synthetic_truth" / wave / f"{la_code}.parquet"


def generate(
    home: Path,
    scale: str = "tiny",
    seed: int = 2015,
    fmt: str = "csv",
    councils: int | Sequence[str] | None = None,
    waves: str | Sequence[str] | None = None,
) -> SyntheticSummary:
    """Write the scale's deliveries under `home/landing/<wave>/<la_code>/` and their ground truth.

    Deterministic: the same scale and seed give byte-identical CSV files. Each council draws from its own
    random stream (seed, council number), so a council's data do not depend on which others are generated.
    `fmt` "xlsx" or "sav" writes the same frames in those formats (see `write_delivery`).
    Like a real sender, it writes the `_READY` marker into each delivery folder after the delivery's files.
    `councils` (a count or la_codes) replaces the scale's councils, at the scale's sizes (one-, two- and
    three-council waves for the soak test); a council's data are the same whichever others come with it.
    `waves`: None = the scale's waves (scales.yaml), "rcs" = the RCS tranches with follow-ups (waves.yaml), or
    wave labels. A council's first wave is drawn as a single wave always was; its later waves follow the same
    children (rcs_pipeline.synthetic.waves) and write the truth of what changed (`changes_path`).
    Example: generate(Path("/tmp/rcs"), "tiny") writes two councils of wave 2015-16.
    """
    spec = load_scale(scale, councils)
    plan = plan_for(scale, [p.la_code for p in spec.councils], councils, waves)
    profiles = {p.la_code: p for p in spec.councils}
    numbers = {code: i for i, code in enumerate(sorted(council_profiles()))}
    layout = RcsHome(Path(home))
    written: dict[tuple[str, str], dict[str, pl.DataFrame]] = {}
    for la_code, profile in profiles.items():
        council_waves = [w for w, codes in plan.items() if la_code in codes]
        for wave, delivery in _council_waves(
            profile, numbers[la_code], council_waves, spec.parent_fraction, seed, layout.root
        ):
            years = wave_year(wave) - wave_year(council_waves[0])
            stream = [seed, numbers[la_code], SERVICES_STREAM] + ([years] if years else [])
            frames = delivery.frames | _services_frames(
                la_code, delivery.roll_total, np.random.default_rng(stream)
            )
            write_delivery(frames, layout.delivery(wave, la_code), fmt)
            mark_ready(layout.delivery(wave, la_code))  # the sender writes the marker last
            write_parquet_atomic(delivery.truth, truth_path(layout.root, wave, la_code))
            written[(wave, la_code)] = frames
    order = {code: i for i, code in enumerate(profiles)}
    deliveries = sorted(written, key=lambda key: (key[0], order[key[1]]))
    per_delivery = {key: {name: frame.height for name, frame in written[key].items()} for key in deliveries}
    totals: dict[str, int] = {}
    for counts in per_delivery.values():
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
    return SyntheticSummary(scale, seed, tuple(deliveries), totals, per_delivery)


def _council_waves(
    profile: CouncilProfile, number: int, waves: list[str], parent_fraction: float, seed: int, root: Path
) -> list[tuple[str, CouncilDelivery]]:
    """One council's deliveries over its waves: the first drawn afresh, the later ones the same children aged."""
    if not waves:
        return []
    rng = np.random.default_rng([seed, number])
    population = base_population(profile, number, waves[0], parent_fraction, rng)
    out = [(waves[0], survey_council(population, profile, waves[0], rng))]
    next_id = population.pupils.height + population.parents.height
    for previous, wave in itertools.pairwise(waves):
        years = wave_year(wave) - wave_year(waves[0])
        follow = np.random.default_rng([seed, number, FOLLOW_UP_STREAM, years])
        aged = age_population(
            population, profile, wave, wave_year(wave) - wave_year(previous), parent_fraction, next_id, follow
        )
        population, next_id = aged.population, aged.next_id
        write_parquet_atomic(
            aged.changes.with_columns(pl.lit(previous).alias("from_wave")),
            changes_path(root, wave, profile.la_code),
        )
        out.append((wave, survey_council(population, profile, wave, follow)))
    return out
