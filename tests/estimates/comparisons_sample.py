"""A hand-made census sample for the comparisons: 2 councils, 11 schools in 5 clusters, weighting cells.

Respondents are weighted by the project's own post-stratification to a roll split over S1/S2 x F/M, so the
weighting cells collapse as in pupil_scores: sex collapsed where a sex cell has one respondent or a sex is
unknown (girls and boys then share a stratum), and single-respondent schools pooled with others (5000005
alone in its cluster, pooled across the council; 4000004 and 4000005 pooled in cluster B02). Pooled cells
hold several schools, so a school and the rest of its council can share a stratum.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import polars as pl

from rcs_pipeline.estimates.comparisons import comparison_rules, group_pairs
from rcs_pipeline.weights import poststratification_weights

SCHOOLS = {  # seed_code: (la_code, asg_code, respondents, roll)
    "5000001": ("S12000005", "A01", 14, 40),
    "5000002": ("S12000005", "A01", 17, 55),
    "5000003": ("S12000005", "A02", 9, 21),
    "5000004": ("S12000005", "A02", 15, 63),
    "5000005": ("S12000005", "A03", 1, 12),
    "4000001": ("S12000040", "B01", 16, 30),
    "4000002": ("S12000040", "B01", 12, 44),
    "4000003": ("S12000040", "B02", 8, 18),
    "4000004": ("S12000040", "B02", 1, 9),
    "4000005": ("S12000040", "B02", 1, 14),
    "4000006": ("S12000040", "B03", 10, 10),  # a census: every pupil answered
}
INDICATORS = ("happy", "wellbeing", "rare")


def school_roll() -> pl.DataFrame:
    """Each school's roll split over S1/S2 x F/M (the remainder goes to S2 girls)."""
    rows = []
    for seed_code, (_, _, _, roll) in SCHOOLS.items():
        quarter = roll // 4
        rows += [(seed_code, stage, sex, quarter) for stage, sex in (("S1", "F"), ("S1", "M"), ("S2", "M"))]
        rows.append((seed_code, "S2", "F", roll - 3 * quarter))
    return pl.DataFrame(rows, schema=["seed_code", "stage", "sex", "pupils"], orient="row")


def _respondent(rng: np.random.Generator, seed_code: str, i: int) -> dict:
    """One respondent's breakdowns and answers (happy depends on SIMD; rare asked in some schools only)."""
    la_code, asg_code, _, _ = SCHOOLS[seed_code]
    simd = int(rng.integers(1, 6))
    fold8 = int(rng.integers(1, 9))
    looked_after = None if rng.random() < 0.15 else bool(rng.random() < 0.3)
    return {
        "la_code": la_code, "asg_code": asg_code, "seed_code": seed_code, "response_id": f"{seed_code}-{i}",
        "sex": None if rng.random() < 0.06 else ("F" if rng.random() < 0.5 else "M"),
        "stage": "S1" if rng.random() < 0.5 else "S2", "simd_quintile": simd,
        "urban_rural_8fold": fold8, "urban_rural_2fold": "urban" if fold8 <= 5 else "rural",
        "fsm_p6plus": bool(rng.random() < 0.2), "any_asn": bool(rng.random() < 0.25),
        "looked_after_any": looked_after,
        "child_protection_register": None if looked_after is None else bool(rng.random() < 0.1),
        "ind_happy": None if rng.random() < 0.1 else float(rng.random() < 0.35 + 0.08 * simd),
        "ind_wellbeing": None if rng.random() < 0.12 else float(rng.integers(14, 71)),
        "ind_rare": None if seed_code.endswith(("1", "4")) else float(rng.random() < 0.06),
    }  # fmt: skip


def census_sample(seed: int = 7) -> pl.DataFrame:
    """pupil_scores-like respondents with weight, weight_cell and cell_roll from post-stratification."""
    rng = np.random.default_rng(seed)
    rows = [_respondent(rng, s, i) for s, (_, _, n, _) in SCHOOLS.items() for i in range(n)]
    frame = pl.DataFrame(rows, schema_overrides={"simd_quintile": pl.Int8, "urban_rural_8fold": pl.Int8})
    parts = [
        poststratification_weights(
            frame.filter(pl.col("la_code") == la), school_roll(), label_prefix="secondary:"
        )
        for la in sorted(set(frame["la_code"]))
    ]
    return pl.concat(parts)


def rule_pairs(pupils: pl.DataFrame) -> pl.DataFrame:
    """(breakdown, group, reference) of every group comparison the rules make on these respondents' values."""
    rules = comparison_rules()
    rows = []
    for breakdown in dict.fromkeys(
        [*(r["breakdown"] for r in rules["group_vs_group"]), *rules["group_vs_rest"]]
    ):
        values = sorted(pupils[breakdown].cast(pl.String).drop_nulls().unique().to_list())
        rows += [(breakdown, g, r) for g, r in group_pairs(values, breakdown)]
    return pl.DataFrame(rows, schema=["breakdown", "group", "reference"], orient="row")


def synthetic_pupil_scores(home: Path, scale: str = "tiny", seed: int = 2015) -> dict[str, pl.DataFrame]:
    """{la_code: pupil_scores} of one synthetic wave, built by the library (generator, separation, linkage,
    scoring and weights) without Dagster: seconds at the demo scale."""
    from rcs_pipeline.contract.readers import read_dataset
    from rcs_pipeline.linkage.keys import decode_linkage_key
    from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, linked_dataset
    from rcs_pipeline.linkage.matching import build_link_map
    from rcs_pipeline.paths import RcsHome
    from rcs_pipeline.scoring.score_tables import score_pupils
    from rcs_pipeline.separation import SEPARATED_DATASETS, separate
    from rcs_pipeline.synthetic import generate

    generate(home, scale=scale, seed=seed)
    key = decode_linkage_key(secrets.token_hex(32))
    out = {}
    for wave, la_code in RcsHome(home).deliveries():
        folder = RcsHome(home).delivery(wave, la_code)
        split = {d: separate(read_dataset(folder, d), d) for d in SEPARATED_DATASETS}
        link_map = build_link_map({d: ids for d, (ids, _) in split.items()}, key, 0.95)
        linked = linked_dataset(link_map, {d: c for d, (_, c) in split.items()}, PUPIL_SURVEYS, wave, la_code)
        out[la_code] = score_pupils(
            linked, read_dataset(folder, "schools"), read_dataset(folder, "school_roll")
        )
    return out
