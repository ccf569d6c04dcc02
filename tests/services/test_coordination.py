"""Coordination opportunities: same domain, level and target group, different providers or departments."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.coordination import coordination_opportunities
from tests.services.registers import make_register

FAMILIES = "Families under stress"


def test_overlap_of_different_providers_is_one_group() -> None:
    register = make_register(
        {"service_id": "A", "provider": "Council", "level": "Early intervention", "domain": "family",
         "target_group": FAMILIES, "annual_spend_gbp": 100.0, "participants": 4},
        {"service_id": "B", "provider": "Charity", "level": "Early intervention", "domain": "family",
         "target_group": "  families   UNDER stress ", "annual_spend_gbp": 50.0, "participants": 2},
        # Same target group but another level: not an overlap.
        {"service_id": "C", "provider": "Charity", "level": "Targeted", "domain": "family", "target_group": FAMILIES},
    )
    groups = coordination_opportunities(register)
    assert groups["service_id"].to_list() == ["A", "B"]
    assert groups["group_id"].unique().to_list() == [1]
    first = groups.row(0, named=True)
    assert (first["services_in_group"], first["providers_in_group"], first["group_spend_gbp"]) == (2, 2, 150.0)
    assert first["group_participants"] == 6
    assert first["target_group"] == FAMILIES


def test_same_provider_different_department_counts() -> None:
    register = make_register(
        {"service_id": "A", "provider": "Council", "funding_department": "Education", "target_group": "Carers"},
        {"service_id": "B", "provider": "Council", "funding_department": "Social Work", "target_group": "Carers"},
    )
    groups = coordination_opportunities(register)
    assert groups.height == 2 and groups["departments_in_group"].to_list() == [2, 2]


def test_same_provider_and_department_is_not_an_opportunity() -> None:
    register = make_register(
        {"service_id": "A", "provider": "Council", "funding_department": "Education", "target_group": "Carers"},
        {"service_id": "B", "provider": "Council", "funding_department": "Education", "target_group": "Carers"},
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
