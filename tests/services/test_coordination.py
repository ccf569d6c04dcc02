"""Coordination opportunities: same domain, level and target group, different providers or departments."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.coordination import coordination_opportunities
from tests.services.registers import make_register

FAMILIES = "Families under stress"


def test_overlap_of_different_providers_is_one_group() -> None:
    register = make_register(
        {
            "service_id": "A",
            "provider": "Council",
            "level": "Early intervention",
            "domain": "family",
            "target_group": FAMILIES,
            "annual_spend_gbp": 100.0,
            "participants": 4,
        },
        {
            "service_id": "B",
            "provider": "Charity",
            "level": "Early intervention",
            "domain": "family",
            "target_group": "  families   UNDER stress ",
            "annual_spend_gbp": 50.0,
            "participants": 2,
        },
        # Same target group but another level: not an overlap.
        {
            "service_id": "C",
            "provider": "Charity",
            "level": "Targeted",
            "domain": "family",
            "target_group": FAMILIES,
        },
    )
    groups = coordination_opportunities(register)
    assert groups["service_id"].to_list() == ["A", "B"]
    assert groups["group_id"].unique().to_list() == [1]
    first = groups.row(0, named=True)
    assert (first["services_in_group"], first["providers_in_group"], first["group_spend_gbp"]) == (
        2,
        2,
        150.0,
    )
    assert first["group_participants"] == 6
    assert first["target_group"] == FAMILIES


def test_same_provider_different_department_counts() -> None:
    register = make_register(
        {
            "service_id": "A",
            "provider": "Council",
            "funding_department": "Education",
            "target_group": "Carers",
        },
        {
            "service_id": "B",
            "provider": "Council",
            "funding_department": "Social Work",
            "target_group": "Carers",
        },
    )
    groups = coordination_opportunities(register)
    assert groups.height == 2 and groups["departments_in_group"].to_list() == [2, 2]


def test_same_provider_and_department_is_not_an_opportunity() -> None:
    register = make_register(
        {
            "service_id": "A",
            "provider": "Council",
            "funding_department": "Education",
            "target_group": "Carers",
        },
        {
            "service_id": "B",
            "provider": "Council",
            "funding_department": "Education",
            "target_group": "Carers",
        },
    )
    assert coordination_opportunities(register).is_empty()


def test_groups_numbered_in_level_order() -> None:
    register = make_register(
        {"service_id": "T1", "provider": "X", "level": "Targeted", "target_group": "G"},
        {"service_id": "T2", "provider": "Y", "level": "Targeted", "target_group": "G"},
        {"service_id": "U1", "provider": "X", "level": "Universal", "target_group": "G"},
        {"service_id": "U2", "provider": "Y", "level": "Universal", "target_group": "G"},
    )
    groups = coordination_opportunities(register)
    assert groups.select("group_id", "service_id").rows() == [(1, "U1"), (1, "U2"), (2, "T1"), (2, "T2")]
    assert groups.schema["group_id"] == pl.Int32


def test_blank_target_groups_never_match() -> None:
    # Blank target groups (missing, or only spaces) say nothing about who is served: no group, although
    # the domain, level and providers would otherwise qualify.
    register = make_register(
        {"service_id": "A", "provider": "Council", "target_group": None},
        {"service_id": "B", "provider": "Charity", "target_group": "   "},
        {"service_id": "C", "provider": "Health", "target_group": None},
        {"service_id": "D", "provider": "Police", "target_group": " "},
    )
    assert coordination_opportunities(register).is_empty()


def test_three_services_two_providers_and_another_domain_left_out() -> None:
    # A (Council, £100, 4), B (Council, £200, 6), C (Charity, £300, 10): one group of 3 services,
    # 2 providers, 1 department, £600 and 20 participants. D has the same target group and level but
    # works in peers, so it is not part of the family overlap and has no partner of its own.
    register = make_register(
        {
            "service_id": "A",
            "provider": "Council",
            "target_group": "Carers",
            "annual_spend_gbp": 100.0,
            "participants": 4,
        },
        {
            "service_id": "B",
            "provider": "Council",
            "target_group": "Carers",
            "annual_spend_gbp": 200.0,
            "participants": 6,
        },
        {
            "service_id": "C",
            "provider": "Charity",
            "target_group": "carers",
            "annual_spend_gbp": 300.0,
            "participants": 10,
        },
        {"service_id": "D", "provider": "Police", "target_group": "Carers", "domain": "peers"},
    )
    groups = coordination_opportunities(register)
    assert groups["service_id"].to_list() == ["A", "B", "C"]
    first = groups.row(0, named=True)
    assert (first["services_in_group"], first["providers_in_group"], first["departments_in_group"]) == (
        3,
        2,
        1,
    )
    assert (first["group_spend_gbp"], first["group_participants"]) == (600.0, 20)
