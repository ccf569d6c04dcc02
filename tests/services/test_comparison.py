"""Services beside evidence-based alternatives of the same domain and level, worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from tests.services.registers import make_evidence_costs, make_register


@pytest.fixture
def comparison() -> pl.DataFrame:
    register = make_register(
        # £30,000 / 20 = £1,500 each; alternatives at £1,200 (Incredible Years) and £3,000 (FNP).
        {
            "service_id": "P",
            "level": "Early intervention",
            "domain": "family",
            "annual_spend_gbp": 30_000.0,
            "participants": 20,
            "programme": "incredible years ",
        },
        # Spend but nobody reached yet.
        {
            "service_id": "Z",
            "level": "Early intervention",
            "domain": "family",
            "annual_spend_gbp": 6_000.0,
            "participants": 0,
        },
        # No alternative for local_area / Intensive.
        {
            "service_id": "N",
            "level": "Intensive",
            "domain": "local_area",
            "annual_spend_gbp": 90_000.0,
            "participants": 1,
        },
    )
    evidence = make_evidence_costs(
        ("Incredible Years", "family", "Early intervention", 1200.0),
        ("Family Nurse Partnership", "family", "Early intervention", 3000.0),
        ("Multisystemic Therapy", "family", "Intensive", 8000.0),
    )
    return compare_with_alternatives(cost_per_participant(register), cost_by_level(register), evidence)


def _row(comparison: pl.DataFrame, scope: str, alt: str | None, service: str | None = None) -> dict:
    rows = comparison.filter(pl.col("scope") == scope)
    rows = rows.filter(pl.col("service_id") == service) if service else rows
    rows = rows.filter(pl.col("alternative_programme") == alt) if alt else rows
    assert rows.height == 1
    return rows.row(0, named=True)


def test_difference_ratio_and_reach_at_alternative_cost(comparison: pl.DataFrame) -> None:
    row = _row(comparison, "service", "Incredible Years", "P")
    assert row["difference_gbp"] == 300.0
    assert row["ratio"] == pytest.approx(1.25)
    assert row["participants_at_alternative_cost"] == 25
    assert row["same_programme"] is True  # matched without case or trailing spaces
    fnp = _row(comparison, "service", "Family Nurse Partnership", "P")
    assert (fnp["difference_gbp"], fnp["ratio"], fnp["participants_at_alternative_cost"]) == (
        -1500.0,
        0.5,
        10,
    )
    assert fnp["same_programme"] is False


def test_zero_participants_keeps_undefined_cost_but_shows_reach(comparison: pl.DataFrame) -> None:
    row = _row(comparison, "service", "Incredible Years", "Z")
    assert row["cost_per_participant_gbp"] is None and row["cost_flag"] == "no_participants"
    assert row["difference_gbp"] is None and row["ratio"] is None
    assert row["participants_at_alternative_cost"] == 5


def test_service_without_alternative_keeps_one_row_with_nulls(comparison: pl.DataFrame) -> None:
    row = _row(comparison, "service", None, "N")
    assert row["alternative_programme"] is None and row["ratio"] is None
    assert row["cost_per_participant_gbp"] == 90_000.0


def test_level_domain_compares_pooled_cost(comparison: pl.DataFrame) -> None:
    # Early intervention × family: £30,000 over 20 (service Z reached nobody) = £1,500; all £36,000 buys 30.
    row = _row(comparison, "level_domain", "Incredible Years")
    assert row["cost_per_participant_gbp"] == 1500.0
    assert row["participants_at_alternative_cost"] == 30


def test_reach_is_floored_exactly() -> None:
    register = make_register(
        {"level": "Targeted", "domain": "family", "annual_spend_gbp": 0.3, "participants": 1}
    )
    evidence = make_evidence_costs(("X", "family", "Targeted", 0.1))
    out = compare_with_alternatives(cost_per_participant(register), cost_by_level(register), evidence)
    assert out.filter(pl.col("scope") == "service")["participants_at_alternative_cost"].item() == 3
