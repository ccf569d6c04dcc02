"""The tiny deliveries follow docs/methods/input_contract.md: columns, codes, formats, and cross-file consistency."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.waves import wave_rules
from tests.synthetic.contract_columns import ASN_CODES, COLUMNS, ITEM_MAX, YN_COLUMNS

WAVE = "2015-16"
COUNCILS = ("S12000005", "S12000040")
DK_ALLOWED = {"adult_to_trust", "area_safe", "area_good_place"}


def read(home: Path, la_code: str, dataset: str) -> pl.DataFrame:
    """A delivered CSV with every value as text (blank = null), as a strict reader sees it."""
    return pl.read_csv(home / "landing" / WAVE / la_code / f"{dataset}.csv", infer_schema=False)


@pytest.mark.parametrize("la_code", COUNCILS)
@pytest.mark.parametrize("dataset", sorted(COLUMNS))
def test_columns_follow_contract(tiny_source: Path, la_code: str, dataset: str) -> None:
    frame = read(tiny_source, la_code, dataset)
    assert frame.columns == COLUMNS[dataset]
    assert frame.height > 0


@pytest.mark.parametrize("la_code", COUNCILS)
@pytest.mark.parametrize("dataset", ["secondary_survey", "primary_survey", "parent_survey"])
def test_item_codes_are_valid(tiny_source: Path, la_code: str, dataset: str) -> None:
    frame = read(tiny_source, la_code, dataset)
    for column in (c for c in frame.columns if c in ITEM_MAX):
        values = frame[column].drop_nulls().cast(pl.Int64)
        valid = values.is_between(1, ITEM_MAX[column]) | values.is_in([-9, -8, -7])
        assert valid.all(), column
        if column not in DK_ALLOWED:
            assert not (values == -8).any(), column
    assert frame["response_id"].is_unique().all()


@pytest.mark.parametrize("dataset", ["secondary_survey", "primary_survey"])
def test_impact_items_not_asked_exactly_when_no_difficulties(tiny_source: Path, dataset: str) -> None:
    frame = read(tiny_source, "S12000040", dataset).with_columns(pl.col("^sdq_impact_.*$").cast(pl.Int64))
    answered = frame.filter(pl.col("sdq_impact_any") >= 1)
    no_difficulty = answered["sdq_impact_any"] == 1
    assert no_difficulty.any() and not no_difficulty.all()
    for column in ("sdq_impact_distress", "sdq_impact_home", "sdq_impact_leisure"):
        not_asked = (answered[column] == -7).fill_null(False)
        assert (not_asked == no_difficulty).filter(answered[column].is_not_null()).all()


@pytest.mark.parametrize("la_code", COUNCILS)
def test_pupil_surveys_identifiers_stages_and_dates(tiny_source: Path, la_code: str) -> None:
    schools = read(tiny_source, la_code, "schools")
    for dataset, stages in (
        ("secondary_survey", {"S1", "S2", "S3", "S4"}),
        ("primary_survey", {"P5", "P6", "P7"}),
    ):
        frame = read(tiny_source, la_code, dataset)
        first, last = wave_rules("2015-16").fieldwork[dataset.removesuffix("_survey")]
        assert set(frame["stage"].unique()) <= stages
        assert set(frame["sex"].drop_nulls().unique()) <= {"M", "F", "X"}
        assert frame["seed_code"].is_in(schools["seed_code"].implode()).all()
        refs = frame["pupil_ref"].drop_nulls().str.strip_chars().str.to_uppercase()
        assert refs.str.contains(r"^[A-Z0-9]{10}$").all()
        assert frame["birth_month"].str.contains(r"^\d{4}-(0[1-9]|1[0-2])$").all()
        dates = frame["completed_on"].str.to_date("%Y-%m-%d")
        assert dates.min() >= first and dates.max() <= last  # the wave's fieldwork window (waves/rules.yaml)


@pytest.mark.parametrize("la_code", COUNCILS)
def test_parent_survey_children_and_references(tiny_source: Path, la_code: str) -> None:
    frame = read(tiny_source, la_code, "parent_survey")
    age = frame["child_age"].cast(pl.Int64)
    assert age.is_between(0, 8).all()
    sdq = frame.select(pl.col("^sdq_p_.*$").cast(pl.Int64))
    young = age < 2
    assert (sdq.filter(young) == -7).to_numpy().all()
    assert not (sdq.filter(~young) == -7).to_numpy().any()
    # No school, no reference: children not yet at school have neither.
    assert frame.filter(pl.col("seed_code").is_null())["pupil_ref"].is_null().all()
    assert frame["seed_code"].is_null().any() and frame["seed_code"].is_not_null().any()


@pytest.mark.parametrize("la_code", COUNCILS)
def test_admin_extract_codes_and_consistency(tiny_source: Path, la_code: str) -> None:
    admin = read(tiny_source, la_code, "admin_extract")
    schools = read(tiny_source, la_code, "schools")
    assert admin["pupil_ref"].is_unique().all()
    assert admin["pupil_ref"].str.contains(r"^[A-Z0-9]{10}$").all()
    assert admin["date_of_birth"].str.to_date("%Y-%m-%d").is_not_null().all()
    assert admin["postcode"].str.contains(r"^[A-Za-z]{1,2}\d{1,2}[A-Za-z]?\s*\d[A-Za-z]{2}$").all()
    assert admin["seed_code"].is_in(schools["seed_code"].implode()).all()
    for column in YN_COLUMNS:
        assert set(admin[column].unique()) <= {"Y", "N"}, column
    codes = admin["asn_types"].drop_nulls().str.split(";").explode()
    assert set(codes.unique()) <= ASN_CODES
    assert admin["simd_decile"].cast(pl.Int64).is_between(1, 10).all()
    assert admin["urban_rural_8fold"].cast(pl.Int64).is_between(1, 8).all()
    service = (
        pl.any_horizontal([pl.col(c) == "Y" for c in YN_COLUMNS[1:]]) | pl.col("asn_types").is_not_null()
    )
    checked = admin.select((pl.col("not_in_receipt_of_services") == "Y") == ~service).to_series()
    assert checked.all()


@pytest.mark.parametrize("la_code", COUNCILS)
def test_schools_and_roll(tiny_source: Path, la_code: str) -> None:
    schools = read(tiny_source, la_code, "schools")
    roll = read(tiny_source, la_code, "school_roll")
    assert schools["seed_code"].str.contains(r"^\d{7}$").all()
    assert schools["seed_code"].is_unique().all()
    assert (schools["la_code"] == la_code).all()
    assert set(schools["sector"]) == {"Primary", "Secondary"}
    per_asg = schools.group_by("asg_code").agg((pl.col("sector") == "Secondary").sum().alias("sec"), pl.len())
    assert per_asg.height == 2
    assert (per_asg["sec"] == 1).all() and per_asg["len"].is_between(3, 4).all()
    assert roll["seed_code"].is_in(schools["seed_code"].implode()).all()
    assert set(roll["sex"]) <= {"M", "F"}
    assert roll["pupils"].cast(pl.Int64).min() > 0
    stages = roll.join(schools, on="seed_code").group_by("sector").agg(pl.col("stage").unique().sort())
    by_sector = dict(zip(stages["sector"], stages["stage"].to_list(), strict=True))
    assert by_sector["Primary"] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert by_sector["Secondary"] == ["S1", "S2", "S3", "S4", "S5", "S6"]


def test_some_seed_codes_keep_a_leading_zero(tiny_source: Path) -> None:
    codes = pl.concat([read(tiny_source, la, "schools")["seed_code"] for la in COUNCILS])
    assert codes.str.starts_with("0").any()


@pytest.mark.parametrize("la_code", COUNCILS)
def test_tiny_sizes_reach_and_miss_the_group_threshold(tiny_source: Path, la_code: str) -> None:
    schools = read(tiny_source, la_code, "schools")
    pupils = pl.concat(
        [read(tiny_source, la_code, d).select("seed_code") for d in ("secondary_survey", "primary_survey")]
    )
    assert 200 <= pupils.height <= 600
    per_school = pupils.group_by("seed_code").len().join(schools, on="seed_code")
    assert (per_school.group_by("asg_code").agg(pl.col("len").sum())["len"] >= 20).all()
    assert (per_school["len"] < 20).any()
