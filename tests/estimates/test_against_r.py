"""Every estimate and interval agrees with R's survey package under the census design (docs/methods/estimates.md).

Sources: the hand-made sample (tests/estimates/sample.py), the same rows under the simple design
(`census=False`: no strata, no fpc; R svydesign(ids=~1, weights=~weight)), and pupil_scores of the tiny synthetic waves of seeds 1, 3 and 7 built by the library.
Estimates and SEs agree to 1e-6, interval ends to 1e-4, df exactly; proportions without a logit interval
get R's binom.test (Clopper-Pearson) interval on the unweighted base, widened to contain the estimate.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.estimates import estimate_indicators
from tests.estimates.sample import TYPES, clustered_sample
from tests.estimates.tiny_frames import TINY_TYPES, tiny_pupil_scores

R_SCRIPT = Path(__file__).with_name("survey_reference.R")
KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
LEVELS = ("council", "cluster", "school", "all_councils")
SOURCES = ("hand", "hand_simple", "tiny_1", "tiny_3", "tiny_7")
T_975_1 = 12.706204736174698


def _r_reference(tmp_path: Path, frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
    """Run survey_reference.R on the frame and read its estimates back."""
    frame.write_csv(tmp_path / "pupils.csv")
    pl.DataFrame({"indicator_id": list(types), "type": list(types.values())}).write_csv(
        tmp_path / "types.csv"
    )
    out = tmp_path / "r.csv"
    subprocess.run(
        ["Rscript", str(R_SCRIPT), str(tmp_path / "pupils.csv"), str(tmp_path / "types.csv"), str(out)],
        check=True,
        capture_output=True,
        timeout=900,  # R fits one svyglm per domain: seconds on an idle machine, minutes on a loaded one
    )
    return pl.read_csv(out, schema_overrides={k: pl.String for k in KEYS})


def _source(name: str, tmp: Path) -> tuple[pl.DataFrame, dict[str, str], bool]:
    """(frame, indicator types, census design?) of one source."""
    if name.startswith("hand"):
        frame = clustered_sample()
        if name == "hand_simple":
            return frame.drop("weight_cell", "cell_roll"), TYPES, False
        return frame, TYPES, True
    frame = tiny_pupil_scores(tmp / "home", int(name.removeprefix("tiny_")))
    keep = ["la_code", "asg_code", "seed_code", "instrument", "weight", "weight_cell", "cell_roll", "sex", "stage",
            "simd_quintile", "urban_rural_8fold", "urban_rural_2fold", "fsm_p6plus", "any_asn",
            "looked_after_any", "child_protection_register", *(f"ind_{i}" for i in TINY_TYPES)]  # fmt: skip
    return frame.select(keep), TINY_TYPES, True


@pytest.fixture(scope="module", params=SOURCES)
def compared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Ours joined to R's on the domain keys (R columns suffixed _r)."""
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: install Debian packages r-base-core r-cran-survey (make test does)")
    tmp = tmp_path_factory.mktemp(request.param)
    frame, types, census = _source(request.param, tmp)
    ours = estimate_indicators(frame, types, levels=LEVELS, census=census)
    theirs = _r_reference(tmp, frame, types)
    return ours.join(theirs, on=KEYS, how="full", suffix="_r", coalesce=True)


def test_same_domains_and_bases(compared: pl.DataFrame) -> None:
    """Every domain R estimates we estimate too, with the same unweighted base, and no others."""
    assert compared.filter(pl.col("n").is_null() | pl.col("n_r").is_null()).height == 0
    assert (compared["n"] == compared["n_r"]).all()
    assert set(compared["geography_level"]) == set(LEVELS)
    assert compared.height > 500


def test_estimates_match(compared: pl.DataFrame) -> None:
    """Weighted estimates agree to 1e-6 wherever R gives one (R's weights come from fpc alone here)."""
    have = compared.filter(pl.col("estimate_r").is_not_null())
    assert have.height > 0.9 * compared.height
    assert (have["estimate"] - have["estimate_r"]).abs().max() < 1e-6


