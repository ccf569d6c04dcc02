"""On demo-like data (scale `small`: demo councils at 40% size) prevalences are plausible and effects planted."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.synthetic import effects, generate, truth_path

WAVE = "2015-16"
REVERSED = {7, 11, 14, 21, 25}
SCALES = {
    "emotional": [3, 8, 13, 16, 24],
    "conduct": [5, 7, 12, 18, 22],
    "hyperactivity": [2, 10, 15, 21, 25],
    "peer": [6, 11, 14, 19, 23],
    "prosocial": [1, 4, 9, 17, 20],
}
LOOKED_AFTER = [
    "looked_after_home",
    "looked_after_foster",
    "looked_after_kinship",
    "looked_after_residential",
]
P5_S4 = ["P5", "P6", "P7", "S1", "S2", "S3", "S4"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two councils of the 2015-16 tranche at demo proportions (about 10,000 P5-S4 pupils)."""
    home = tmp_path_factory.mktemp("small")
    generate(home, scale="small", seed=11)
    return home


def scored(frame: pl.DataFrame) -> pl.DataFrame:
    """SDQ scale scores (items scored 0-2, positive items reversed; complete scales only) and WEMWBS."""
    out = []
    for scale, items in SCALES.items():
        parts = []
        for k in items:
            code = pl.col(f"sdq_{k:02d}").cast(pl.Int64)
            code = pl.when(code.is_between(1, 3)).then(code)
            parts.append(3 - code if k in REVERSED else code - 1)
        complete = pl.all_horizontal([p.is_not_null() for p in parts])
        out.append(pl.when(complete).then(pl.sum_horizontal(parts)).alias(scale))
    frame = frame.with_columns(out)
    frame = frame.with_columns(
        total=pl.col("emotional") + pl.col("conduct") + pl.col("hyperactivity") + pl.col("peer")
    )
    if "wemwbs_01" in frame.columns:
        items = [pl.col(f"wemwbs_{k:02d}").cast(pl.Int64) for k in range(1, 15)]
        frame = frame.with_columns(
            wemwbs=pl.when(pl.all_horizontal([i.is_between(1, 5) for i in items])).then(
                pl.sum_horizontal(items)
            )
        )
    return frame


@pytest.fixture(scope="module")
def linked(small: Path) -> pl.DataFrame:
    """Pupil respondents (first answers only) with their true admin record, via the ground truth."""
    frames = []
    for la_code in ("S12000005", "S12000040"):
        folder = small / "landing" / WAVE / la_code
        truth = pl.read_parquet(truth_path(small, WAVE, la_code))
        admin = (
            pl.read_csv(folder / "admin_extract.csv", infer_schema=False)
            .with_row_index("admin_source_row", 2)
            .with_columns(pl.col("admin_source_row").cast(pl.Int64))
        )
        for dataset in ("secondary_survey", "primary_survey"):
            survey = scored(pl.read_csv(folder / f"{dataset}.csv", infer_schema=False))
            survey = survey.select(
                "response_id",
                "sex",
                "emotional",
                "conduct",
                "prosocial",
                "total",
                pl.col("wemwbs") if "wemwbs" in survey.columns else pl.lit(None).alias("wemwbs"),
            )
            rows = (
                truth.filter((pl.col("dataset") == dataset) & ~pl.col("is_duplicate"))
                .select("response_id", pl.col("admin_source_row").cast(pl.Int64))
                .join(survey, on="response_id")
                .join(admin.drop("sex"), on="admin_source_row")
            )
            frames.append(rows)
    return pl.concat(frames, how="diagonal_relaxed").with_columns(
        looked_after=pl.any_horizontal([pl.col(c) == "Y" for c in LOOKED_AFTER]),
        quintile=(pl.col("simd_decile").cast(pl.Int64) + 1) // 2,
    )


def test_admin_prevalences_are_plausible(small: Path) -> None:
    admin = pl.concat(
        [
            pl.read_csv(small / "landing" / WAVE / la / "admin_extract.csv", infer_schema=False)
            for la in ("S12000005", "S12000040")
        ]
    ).filter(pl.col("stage").is_in(P5_S4))
    share = admin.select(
        asn=pl.col("asn_types").is_not_null().mean(),
        looked_after=pl.any_horizontal([pl.col(c) == "Y" for c in LOOKED_AFTER]).mean(),
        cp=(pl.col("child_protection_register") == "Y").mean(),
        plans=(
            (pl.col("complex_support_plan") == "Y") | (pl.col("individualised_education_plan") == "Y")
        ).mean(),
        throughcare=(pl.col("throughcare_aftercare") == "Y").mean(),
        adopters=(pl.col("looking_for_prospective_adopters") == "Y").mean(),
    ).row(0, named=True)
    assert 0.28 <= share["asn"] <= 0.40
    assert 0.008 <= share["looked_after"] <= 0.025
    assert 0.001 <= share["cp"] <= 0.008
    assert 0.01 <= share["plans"] <= 0.08
    assert share["throughcare"] < 0.005 and share["adopters"] < 0.005
    fsm = admin.filter(pl.col("stage") != "P5").select((pl.col("free_school_meals") == "Y").mean()).item()
    assert 0.13 <= fsm <= 0.22
    by_type = {c: (admin[c] == "Y").sum() for c in LOOKED_AFTER}
    assert all(count > 0 for count in by_type.values())


