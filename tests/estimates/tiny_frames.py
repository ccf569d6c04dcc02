"""pupil_scores of every council of a tiny synthetic wave, built by the library functions (no Dagster run)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rcs_pipeline.scoring.score_tables import score_parents, score_pupils
from rcs_pipeline.synthetic import generate
from tests.scoring.linked_fixture import landing_table, linked_like

# Indicators the R comparison runs on tiny data (R fits one svyglm per domain: a few keep it quick).
TINY_TYPES = {
    "sec_active_60min_7days": "proportion",
    "sec_drugs_ever": "proportion",
    "sec_wemwbs_mean": "mean",
    "pri_bullied": "proportion",
    "pri_sdq_total_mean": "mean",
}


def tiny_pupil_scores(root: Path, seed: int) -> pl.DataFrame:
    """Generate the tiny wave of `seed` under `root` and score every council's pupils (exact-match linkage)."""
    generate(root, scale="tiny", seed=seed)
    frames = []
    for wave in sorted((root / "landing").iterdir()):
        for delivery in sorted(wave.iterdir()):
            linked = linked_like(delivery, wave.name, delivery.name, ("secondary_survey", "primary_survey"))
            schools, roll = landing_table(delivery, "schools"), landing_table(delivery, "school_roll")
            frames.append(score_pupils(linked, schools, roll))
    return pl.concat(frames, how="diagonal_relaxed")


def tiny_parent_scores(root: Path) -> pl.DataFrame:
    """parent_scores of every council of the tiny wave already generated under `root`."""
    frames = []
    for wave in sorted((root / "landing").iterdir()):
        for delivery in sorted(wave.iterdir()):
            linked = linked_like(delivery, wave.name, delivery.name, ("parent_survey",))
            frames.append(score_parents(linked, landing_table(delivery, "schools")))
    return pl.concat(frames, how="diagonal_relaxed")
