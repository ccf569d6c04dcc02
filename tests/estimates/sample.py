"""A small hand-made census sample: 2 councils, 11 schools in 4 clusters, weighting cells, nulls, rare outcome.

Each school's roll is split over S1/S2 x F/M; the respondents are weighted by the project's own
post-stratification, so the weighting cells (weight_cell, cell_roll) collapse as in pupil_scores: sex
cells with one respondent, unknown sex, single-respondent schools pooled within a cluster (4000004 and
4000005 in B02) and a lone one pooled across its council (5000005 with 5000003, the school with the
fewest respondents). The rare outcome is asked of the secondary schools only.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.weights import poststratification_weights

SCHOOLS = {  # seed_code: (la_code, asg_code, respondents, roll)
    "5000001": ("S12000005", "A01", 9, 40),
    "5000002": ("S12000005", "A01", 12, 55),
    "5000003": ("S12000005", "A02", 7, 21),
    "5000004": ("S12000005", "A02", 10, 63),
    "5000005": ("S12000005", "A02", 1, 12),
    "4000001": ("S12000040", "B01", 11, 30),
    "4000002": ("S12000040", "B01", 8, 44),
    "4000003": ("S12000040", "B02", 6, 18),
    "4000004": ("S12000040", "B02", 1, 9),
    "4000005": ("S12000040", "B02", 1, 14),
}
TYPES = {"happy": "proportion", "wellbeing": "mean", "rare": "proportion"}


def school_roll() -> pl.DataFrame:
    """Each school's roll split over S1/S2 x F/M (the remainder goes to S2 girls)."""
    rows = []
    for seed_code, (_, _, _, roll) in SCHOOLS.items():
        quarter = roll // 4
        for stage, sex in (("S1", "F"), ("S1", "M"), ("S2", "M")):
            rows.append((seed_code, stage, sex, quarter))
        rows.append((seed_code, "S2", "F", roll - 3 * quarter))
    return pl.DataFrame(rows, schema=["seed_code", "stage", "sex", "pupils"], orient="row")


def clustered_sample(seed: int = 7) -> pl.DataFrame:
    """pupil_scores-like frame (weights and cells from the roll) with breakdown columns and three indicators."""
    rng = np.random.default_rng(seed)
    rows = []
    for seed_code, (la_code, asg_code, n, _) in SCHOOLS.items():
        for i in range(n):
            simd = int(rng.integers(1, 6))
            looked_after = None if rng.random() < 0.15 else bool(rng.random() < 0.3)
            stage = "S1" if rng.random() < 0.5 else "S2"
            happy = None if rng.random() < 0.1 else float(rng.random() < 0.35 + 0.08 * simd)
            rows.append(
                {
                    "la_code": la_code,
                    "asg_code": asg_code,
                    "seed_code": seed_code,
                    "response_id": f"{seed_code}-{i}",
                    "instrument": "primary" if seed_code.endswith("1") else "secondary",
                    "sex": None if rng.random() < 0.07 else ("F" if rng.random() < 0.5 else "M"),
                    "stage": stage,
                    "simd_quintile": simd,
                    "urban_rural_8fold": int(rng.integers(1, 9)),
                    "urban_rural_2fold": "urban" if rng.random() < 0.6 else "rural",
                    "fsm_p6plus": bool(rng.random() < 0.2),
                    "any_asn": bool(rng.random() < 0.25),
                    "looked_after_any": looked_after,
                    "child_protection_register": None if looked_after is None else bool(rng.random() < 0.1),
                    "ind_happy": happy,
                    "ind_wellbeing": None if rng.random() < 0.12 else float(rng.integers(14, 71)),
                    "ind_rare": None if seed_code.endswith("1") else float(rng.random() < 0.06),
                }
            )
    frame = pl.DataFrame(rows, schema_overrides={"simd_quintile": pl.Int8, "urban_rural_8fold": pl.Int8})
    parts = [
        poststratification_weights(frame.filter(pl.col("la_code") == la), school_roll())
        for la in sorted(set(frame["la_code"]))
    ]
    return pl.concat(parts)