def test_special_schools_belong_to_clusters(small: Path) -> None:
    schools = pl.concat(
        [
            pl.read_csv(small / "landing" / WAVE / la / "schools.csv", infer_schema=False)
            for la in ("S12000005", "S12000040")
        ]
    )
    special = schools.filter(pl.col("sector") == "Special")
    assert special.height >= 2
    assert (
        special["asg_code"].is_in(schools.filter(pl.col("sector") == "Secondary")["asg_code"].implode()).all()
    )


def test_fsm_and_deprivation_go_together(linked: pl.DataFrame) -> None:
    rate = (
        linked.group_by("quintile")
        .agg((pl.col("free_school_meals") == "Y").mean().alias("fsm"))
        .sort("quintile")
    )
    assert rate["fsm"][0] > 2 * rate["fsm"][-1]


def test_response_is_about_80_percent_and_lower_in_deprived_areas(small: Path, linked: pl.DataFrame) -> None:
    roll = pl.concat(
        [
            pl.read_csv(small / "landing" / WAVE / la / "school_roll.csv", infer_schema=False)
            for la in ("S12000005", "S12000040")
        ]
    )
    pupils = roll.filter(pl.col("stage").is_in(P5_S4))["pupils"].cast(pl.Int64).sum()
    assert 0.74 <= linked.height / pupils <= 0.88
    model = effects.RESPONSE_MODEL
    assert model["simd_per_decile_logit"] > 0


def test_survey_reference_problems_are_a_few_percent(small: Path) -> None:
    truth = pl.concat([pl.read_parquet(truth_path(small, WAVE, la)) for la in ("S12000005", "S12000040")])
    pupils = truth.filter(pl.col("dataset").is_in(["secondary_survey", "primary_survey"]))
    bad = pupils["ref_status"].is_in(["blank", "mistyped"]).mean()
    assert 0.025 <= bad <= 0.06
    assert 0.002 <= pupils["is_duplicate"].mean() <= 0.01
    assert 0.005 <= truth.filter(pl.col("dataset") == "admin_extract")["admin_differs"].mean() <= 0.04


def mean_by(frame: pl.DataFrame, column: str, measure: str) -> dict[object, float]:
    """Mean of `measure` in each group of `column`."""
    return dict(frame.group_by(column).agg(pl.col(measure).mean()).iter_rows())


def test_looked_after_and_protected_children_have_higher_sdq(linked: pl.DataFrame) -> None:
    looked_after = mean_by(linked, "looked_after", "total")
    assert looked_after[True] - looked_after[False] >= 2.5
    asn = mean_by(linked.with_columns(asn=pl.col("asn_types").is_not_null()), "asn", "total")
    assert asn[True] - asn[False] >= 1.0
    cp = mean_by(linked, "child_protection_register", "total")
    assert cp["Y"] > cp["N"]


def test_deprivation_gradients_in_sdq_and_wemwbs(linked: pl.DataFrame) -> None:
    sdq = mean_by(linked, "quintile", "total")
    assert sdq[1] - sdq[5] >= 1.0
    wemwbs = mean_by(linked.filter(pl.col("wemwbs").is_not_null()), "quintile", "wemwbs")
    assert wemwbs[5] - wemwbs[1] >= 1.5
    assert 40 <= linked["wemwbs"].mean() <= 54


def test_girls_higher_emotional_boys_higher_conduct(linked: pl.DataFrame) -> None:
    emotional = mean_by(linked, "sex", "emotional")
    conduct = mean_by(linked, "sex", "conduct")
    prosocial = mean_by(linked, "sex", "prosocial")
    assert emotional["F"] - emotional["M"] >= 0.5
    assert conduct["M"] - conduct["F"] >= 0.3
    assert prosocial["F"] > prosocial["M"]
    assert 8 <= linked["total"].mean() <= 14


def breakdowns(linked: pl.DataFrame) -> pl.DataFrame:
    """The breakdown columns of EXPECTED_DIFFERENCES, as text, beside the scores."""
    return linked.with_columns(
        looked_after_any=pl.col("looked_after").cast(pl.String).str.to_titlecase(),
        child_protection_register=(pl.col("child_protection_register") == "Y")
        .cast(pl.String)
        .str.to_titlecase(),
        any_asn=pl.col("asn_types").is_not_null().cast(pl.String).str.to_titlecase(),
        simd_quintile=pl.col("quintile").cast(pl.String),
        sdq_total=pl.col("total"),
        sdq_emotional=pl.col("emotional"),
        sdq_conduct=pl.col("conduct"),
        sdq_prosocial=pl.col("prosocial"),
    )


@pytest.mark.parametrize(
    "effect",
    [e for e in effects.EXPECTED_DIFFERENCES if e.measure != "response_rate"],
    ids=lambda e: f"{e.measure}-{e.breakdown}",
)
def test_documented_effects_hold(linked: pl.DataFrame, effect: effects.PlantedEffect) -> None:
    means = mean_by(
        breakdowns(linked).filter(pl.col(effect.measure).is_not_null()), effect.breakdown, effect.measure
    )
    assert effect.low <= means[effect.group_a] - means[effect.group_b] <= effect.high
