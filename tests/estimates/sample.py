"""A small hand-made clustered sample: 2 councils, 7 schools in 4 clusters, weights, nulls, rare outcome.

The rare outcome is asked of the secondary schools only (as each survey's own indicators are).
"""

from __future__ import annotations

import numpy as np
import polars as pl

SCHOOLS = {  # seed_code: (la_code, asg_code, respondents, roll)
    "5000001": ("S12000005", "A01", 9, 40),
    "5000002": ("S12000005", "A01", 12, 55),
    "5000003": ("S12000005", "A02", 7, 21),
    "5000004": ("S12000005", "A02", 10, 63),
    "4000001": ("S12000040", "B01", 11, 30),
    "4000002": ("S12000040", "B01", 8, 44),
    "4000003": ("S12000040", "B02", 6, 18),
}
TYPES = {"happy": "proportion", "wellbeing": "mean", "rare": "proportion"}


def clustered_sample(seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(pupil_scores-like frame, rolls) with breakdown columns and three indicators."""
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
                    "weight": float(np.round(rng.uniform(1.0, 4.0), 3)),
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
    rolls = pl.DataFrame({"seed_code": list(SCHOOLS), "roll": [float(v[3]) for v in SCHOOLS.values()]})
    return frame, rolls