def test_standard_errors_match(compared: pl.DataFrame) -> None:
    """Linearised SEs agree to 1e-6; R fails (a lonely stratum) exactly where we report no SE."""
    have = compared.filter(pl.col("se_r").is_not_null() & pl.col("se_r").is_finite())
    assert ((have["se"] - have["se_r"]).abs().max()) < 1e-6
    assert (compared["se"].is_null() == compared["se_r"].is_null()).all()


def test_degrees_of_freedom_match(compared: pl.DataFrame) -> None:
    """df is R's degf() of the domain subset: respondents with a value minus strata holding them."""
    assert (compared["df"] == compared["df_r"]).all()


def test_design_intervals_match(compared: pl.DataFrame) -> None:
    """Logit (proportions) and t (means) intervals agree with R to 1e-4.

    Proportions with df = 1 are left out: there R's confint.svyglm turns the t level into a normal level
    1 − 2Φ(t₀.₀₂₅,₁) that rounds to 1 in double precision and returns [0, NaN]; they are checked in
    test_df_one_logit_interval instead.
    """
    designed = compared.filter(
        pl.col("ci_method").is_in(["logit", "t"]) & ~((pl.col("df") == 1) & (pl.col("ci_method") == "logit"))
    )
    assert designed.height > 100
    assert designed["ci_low_r"].null_count() == 0
    assert ((designed["ci_low"] - designed["ci_low_r"]).abs().max()) < 1e-4
    assert ((designed["ci_high"] - designed["ci_high_r"]).abs().max()) < 1e-4


def test_exact_intervals_match_binom_test(compared: pl.DataFrame) -> None:
    """Where a proportion has no logit interval, ours is R's binom.test interval widened to hold the estimate."""
    exact = compared.filter(pl.col("ci_method") == "clopper_pearson")
    assert exact.height > 0
    low = pl.min_horizontal("cp_low", "estimate")
    high = pl.max_horizontal("cp_high", "estimate")
    assert exact.select((pl.col("ci_low") - low).abs().max()).item() < 1e-4
    assert exact.select((pl.col("ci_high") - high).abs().max()).item() < 1e-4
    # Only where the logit interval is undefined: p = 0 or 1, no df, or no variance estimate.
    inner = exact.filter((pl.col("estimate") > 0) & (pl.col("estimate") < 1))
    assert ((inner["df"] < 1) | inner["se"].is_null()).all()


def test_every_proportion_has_an_interval_around_its_estimate(compared: pl.DataFrame) -> None:
    """No proportion with n >= 1 lacks an interval; every interval holds its estimate exactly (issue #16)."""
    props = compared.filter(pl.col("n_positive").is_not_null())
    assert props["ci_low"].null_count() == 0 and props["ci_high"].null_count() == 0
    intervals = compared.filter(pl.col("ci_low").is_not_null())
    assert (intervals["ci_low"] <= intervals["estimate"]).all()
    assert (intervals["estimate"] <= intervals["ci_high"]).all()
    assert compared.filter(pl.col("ci_low").is_null())["ci_status"].null_count() == 0


def test_df_one_logit_interval(compared: pl.DataFrame) -> None:
    """With df = 1 a proportion's interval is the exact logit t interval on R's SE (t₀.₉₇₅,₁ = 12.7062047)."""
    rows = compared.filter((pl.col("df") == 1) & (pl.col("ci_method") == "logit"))
    for p, se_r, low, high in rows.select("estimate", "se_r", "ci_low", "ci_high").iter_rows():
        half = T_975_1 * se_r / (p * (1 - p))
        logit = math.log(p / (1 - p))
        assert abs(low - min(p, 1 / (1 + math.exp(-(logit - half))))) < 1e-9
        assert abs(high - max(p, 1 / (1 + math.exp(-(logit + half))))) < 1e-9
