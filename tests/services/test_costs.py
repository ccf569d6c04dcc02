"""Cost per participant of services and levels, with zero participants flagged, worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.services.costs import (
    FLAG_NO_PARTICIPANTS,
    FLAG_NO_SERVICES,
    cost_by_level,
    cost_per_participant,
)
from tests.services.registers import make_register


@pytest.fixture
def register() -> pl.DataFrame:
    # Targeted family: £10,000 / 20 and £6,000 / 0; Targeted learning £3,000 / 12; Universal peers £900 / 300.
    return make_register(
        {
            "service_id": "A",
            "level": "Targeted",
            "domain": "family",
            "annual_spend_gbp": 10_000.0,
            "participants": 20,
        },
        {
            "service_id": "B",
            "level": "Targeted",
            "domain": "family",
            "annual_spend_gbp": 6_000.0,
            "participants": 0,
        },
        {
            "service_id": "C",
            "level": "Targeted",
            "domain": "learning",
            "annual_spend_gbp": 3_000.0,
            "participants": 12,
        },
        {
            "service_id": "D",
            "level": "Universal",
            "domain": "peers",
            "annual_spend_gbp": 900.0,
            "participants": 300,
        },
    )


def test_cost_per_participant_of_each_service(register: pl.DataFrame) -> None:
    costs = cost_per_participant(register)
    by_id = {r["service_id"]: r for r in costs.iter_rows(named=True)}
    assert by_id["A"]["cost_per_participant_gbp"] == 500.0
    assert by_id["C"]["cost_per_participant_gbp"] == 250.0
    assert by_id["D"]["cost_per_participant_gbp"] == 3.0
    assert by_id["A"]["cost_flag"] is None


def test_zero_participants_is_flagged_undefined_not_divided(register: pl.DataFrame) -> None:
    row = cost_per_participant(register).filter(pl.col("service_id") == "B").row(0, named=True)
    assert row["cost_per_participant_gbp"] is None
    assert row["cost_flag"] == FLAG_NO_PARTICIPANTS
    assert row["annual_spend_gbp"] == 6000.0


def test_services_in_print_order_level_then_domain(register: pl.DataFrame) -> None:
    assert cost_per_participant(register)["service_id"].to_list() == ["D", "A", "B", "C"]


def test_level_cost_excludes_spend_without_participants_and_reports_it(register: pl.DataFrame) -> None:
    levels = cost_by_level(register)
    targeted = levels.filter((pl.col("level") == "Targeted") & (pl.col("domain") == "all")).row(0, named=True)
    # (£10,000 + £3,000) / (20 + 12) = £406.25; the £6,000 of service B is shown beside it.
    assert targeted["cost_per_participant_gbp"] == pytest.approx(406.25)
    assert targeted["spend_without_participants_gbp"] == 6000.0
    assert targeted["annual_spend_gbp"] == 19_000.0
    assert (targeted["services"], targeted["services_without_participants"]) == (3, 1)
    family = levels.filter((pl.col("level") == "Targeted") & (pl.col("domain") == "family")).row(
        0, named=True
    )
    assert family["cost_per_participant_gbp"] == 500.0


def test_every_level_listed_and_empty_ones_flagged(register: pl.DataFrame) -> None:
    levels = cost_by_level(register).filter(pl.col("domain") == "all")
    assert levels["level"].to_list() == [
        "Universal",
        "Prevention",
        "Early intervention",
        "Targeted",
        "Intensive",
    ]
    prevention = levels.filter(pl.col("level") == "Prevention").row(0, named=True)
    assert prevention["cost_flag"] == FLAG_NO_SERVICES and prevention["cost_per_participant_gbp"] is None


def test_level_of_only_zero_participant_services_is_flagged() -> None:
    levels = cost_by_level(
        make_register({"level": "Intensive", "annual_spend_gbp": 100.0, "participants": 0})
    )
    intensive = levels.filter((pl.col("level") == "Intensive") & (pl.col("domain") == "all")).row(
        0, named=True
    )
    assert intensive["cost_flag"] == FLAG_NO_PARTICIPANTS and intensive["cost_per_participant_gbp"] is None
