"""The comparisons make no claim the data do not support (null simulation) and find what is there (planted effects).

Null: the `small` synthetic wave (2 councils, 44 schools), answers shuffled within council and survey instrument
(all indicators of a respondent move together, so no school, group or area truly differs), REPS times over the
comparison step only (design sums and tests; pupil frames built once by the library, not by Dagster).
Planted: the `demo` wave, where the generator plants known differences (rcs_pipeline/synthetic/effects.py).
Figures are printed (run with -s to see them).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.estimates.comparisons import (
    answers,
    combine,
    council_comparisons,
    design_from,
    design_layout,
    prepare_design,
)
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.synthetic.effects import EXPECTED_DIFFERENCES
from tests.estimates.comparisons_sample import synthetic_pupil_scores

pytestmark = pytest.mark.slow

REPS = 200
ALPHA = 0.05
MIN_N = 20  # the settings' min_group: what the asset tests
CALLED = ["higher", "lower"]


def _indicators(frame: pl.DataFrame) -> list[str]:
    """Pupil indicators of the catalogue present in the frame."""
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(["secondary", "primary"]))
    return [i for i in catalogue["indicator_id"] if f"ind_{i}" in frame.columns]


def _shuffle_groups(frame: pl.DataFrame) -> list[np.ndarray]:
    """Row positions of each survey instrument (the council is the frame)."""
    codes = frame["instrument"].to_numpy()
    return [np.flatnonzero(codes == value) for value in np.unique(codes)]


def null_simulation(
    frames: dict[str, pl.DataFrame], reps: int, seed: int, fpc: bool = False, null_floor: bool = True
) -> pl.DataFrame:
    """Per repetition and family: tests made, comparisons called different (BH), raw p < 0.05."""
    rng = np.random.default_rng(seed)
    out = []
    for la_code, frame in sorted(frames.items()):
        ids = _indicators(frame)
        layout = design_layout(frame, fpc=fpc)
        y = answers(frame, ids)
        groups = _shuffle_groups(frame)
        for rep in range(reps):
            shuffled = y.copy()
            for rows in groups:
                shuffled[rows] = y[rng.permutation(rows)]
            table = council_comparisons(
                design_from(layout, shuffled, ids), min_n=MIN_N, null_floor=null_floor
            )
            out.append(
                table.filter(pl.col("p_value").is_not_null())
                .group_by("family")
                .agg(
                    tested=pl.len(),
                    called=pl.col("direction").is_in(CALLED).sum(),
                    raw=(pl.col("p_value") < ALPHA).sum(),
                )
                .with_columns(rep=pl.lit(rep), la_code=pl.lit(la_code))
            )
    return pl.concat(out).with_columns(kind=pl.col("family").str.replace(r":[^:]+:", ":"))


def _by_kind(results: pl.DataFrame) -> pl.DataFrame:
    """Per family type: comparisons called / tested, share of families with any claim and its Monte Carlo SE.

    The SE comes from the spread of the per-repetition shares (repetitions are independent; families within
    one repetition are not, as they share respondents).
    """
    per_rep = results.group_by("kind", "rep").agg(any_claim=(pl.col("called") > 0).mean())
    mcse = per_rep.group_by("kind").agg(mcse=pl.col("any_claim").std() / pl.len().sqrt())
    return (
        results.group_by("kind")
        .agg(
            families=pl.len(),
            tested=pl.col("tested").sum(),
            called=pl.col("called").sum(),
            raw=pl.col("raw").sum(),
            any_claim=(pl.col("called") > 0).mean(),
        )
        .join(mcse, on="kind")
        .with_columns(
            called_rate=pl.col("called") / pl.col("tested"), raw_rate=pl.col("raw") / pl.col("tested")
        )
        .sort("kind")
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """pupil_scores of the small wave (S12000005: 11 schools, S12000040: 33 schools)."""
    return synthetic_pupil_scores(tmp_path_factory.mktemp("comparisons_small"), "small", seed=2015)


@pytest.fixture(scope="module")
def null_results(small: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The null simulation's figures by family type, printed."""
    summary = _by_kind(null_simulation(small, REPS, seed=15))
    with pl.Config(tbl_cols=12, tbl_width_chars=200):
        print(f"\nnull simulation, {REPS} shuffles of the small wave (min_n {MIN_N}):\n{summary}")
    return summary


def test_null_school_comparisons_rarely_called(null_results: pl.DataFrame) -> None:
    """At most 5% of school × indicator comparisons are called higher or lower when nothing differs."""
    school = null_results.filter(pl.col("kind") == "school:vs_rest_of_council").row(0, named=True)
    assert school["tested"] > 20_000
    assert school["called_rate"] <= 0.05


