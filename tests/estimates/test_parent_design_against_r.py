"""The parent survey design's estimates equal R's survey package (docs/methods/parents.md).

Design: strata = council × sample stratum, weights = design weight, no fpc; R:
svydesign(ids=~1, strata=~stratum, weights=~weight). Sources: a hand-made household sample of two councils
(three sample strata, unequal design weights, a stratum of one interview, children not at school in no
cluster, unknown sex and SIMD) and the tiny synthetic wave's parent_scores (seed 1) given sample strata
and weights. Estimates and SEs to 1e-8, interval ends to 1e-6, df exactly; R fails exactly where we
report no variance.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.estimates.parent_design import design_rows, estimate_parents, parent_breakdowns

R_SCRIPT = Path(__file__).with_name("parent_design_reference.R")
KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
LEVELS = ("council", "cluster", "all_councils")
TYPES = {"reads_daily": "proportion", "rare": "proportion", "swemwbs": "mean"}


def hand_parents(seed: int = 11) -> pl.DataFrame:
    """parent_scores-like rows: 2 councils, strata A/B/C (C has one interview in S12000040), unequal weights."""
    rng = np.random.default_rng(seed)
    rows = []
    plan = {"S12000005": {"A": 14, "B": 11, "C": 9}, "S12000040": {"A": 12, "B": 13, "C": 1}}
    for la_code, strata in plan.items():
        for stratum, size in strata.items():
            for i in range(size):
                age = int(rng.integers(0, 9))
                at_school = age >= 5 and rng.random() < 0.9
                simd = None if rng.random() < 0.2 else int(rng.integers(1, 6))
                need = None if age < 4 or rng.random() < 0.1 else bool(rng.random() < 0.25)
                rows.append(
                    {
                        "la_code": la_code,
                        "asg_code": f"{la_code[-2:]}{'AB'[i % 2]}" if at_school else None,
                        "response_id": f"{la_code}-{stratum}-{i}",
                        "child_age": age,
                        "sex": [None, "X", "F", "M", "F", "M", "F", "M"][int(rng.integers(0, 8))],
                        "simd_quintile": simd,
                        "urban_rural_2fold": None if simd is None else ("rural" if simd > 3 else "urban"),
                        "need_sdq_high": need,
                        "sample_stratum": stratum,
                        "design_weight": float(rng.choice([0.5, 1.0, 1.7, 2.4])),
                        "weight": 1.0,
                        "ind_reads_daily": None if rng.random() < 0.1 else float(rng.random() < 0.45),
                        "ind_rare": float(rng.random() < 0.04),
                        "ind_swemwbs": None if rng.random() < 0.1 else float(rng.normal(24, 4)),
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"simd_quintile": pl.Int8, "need_sdq_high": pl.Boolean})


def tiny_parents(root: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    """The tiny wave's parent_scores (seed 1) with sample strata by child's age and weights by SIMD."""
    from rcs_pipeline.synthetic import generate
    from tests.estimates.tiny_frames import tiny_parent_scores

    generate(root, scale="tiny", seed=1)
    frame = tiny_parent_scores(root).with_columns(
        pl.when(pl.col("child_age") < 5)
        .then(pl.lit("under5"))
        .otherwise(pl.lit("school"))
        .alias("sample_stratum"),
        pl.when(pl.col("simd_quintile") <= 2).then(0.8).otherwise(1.3).alias("design_weight"),
    )
    types = {
        "par_reads_together_daily": "proportion",
        "par_used_family_support": "proportion",
        "par_swemwbs_mean": "mean",
    }
    return frame, types


def r_reference(tmp: Path, frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
    """R's estimates of every domain of the design rows of `frame`."""
    keep = ["stratum", "weight", "la_code", "asg_code", *(f"b_{b}" for b in parent_breakdowns())]
    design_rows(frame).select(*keep, *(f"ind_{i}" for i in types)).write_csv(tmp / "rows.csv")
    pl.DataFrame({"indicator_id": list(types), "type": list(types.values())}).write_csv(tmp / "types.csv")
    out = tmp / "r.csv"
    subprocess.run(
        ["Rscript", str(R_SCRIPT), str(tmp / "rows.csv"), str(tmp / "types.csv"), str(out)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return pl.read_csv(out, schema_overrides={k: pl.String for k in KEYS})


@pytest.fixture(scope="module", params=["hand", "tiny_1"])
def compared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Ours joined to R's on the domain keys (R's columns suffixed _r)."""
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: install Debian packages r-base-core r-cran-survey (make test does)")
    tmp = tmp_path_factory.mktemp(request.param)
    frame, types = (hand_parents(), TYPES) if request.param == "hand" else tiny_parents(tmp / "home")
    ours = estimate_parents(frame, types, levels=LEVELS)
    theirs = r_reference(tmp, frame, types).with_columns(pl.col("df").cast(pl.Int64))
    return ours.join(theirs, on=KEYS, how="full", suffix="_r", coalesce=True)


def test_same_domains_and_bases(compared: pl.DataFrame) -> None:
    """Every domain R estimates we estimate, with the same unweighted base, every breakdown present."""
    assert compared.filter(pl.col("n").is_null() | pl.col("n_r").is_null()).height == 0
    assert (compared["n"] == compared["n_r"]).all()
    assert set(compared["breakdown"]) == {"all", *parent_breakdowns()}
    assert set(compared["geography_level"]) == set(LEVELS)


def test_estimates_and_standard_errors_match(compared: pl.DataFrame) -> None:
    """Weighted estimates and linearised SEs agree to 1e-8 (R's CSV keeps 15 digits); no SE exactly where R
    fails (a lonely stratum)."""
    assert (compared["estimate"] - compared["estimate_r"]).abs().max() < 1e-8
    have = compared.filter(pl.col("se_r").is_not_null())
    assert have.height > 0.5 * compared.height
    assert (have["se"] - have["se_r"]).abs().max() < 1e-8
    assert (compared["se"].is_null() == compared["se_r"].is_null()).all()


def test_degrees_of_freedom_match(compared: pl.DataFrame) -> None:
    """df is R's degf() of the domain subset."""
    assert (compared["df"] == compared["df_r"]).all()


def test_design_intervals_match(compared: pl.DataFrame) -> None:
    """Logit (proportions) and t (means) intervals agree with R to 1e-6 (df = 1 left out as in the pupil test)."""
    designed = compared.filter(pl.col("ci_method").is_in(["logit", "t"]) & (pl.col("df") > 1))
    assert designed.height > 20
    assert designed["ci_low_r"].null_count() == 0
    assert (designed["ci_low"] - designed["ci_low_r"]).abs().max() < 1e-6
    assert (designed["ci_high"] - designed["ci_high_r"]).abs().max() < 1e-6


def test_hand_sample_has_a_lonely_stratum_and_unequal_weights() -> None:
    """Negative control of the comparison: the design is not the one-stratum equal-weight one."""
    frame = hand_parents()
    rows = design_rows(frame)
    assert rows.group_by("stratum").len()["len"].min() == 1
    assert rows["weight"].n_unique() > 1
    plain = estimate_parents(frame.drop("sample_stratum", "design_weight"), TYPES)
    designed = estimate_parents(frame, TYPES)
    joined = designed.join(plain, on=KEYS, suffix="_plain")
    assert (joined["estimate"] - joined["estimate_plain"]).abs().max() > 1e-3
