"""Generate synthetic landing deliveries for a scale, deterministically for a seed."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl

from rcs_pipeline.deliveries import mark_ready
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage import write_parquet_atomic
from rcs_pipeline.synthetic.council import synthesise_council
from rcs_pipeline.synthetic.deliveries import write_delivery
from rcs_pipeline.synthetic.profiles import council_profiles, load_scale

SERVICES_STREAM = 7  # a separate random stream, so the services module never shifts the other files


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
) -> SyntheticSummary:
    """Write the scale's deliveries under `home/landing/<wave>/<la_code>/` and their ground truth.

    Deterministic: the same scale and seed give byte-identical CSV files. Each council draws from its own
    random stream (seed, council number), so a council's data do not depend on which others are generated.
    `fmt` "xlsx" or "sav" writes the same frames in those formats (see `write_delivery`).
    Like a real sender, it writes the `_READY` marker into each delivery folder after the delivery's files.
    `councils` (a count or la_codes) replaces the scale's councils, at the scale's sizes (one-, two- and
    three-council waves for the soak test); a council's data are the same whichever others come with it.
    Example: generate(Path("/tmp/rcs"), "tiny") writes two councils of wave 2015-16.
    """
    spec = load_scale(scale, councils)
    numbers = {code: i for i, code in enumerate(sorted(council_profiles()))}
    layout = RcsHome(Path(home))
    deliveries, per_delivery = [], {}
    totals: dict[str, int] = {}
    for profile in spec.councils:
        number = numbers[profile.la_code]
        delivery = synthesise_council(
            profile, number, spec.wave, spec.parent_fraction, np.random.default_rng([seed, number])
        )
        frames = delivery.frames | _services_frames(
            profile.la_code, delivery.roll_total, np.random.default_rng([seed, number, SERVICES_STREAM])
        )
        write_delivery(frames, layout.delivery(spec.wave, profile.la_code), fmt)
        mark_ready(layout.delivery(spec.wave, profile.la_code))  # the sender writes the marker last
        write_parquet_atomic(delivery.truth, truth_path(layout.root, spec.wave, profile.la_code))
        key = (spec.wave, profile.la_code)
        deliveries.append(key)
        per_delivery[key] = {name: frame.height for name, frame in frames.items()}
        for name, frame in frames.items():
            totals[name] = totals.get(name, 0) + frame.height
    return SyntheticSummary(scale, seed, tuple(deliveries), totals, per_delivery)