def test_null_reports_with_any_claim_within_fdr(null_results: pl.DataFrame) -> None:
    """Under a complete null, BH bounds the chance that a family (a report's claims of one kind) makes any
    claim by its false-discovery rate, 5%. Allowed: 3 Monte Carlo SEs of the estimated share (about 0.5 to 1.5
    points with 200 repetitions), so a correct method fails by chance about once in 700 runs."""
    for row in null_results.iter_rows(named=True):
        assert row["any_claim"] <= ALPHA + 3 * row["mcse"], row
    assert set(null_results["kind"]) >= {"school:vs_rest_of_council", "cluster:vs_rest_of_council",
                                         "council:groups", "cluster:groups"}  # fmt: skip


def test_null_raw_tests_are_calibrated(null_results: pl.DataFrame) -> None:
    """Before adjustment the t tests reject about 5% (neither the collapse that BH would then have to rescue,
    nor a test so conservative it could find nothing): between 2% and 8% per family type."""
    assert null_results["raw_rate"].is_between(0.02, 0.08).all()


def test_fpc_would_call_chance_differences(small: dict[str, pl.DataFrame]) -> None:
    """Why the tests drop the census fpc: with it (SE × sqrt(1 − n/N), response ~80%) and the design SE alone,
    a shuffle is called different far above 5% (a few repetitions are enough to show it)."""
    summary = _by_kind(null_simulation(small, 5, seed=16, fpc=True, null_floor=False))
    school = summary.filter(pl.col("kind") == "school:vs_rest_of_council").row(0, named=True)
    print(f"\nwith the fpc, 5 shuffles: raw {school['raw_rate']:.3f}, called {school['called_rate']:.3f}, "
          f"school reports with a claim {school['any_claim']:.3f}")  # fmt: skip
    assert school["raw_rate"] > 0.2
    assert school["any_claim"] > 0.5


def _planted() -> list[tuple[str, str, str, str, str]]:
    """(indicator, breakdown, group, reference, expected direction) of each planted effect the table tests.

    From EXPECTED_DIFFERENCES: a two-valued breakdown is tested `true` vs rest; SIMD and sex as 1 vs 5 and
    F vs M (a planted 5 − 1 or M − F difference is then expected `lower`).
    """
    indicators = {
        "sdq_total": ["sec_sdq_total_mean", "pri_sdq_total_mean"],
        "wemwbs": ["sec_wemwbs_mean"],
        "sdq_emotional": ["sec_sdq_emotional_high", "pri_sdq_emotional_high"],
    }
    pairs = {"simd_quintile": ("1", "5"), "sex": ("F", "M")}
    out = []
    for effect in EXPECTED_DIFFERENCES:
        for indicator in indicators.get(effect.measure, []):
            group, reference = pairs.get(effect.breakdown, ("true", "rest"))
            flipped = effect.group_a.lower() != group.lower()
            out.append((indicator, effect.breakdown, group, reference, "lower" if flipped else "higher"))
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Every planted comparison of the demo wave's councils and clusters, with what the table says."""
    frames = synthetic_pupil_scores(tmp_path_factory.mktemp("comparisons_demo"), "demo", seed=2015)
    ids = _indicators(next(iter(frames.values())))
    designs = {la: prepare_design(frame, ids) for la, frame in frames.items()}
    wave = combine(list(designs.values()))
    table = pl.concat([council_comparisons(d, wave, min_n=MIN_N) for d in designs.values()])
    want = pl.DataFrame(_planted(), schema=["indicator_id", "breakdown", "breakdown_value", "reference", "expected"],
                        orient="row")  # fmt: skip
    found = table.join(want, on=["indicator_id", "breakdown", "breakdown_value", "reference"], how="inner")
    power = found.filter(pl.col("p_value").is_not_null()).group_by("geography_level").agg(
        tested=pl.len(), found=(pl.col("direction") == pl.col("expected")).sum(),
        wrong=(pl.col("direction").is_in(CALLED) & (pl.col("direction") != pl.col("expected"))).sum(),
    ).with_columns(power=pl.col("found") / pl.col("tested"))  # fmt: skip
    print(
        f"\nplanted effects, demo wave (3 councils): {len(_planted())} planted comparisons per area\n{power}"
    )
    return found


def test_planted_effects_found_in_every_council(planted: pl.DataFrame) -> None:
    """At council level every planted difference that is tested is found, in its planted direction."""
    council = planted.filter((pl.col("geography_level") == "council") & pl.col("p_value").is_not_null())
    assert council.height >= 25  # 11 planted comparisons x 3 councils, less the small bases
    assert (council["direction"] == council["expected"]).all(), council.filter(
        pl.col("direction") != pl.col("expected")
    ).select("geography_code", "indicator_id", "breakdown", "n", "reference_n", "difference", "p_adjusted")


def test_planted_effects_never_reversed(planted: pl.DataFrame) -> None:
    """No area, council or cluster, states a planted difference the wrong way round."""
    called = planted.filter(pl.col("direction").is_in(CALLED))
    assert called.height > 0
    assert (called["direction"] == called["expected"]).all()
