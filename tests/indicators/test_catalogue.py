"""The indicator catalogue loads, is complete, and every indicator evaluates to its hand-worked value."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.indicators import (
    DOMAINS,
    CatalogueError,
    catalogue_frame,
    evaluate_indicators,
    load_catalogue,
)

# Answers of a pupil who is well on every item ("good") and one who is not ("poor"); codes per docs/methods/input_contract.md.
GOOD = {
    "active_days_60min": 8,
    "fruit_veg_daily": 1,
    "general_health": 1,
    "sleep_hours": 3,
    "smoked_ever": 2,
    "alcohol_ever": 2,
    "drugs_ever": 2,
    "wemwbs": 50,
    "sdq_total": 8,
    "sdq_total_band4": "close_to_average",
    "sdq_emotional": 2,
    "sdq_emotional_band4": "close_to_average",
    "sdq_peer": 1,
    "sdq_peer_band4": "close_to_average",
    "life_satisfaction": 11,
    "lonely": 1,
    "adult_to_trust": 1,
    "family_talk_easy": 1,
    "friends_treat_well": 1,
    "bullied_last_year": 2,
    "close_friends": 4,
    "happy_at_school": 1,
    "teachers_fair": 2,
    "belong_at_school": 1,
    "schoolwork_pressure": 1,
    "area_good_place": 1,
    "area_safe": 2,
    "places_to_play": 1,
    "need_sdq_high": False,
    "need_low_wemwbs": False,
}
POOR = {
    "active_days_60min": 1,
    "fruit_veg_daily": 3,
    "general_health": 4,
    "sleep_hours": 1,
    "smoked_ever": 1,
    "alcohol_ever": 1,
    "drugs_ever": 1,
    "wemwbs": 30,
    "sdq_total": 22,
    "sdq_total_band4": "very_high",
    "sdq_emotional": 8,
    "sdq_emotional_band4": "very_high",
    "sdq_peer": 6,
    "sdq_peer_band4": "very_high",
    "life_satisfaction": 4,
    "lonely": 5,
    "adult_to_trust": 5,
    "family_talk_easy": 4,
    "friends_treat_well": 5,
    "bullied_last_year": 1,
    "close_friends": 1,
    "happy_at_school": 5,
    "teachers_fair": 4,
    "belong_at_school": 5,
    "schoolwork_pressure": 4,
    "area_good_place": 4,
    "area_safe": 5,
    "places_to_play": 2,
    "need_sdq_high": True,
    "need_low_wemwbs": True,
}
MISSING = {
    k: (None if isinstance(v, (str, bool)) or k.startswith(("sdq", "wemwbs")) else -8)
    for k, v in GOOD.items()
}
PUPIL_SCHEMA = {
    k: (pl.String if isinstance(v, str) else pl.Boolean if isinstance(v, bool) else pl.Int16)
    for k, v in GOOD.items()
} | {"instrument": pl.String, "stage": pl.String}


def pupils() -> pl.DataFrame:
    """Six respondents: good and poor secondary, all-missing secondary, good and poor primary, good S5."""
    rows = [
        GOOD | {"instrument": "secondary", "stage": "S2"},
        POOR | {"instrument": "secondary", "stage": "S3"},
        MISSING | {"instrument": "secondary", "stage": "S1"},
        GOOD | {"instrument": "primary", "stage": "P6", "wemwbs": None, "smoked_ever": -7},
        POOR | {"instrument": "primary", "stage": "P7", "wemwbs": None, "need_low_wemwbs": None},
        GOOD | {"instrument": "secondary", "stage": "S5"},
    ]
    return pl.DataFrame(rows, schema=PUPIL_SCHEMA)


def expected(row: dict, profile: str) -> float | None:
    """Hand-worked value: a well pupil scores 1 on higher-better and 0 on lower-better proportions."""
    if row["type"] == "mean":
        column = {"sec_wemwbs_mean": "wemwbs"}.get(row["indicator_id"], "sdq_total")
        return float((GOOD if profile == "good" else POOR)[column])
    good = 1.0 if row["direction"] == "higher_better" else 0.0
    return good if profile == "good" else 1.0 - good


def test_every_pupil_indicator_evaluates_to_its_hand_worked_value() -> None:
    catalogue = load_catalogue().filter(pl.col("instrument") != "parent")
    result = evaluate_indicators(pupils(), catalogue)
    for row in catalogue.iter_rows(named=True):
        values = result[f"ind_{row['indicator_id']}"].to_list()
        if row["instrument"] == "secondary":
            want = [expected(row, "good"), expected(row, "poor"), None, None, None, None]
        else:
            want = [None, None, None, expected(row, "good"), expected(row, "poor"), None]
        assert values == want, row["indicator_id"]


PARENT_GOOD = {
    "child_general_health": 2,
    "development_concern": 2,
    "used_health_visitor": 1,
    "sdq_p_total_band4": "close_to_average",
    "sdq_p_total": 6,
    "swemwbs_metric": 26.02,
    "reads_together_days": 8,
    "used_family_support": 1,
    "sdq_p_peer_band4": "slightly_raised",
    "sdq_p_prosocial_band4": "close_to_average",
    "used_elc": 1,
    "area_good_place": 2,
}
PARENT_POOR = {
    "child_general_health": 3,
    "development_concern": 1,
    "used_health_visitor": 2,
    "sdq_p_total_band4": "high",
    "sdq_p_total": 18,
    "swemwbs_metric": 14.08,
    "reads_together_days": 3,
    "used_family_support": 2,
    "sdq_p_peer_band4": "high",
    "sdq_p_prosocial_band4": "very_low",
    "used_elc": 2,
    "area_good_place": 3,
}


def test_every_parent_indicator_evaluates_to_its_hand_worked_value() -> None:
    catalogue = load_catalogue().filter(pl.col("instrument") == "parent")
    young = dict.fromkeys(PARENT_GOOD) | {"instrument": "parent", "stage": None, "used_elc": 1}
    frame = pl.DataFrame(
        [
            PARENT_GOOD | {"instrument": "parent", "stage": None},
            PARENT_POOR | {"instrument": "parent", "stage": None},
            young,
        ],
        schema_overrides={"stage": pl.String},
    )
    result = evaluate_indicators(frame, catalogue)
    # Hand-worked: (good parent, poor parent, parent of a baby who answered only used_elc).
    want = {
        "par_child_good_health": [1.0, 0.0, None],
        "par_development_concern": [0.0, 1.0, None],
        "par_used_health_visitor": [1.0, 0.0, None],
        "par_sdq_total_above_average": [0.0, 1.0, None],
        "par_sdq_total_mean": [6.0, 18.0, None],
        "par_swemwbs_mean": [26.02, 14.08, None],
        "par_reads_together_daily": [1.0, 0.0, None],
        "par_reads_together_3plus": [1.0, 0.0, None],
        "par_used_family_support": [1.0, 0.0, None],
        "par_sdq_peer_high": [0.0, 1.0, None],
        "par_sdq_prosocial_low": [0.0, 1.0, None],
        "par_used_elc": [1.0, 0.0, 1.0],
        "par_area_good_place": [1.0, 0.0, None],
    }
    assert set(want) == set(catalogue["indicator_id"])
    for indicator, values in want.items():
        assert result[f"ind_{indicator}"].to_list() == values, indicator


def test_high_need_counts_two_markers_and_ignores_missing_answers() -> None:
    # Physical health markers: fair/poor health, active 0-1 days, no fruit/veg daily, under 6 hours' sleep.
    base = GOOD | {"instrument": "secondary", "stage": "S1"}
    rows = [
        base | {"general_health": 3},  # one marker -> 0
        base | {"general_health": 3, "sleep_hours": 1},  # two -> 1
        base
        | {"general_health": -8, "active_days_60min": 2, "sleep_hours": None, "fruit_veg_daily": 3},  # two
        base | {"general_health": -8, "active_days_60min": None, "sleep_hours": None, "fruit_veg_daily": -7},
    ]
    catalogue = load_catalogue().filter(pl.col("indicator_id") == "sec_high_need_physical_health")
    result = evaluate_indicators(pl.DataFrame(rows, schema=PUPIL_SCHEMA), catalogue)
    assert result["ind_sec_high_need_physical_health"].to_list() == [0.0, 1.0, 1.0, None]


def test_life_satisfaction_seven_or_more_is_code_eight_or_more() -> None:
    rows = [GOOD | {"instrument": "primary", "stage": "P5", "life_satisfaction": c} for c in (7, 8, 11, -8)]
    catalogue = load_catalogue().filter(pl.col("indicator_id") == "pri_life_satisfaction_high")
    result = evaluate_indicators(pl.DataFrame(rows, schema=PUPIL_SCHEMA), catalogue)
    assert result["ind_pri_life_satisfaction_high"].to_list() == [0.0, 1.0, 1.0, None]


def test_catalogue_columns_and_ids() -> None:
    catalogue = load_catalogue()
    assert catalogue.columns == [
        "indicator_id",
        "label",
        "domain",
        "instrument",
        "stages",
        "type",
        "direction",
        "numerator",
        "denominator",
    ]
    assert catalogue["indicator_id"].is_unique().all()
    prefixes = {"secondary": "sec_", "primary": "pri_", "parent": "par_"}
    for ident, instrument in catalogue.select("indicator_id", "instrument").iter_rows():
        assert ident.startswith(prefixes[instrument])


def test_at_least_three_indicators_per_domain_for_each_pupil_survey_and_six_high_need() -> None:
    catalogue = load_catalogue()
    for instrument, prefix in (("secondary", "sec"), ("primary", "pri")):
        ours = catalogue.filter(pl.col("instrument") == instrument)
        for domain in DOMAINS:
            assert ours.filter(pl.col("domain") == domain).height >= 3, (instrument, domain)
            assert f"{prefix}_high_need_{domain}" in ours["indicator_id"].to_list()
    assert catalogue.filter(pl.col("instrument") == "parent").height >= 6


def test_national_core_indicators_are_present() -> None:
    ids = set(load_catalogue()["indicator_id"])
    core = (
        "active_60min_7days",
        "fruit_veg_daily",
        "trusted_adult",
        "friends_treat_well",
        "bullied",
        "area_good_place",
        "feel_safe",
        "sdq_total_above_average",
    )
    for name in core:
        assert f"sec_{name}" in ids and f"pri_{name}" in ids, name
    assert "sec_wemwbs_mean" in ids


def test_adding_an_indicator_is_one_line() -> None:
    line = (
        "- {id: sec_sleep_under_6, label: Sleeps under 6 hours, domain: physical_health, "
        "instrument: secondary, type: proportion, direction: lower_better, numerator: {item: sleep_hours, codes: [1]}}"
    )
    import yaml

    catalogue = catalogue_frame(yaml.safe_load(line))
    frame = pl.DataFrame(
        [GOOD | {"instrument": "secondary", "stage": "S4", "sleep_hours": c} for c in (1, 3, -9)],
        schema=PUPIL_SCHEMA,
    )
    assert evaluate_indicators(frame, catalogue)["ind_sec_sleep_under_6"].to_list() == [1.0, 0.0, None]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "pri_x", "instrument": "secondary"}, "must start with 'sec_'"),
        ({"id": "sec_x", "domain": "health"}, "domain 'health'"),
        ({"id": "sec_x", "numerator": {"any": [{"item": "lonely", "codes": [5]}]}}, "explicit denominator"),
        ({"id": "sec_x", "type": "mean"}, "a mean needs numerator"),
        ({"id": "sec_x", "numerator": {"item": "lonely"}}, "needs codes"),
    ],
)
def test_bad_entries_are_rejected_with_the_indicator_named(entry: dict, message: str) -> None:
    good = {
        "id": "sec_x",
        "label": "x",
        "domain": "peers",
        "instrument": "secondary",
        "type": "proportion",
        "direction": "lower_better",
        "numerator": {"item": "lonely", "codes": [5]},
    }
    with pytest.raises(CatalogueError, match=message):
        catalogue_frame([good | entry])


def test_duplicate_ids_and_missing_columns_are_errors() -> None:
    entry = {
        "id": "sec_x",
        "label": "x",
        "domain": "peers",
        "instrument": "secondary",
        "type": "proportion",
        "direction": "lower_better",
        "numerator": {"item": "lonely", "codes": [5]},
    }
    with pytest.raises(CatalogueError, match="duplicate"):
        catalogue_frame([entry, entry])
    with pytest.raises(CatalogueError, match="lonely"):
        evaluate_indicators(
            pl.DataFrame({"instrument": ["secondary"], "stage": ["S1"]}), catalogue_frame([entry])
        )
