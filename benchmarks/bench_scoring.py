"""Time pupil_scores and parent_scores for a national-scale wave (all of Scotland in one frame).

Prints seconds and peak resident memory. Usage: python benchmarks/bench_scoring.py [pupils] [parents]
Default 400,000 pupil respondents (about every S1-S4 and P5-P7 pupil) in 2,400 schools, 40,000 parents.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import polars as pl

from rcs_pipeline.scoring.score_tables import INSTRUMENT_STAGES, score_parents, score_pupils

RNG = np.random.default_rng(2015)
SCHOOLS = 2400
ITEM_RANGES = {
    **{f"sdq_{i:02d}": (1, 3) for i in range(1, 26)}, "sdq_impact_any": (1, 4),
    **{f"sdq_impact_{n}": (1, 4) for n in ("distress", "home", "friends", "classroom", "leisure")},
    **{f"wemwbs_{i:02d}": (1, 5) for i in range(1, 15)}, "general_health": (1, 4), "active_days_60min": (1, 8),
    "fruit_veg_daily": (1, 3), "sleep_hours": (1, 4), "smoked_ever": (1, 2), "alcohol_ever": (1, 2),
    "drugs_ever": (1, 2), "adult_to_trust": (1, 5), "family_talk_easy": (1, 4), "close_friends": (1, 4),
    "friends_treat_well": (1, 5), "happy_at_school": (1, 5), "teachers_fair": (1, 5), "belong_at_school": (1, 5),
    "area_safe": (1, 5), "area_good_place": (1, 5), "bullied_last_year": (1, 2), "lonely": (1, 5),
    "schoolwork_pressure": (1, 4), "places_to_play": (1, 2), "life_satisfaction": (1, 11),
}  # fmt: skip
PARENT_RANGES = {
    **{f"sdq_p_{i:02d}": (1, 3) for i in range(1, 26)}, "child_general_health": (1, 4), "development_concern": (1, 2),
    **{f"swemwbs_{i:02d}": (1, 5) for i in range(1, 8)}, "reads_together_days": (1, 8), "used_health_visitor": (1, 2),
    "used_elc": (1, 2), "used_family_support": (1, 2), "area_good_place": (1, 5),
}  # fmt: skip
FLAGS = ("looked_after_home", "looked_after_foster", "looked_after_kinship", "looked_after_residential",
         "child_protection_register", "complex_support_plan", "individualised_education_plan", "free_school_meals",
         "throughcare_aftercare", "looking_for_prospective_adopters")  # fmt: skip


def items(n: int, ranges: dict[str, tuple[int, int]]) -> dict[str, pl.Series]:
    """Random item codes with 2% missing answers."""
    out = {}
    for name, (low, high) in ranges.items():
        values = RNG.integers(low, high + 1, n).astype(np.int16)
        values[RNG.random(n) < 0.02] = -9
        out[name] = pl.Series(name, values).replace(-9, None)
    return out


def admin(n: int) -> dict[str, pl.Series]:
    """Random admin columns for n respondents, 90% linked."""
    linked = RNG.random(n) < 0.9
    link_id = pl.Series("link_id", [f"{i:064x}" if ok else None for i, ok in enumerate(linked)])
    cols = {"link_id": link_id}
    for flag in FLAGS:
        cols[flag] = pl.Series(flag, RNG.random(n) < 0.05)
    cols["asn_types"] = pl.Series(
        "asn_types", ["DYS" if r < 0.3 else None for r in RNG.random(n)], dtype=pl.String
    )
    cols["simd_decile"] = pl.Series("simd_decile", RNG.integers(1, 11, n).astype(np.int8))
    cols["urban_rural_8fold"] = pl.Series("urban_rural_8fold", RNG.integers(1, 9, n).astype(np.int8))
    cols["admin_sex"] = pl.Series("admin_sex", RNG.choice(["M", "F"], n))
    return cols


def pupils(n: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A linked-like pupil table, the schools and the roll."""
    instrument = RNG.choice(["secondary", "primary"], n)
    stage = np.where(instrument == "secondary", RNG.choice(["S1", "S2", "S3", "S4"], n),
                     RNG.choice(["P5", "P6", "P7"], n))  # fmt: skip
    frame = pl.DataFrame({
        "wave": "2015-16", "la_code": "S12000000", "instrument": instrument,
        "response_id": [f"R{i:07d}" for i in range(n)],
        "seed_code": [f"{s:07d}" for s in RNG.integers(0, SCHOOLS, n)], "stage": stage,
        "sex": RNG.choice(["M", "F", "X"], n, p=[0.49, 0.49, 0.02]),
        **items(n, ITEM_RANGES), **admin(n),
    })  # fmt: skip
    schools = pl.DataFrame(
        {
            "seed_code": [f"{s:07d}" for s in range(SCHOOLS)],
            "asg_code": [f"A{s // 8:04d}" for s in range(SCHOOLS)],
        }
    )
    stages = [s for group in INSTRUMENT_STAGES.values() for s in group]
    roll = (
        pl.DataFrame({"seed_code": schools["seed_code"]})
        .join(pl.DataFrame({"stage": stages}), how="cross")
        .join(pl.DataFrame({"sex": ["M", "F"]}), how="cross")
        .with_columns(pl.lit(60, pl.Int32).alias("pupils"))
    )
    return frame, schools, roll


def parents(n: int) -> pl.DataFrame:
    """A linked-like parent table."""
    return pl.DataFrame({
        "wave": "2015-16", "la_code": "S12000000", "instrument": "parent",
        "response_id": [f"P{i:07d}" for i in range(n)],
        "seed_code": [f"{s:07d}" for s in RNG.integers(0, SCHOOLS, n)],
        "child_sex": RNG.choice(["M", "F"], n), "child_age": RNG.integers(0, 9, n).astype(np.int8),
        **items(n, PARENT_RANGES), **admin(n),
    })  # fmt: skip


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Build the frames, then time each scoring step."""
    n_pupils = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    n_parents = int(sys.argv[2]) if len(sys.argv) > 2 else 40_000
    linked, schools, roll = pupils(n_pupils)
    linked_parents = parents(n_parents)
    print(f"inputs built: {n_pupils} pupils, {n_parents} parents; peak RSS {peak_rss_mb():.0f} MB")
    start = time.perf_counter()
    scored = score_pupils(linked, schools, roll)
    print(f"pupil_scores: {time.perf_counter() - start:.2f} s, {scored.height} rows x {scored.width} columns")
    start = time.perf_counter()
    scored_parents = score_parents(linked_parents, schools)
    print(f"parent_scores: {time.perf_counter() - start:.2f} s, {scored_parents.height} rows")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
