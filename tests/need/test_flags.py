"""Need and service flags on hand-made respondents."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.need import (
    add_need_flags,
    add_service_flags,
    need_flag_names,
    service_flag_names,
    service_group_names,
    service_groups,
)

RISK_ITEMS = (
    "general_health",
    "active_days_60min",
    "adult_to_trust",
    "family_talk_easy",
    "close_friends",
    "bullied_last_year",
    "lonely",
    "happy_at_school",
    "belong_at_school",
    "area_safe",
)
NO_RISK = {
    "general_health": 1,
    "active_days_60min": 8,
    "adult_to_trust": 1,
    "family_talk_easy": 1,
    "close_friends": 4,
    "bullied_last_year": 2,
    "lonely": 1,
    "happy_at_school": 1,
    "belong_at_school": 1,
    "area_safe": 1,
}
SCHEMA = {
    "sdq_total_band4": pl.String,
    "sdq_emotional_band4": pl.String,
    "sdq_conduct_band4": pl.String,
    "wemwbs": pl.Int16,
} | dict.fromkeys(RISK_ITEMS, pl.Int16)


def pupil(**changes: object) -> dict[str, object]:
    """A pupil with no need unless changed."""
    base = {
        "sdq_total_band4": "close_to_average",
        "sdq_emotional_band4": "close_to_average",
        "sdq_conduct_band4": "slightly_raised",
        "wemwbs": 50,
    } | NO_RISK
    return base | changes


def test_sdq_and_wemwbs_need_flags() -> None:
    rows = [
        pupil(),
        pupil(sdq_total_band4="high", wemwbs=40),
        pupil(
            sdq_total_band4="very_high",
            sdq_emotional_band4="very_high",
            sdq_conduct_band4="very_high",
            wemwbs=41,
        ),
        pupil(sdq_total_band4="slightly_raised", sdq_emotional_band4="high", wemwbs=None),
        pupil(sdq_total_band4=None, sdq_emotional_band4=None, sdq_conduct_band4=None, wemwbs=None),
    ]
    flags = add_need_flags(pl.DataFrame(rows, schema=SCHEMA))
    assert flags["need_sdq_high"].to_list() == [False, True, True, False, None]
    assert flags["need_emotional_very_high"].to_list() == [False, False, True, False, None]
    assert flags["need_conduct_very_high"].to_list() == [False, False, True, False, None]
    assert flags["need_low_wemwbs"].to_list() == [False, True, False, None, None]
    assert flags["need_any"].to_list() == [False, True, True, False, False]


def test_three_risk_factors_make_need_and_missing_items_do_not_count() -> None:
    rows = [
        pupil(general_health=3, lonely=5),  # two -> no
        pupil(general_health=4, lonely=4, area_safe=5),  # three -> yes
        pupil(close_friends=1, bullied_last_year=1, family_talk_easy=-8, adult_to_trust=None),  # two -> no
        pupil(**dict.fromkeys(RISK_ITEMS, -8)),  # none answered -> unknown
    ]
    flags = add_need_flags(pl.DataFrame(rows, schema=SCHEMA))
    assert flags["need_risk_factors"].to_list() == [False, True, False, None]


def test_need_any_is_null_only_when_nothing_is_known() -> None:
    unknown = pupil(
        sdq_total_band4=None,
        sdq_emotional_band4=None,
        sdq_conduct_band4=None,
        wemwbs=None,
        **dict.fromkeys(RISK_ITEMS, None),
    )
    flags = add_need_flags(pl.DataFrame([unknown], schema=SCHEMA))
    assert flags["need_any"].to_list() == [None]
    assert need_flag_names()[-1] == "need_any"


def test_parent_need_flags_read_parent_bands() -> None:
    frame = pl.DataFrame(
        {
            "sdq_p_total_band4": ["high", "slightly_raised", None],
            "sdq_p_emotional_band4": ["very_high", "close_to_average", None],
            "sdq_p_conduct_band4": ["high", "very_high", None],
        }
    )
    flags = add_need_flags(frame, population="parent")
    assert flags["need_sdq_high"].to_list() == [True, False, None]
    assert flags["need_conduct_very_high"].to_list() == [False, True, None]
    assert flags["need_any"].to_list() == [True, True, None]


ADMIN = {
    "looked_after_home": pl.Boolean,
    "looked_after_foster": pl.Boolean,
    "looked_after_kinship": pl.Boolean,
    "looked_after_residential": pl.Boolean,
    "child_protection_register": pl.Boolean,
    "complex_support_plan": pl.Boolean,
    "individualised_education_plan": pl.Boolean,
    "asn_types": pl.String,
    "free_school_meals": pl.Boolean,
    "throughcare_aftercare": pl.Boolean,
    "looking_for_prospective_adopters": pl.Boolean,
}


def test_service_flags() -> None:
    none = dict.fromkeys(ADMIN, False) | {"asn_types": None}
    rows = [
        none | {"link_id": "a", "stage": "S2"},
        none | {"link_id": "b", "stage": "S2", "asn_types": "DYS;EAL"},
        none | {"link_id": "c", "stage": "P5", "free_school_meals": True},
        none | {"link_id": "d", "stage": "P6", "free_school_meals": True},  # an entitlement, not a service
        none | {"link_id": None, "stage": "S1", "looked_after_foster": None},
        none
        | {"link_id": "e", "stage": "S3", "looked_after_kinship": True, "child_protection_register": None},
        none
        | {
            "link_id": "f",
            "stage": "S4",
            "throughcare_aftercare": True,
            "individualised_education_plan": True,
        },
    ]
    frame = pl.DataFrame(rows, schema=ADMIN | {"link_id": pl.String, "stage": pl.String})
    flags = add_service_flags(frame)
    assert flags["service_asn"].to_list() == [False, True, False, False, None, False, False]
    assert flags["service_looked_after_kinship"].to_list() == [False, False, False, False, None, True, False]
    assert flags["service_child_protection_register"].to_list() == [
        False,
        False,
        False,
        False,
        None,
        None,
        False,
    ]
    assert flags["service_social_work"].to_list() == [False, False, False, False, None, True, True]
    assert flags["service_asl"].to_list() == [False, True, False, False, None, False, True]
    assert flags["service_any"].to_list() == [False, True, False, False, None, True, True]
    assert "service_free_school_meals" not in flags.columns
    assert set(service_flag_names()) <= set(flags.columns)


def test_free_school_meals_alone_is_no_service() -> None:
    """Issue 15: FSM (and nothing else) used to count as 'a service'; it is an entitlement, a breakdown."""
    none = dict.fromkeys(ADMIN, False) | {"asn_types": None}
    frame = pl.DataFrame(
        [none | {"link_id": "a", "stage": "S1", "free_school_meals": True}],
        schema=ADMIN | {"link_id": pl.String, "stage": pl.String},
    )
    assert add_service_flags(frame)["service_any"].to_list() == [False]


def test_every_service_is_in_exactly_one_group_and_the_groups_are_the_seed_documents() -> None:
    groups = service_groups()
    members = [m for ms in groups.values() for m in ms]
    services = [f for f in service_flag_names() if f not in service_group_names()]
    assert sorted(members) == sorted(services) and len(members) == len(set(members))
    assert service_group_names() == ["service_social_work", "service_asl", "service_any"]
    assert set(groups["service_social_work"]) == {
        "service_looked_after_home",
        "service_looked_after_foster",
        "service_looked_after_kinship",
        "service_looked_after_residential",
        "service_child_protection_register",
        "service_throughcare_aftercare",
        "service_looking_for_prospective_adopters",
    }
    assert set(groups["service_asl"]) == {
        "service_complex_support_plan",
        "service_individualised_education_plan",
        "service_asn",
    }
