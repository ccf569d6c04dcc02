"""Every comparison's design (Wald) SE agrees with R's survey package (svyby covmat + svycontrast, degf) to 1e-6.

The census design of tests/estimates/comparisons_sample.py, with and without the fpc: strata = weighting
cells, some holding both sexes (girls and boys share strata) and some pooling several schools (a school and
the rest of its council share a stratum), one census school. The null floor of the SE is checked by hand in
test_comparisons.py; here `null_floor=False`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.estimates.comparisons import combine, council_comparisons, prepare_design
from tests.estimates.comparisons_sample import INDICATORS, census_sample, rule_pairs

R_SCRIPT = Path(__file__).with_name("comparisons_reference.R")
KEYS = [
    "indicator_id",
    "comparison",
    "geography_level",
    "geography_code",
    "breakdown",
    "breakdown_value",
    "reference",
]


def _r_reference(folder: Path, pupils: pl.DataFrame, mode: str) -> pl.DataFrame:
    """Run comparisons_reference.R on the sample (mode 'fpc' or 'nofpc') and read its comparisons back."""
    pupils.write_csv(folder / "pupils.csv")
    rule_pairs(pupils).write_csv(folder / "pairs.csv")
    out = folder / "r.csv"
    done = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(folder / "pupils.csv"), str(folder / "pairs.csv"), str(out), mode],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return pl.read_csv(out, schema_overrides={k: pl.String for k in KEYS})


@pytest.fixture(scope="module", params=["nofpc", "fpc"])
def compared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Ours (both councils, each with the wave-wide design) joined to R's on the comparison keys."""
    fpc = request.param == "fpc"
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: install Debian packages r-base-core r-cran-survey (make test does)")
    pupils = census_sample()
    designs = {
        la: prepare_design(pupils.filter(pl.col("la_code") == la), INDICATORS, fpc=fpc)
        for la in sorted(pupils["la_code"].unique())
    }
    wave = combine(list(designs.values()))
    ours = pl.concat([council_comparisons(d, wave, null_floor=False) for d in designs.values()])
    theirs = _r_reference(tmp_path_factory.mktemp("r_comparisons"), pupils, request.param)
    return ours.join(theirs, on=KEYS, how="full", suffix="_r", coalesce=True)


def test_same_comparisons_and_bases(compared: pl.DataFrame) -> None:
    """Every comparison R makes we make too (and no other), with the same unweighted bases."""
    assert compared.filter(pl.col("n").is_null() | pl.col("n_r").is_null()).height == 0
    assert (compared["n"] == compared["n_r"]).all()
    assert (compared["reference_n"] == compared["reference_n"]).all()
    kinds = set(compared["comparison"])
    assert kinds == {"area_vs_rest_of_council", "council_vs_rest_of_wave", "group_vs_group", "group_vs_rest"}
    assert compared.height > 200


def test_estimates_and_differences_match(compared: pl.DataFrame) -> None:
    """Both sides' ratios and the difference agree to 1e-6 wherever R gives them."""
    have = compared.filter(pl.col("difference_r").is_not_null())
    assert have.height > 200
    for column in ("estimate", "reference_estimate", "difference"):
        assert (have[column] - have[f"{column}_r"]).abs().max() < 1e-6


def test_standard_errors_and_df_match(compared: pl.DataFrame) -> None:
    """The difference's design SE agrees to 1e-6 and df is R's degf of the two sides' answered subset."""
    tested = compared.filter(pl.col("se").is_not_null())
    assert tested.height > 150
    assert (tested["se"] - tested["se_r"]).abs().max() < 1e-6
    assert (tested["df"] == tested["df_r"]).all()
    # Untested rows are those R cannot test either: an empty side, or no variance at all.
    untested = compared.filter(pl.col("se").is_null())
    assert set(untested["test_status"]) <= {"empty_side", "no_variance", "no_df"}
    assert (untested.filter(pl.col("test_status") == "no_variance")["se_r"].fill_null(0.0) < 1e-12).all()


def test_shared_strata_change_the_se(compared: pl.DataFrame) -> None:
    """Girls against boys share strata in the sex-collapsed schools: R's SE differs from the independent one."""
    rows = compared.filter((pl.col("comparison") == "group_vs_group") & (pl.col("breakdown") == "sex"))
    assert rows.height > 5
    assert (rows["se"] - rows["se_r"]).abs().max() < 1e-6
