"""Services input rules: clear errors naming file, column and rows; zero participants allowed."""

from __future__ import annotations

import pytest

from rcs_pipeline.services.errors import ServicesInputError
from rcs_pipeline.services.validation import (
    evidence_cost_problems,
    register_problems,
    validate_services_inputs,
)
from tests.services.registers import make_evidence_costs, make_register


def test_clean_inputs_pass_and_zero_participants_is_allowed() -> None:
    register = make_register({"annual_spend_gbp": 10.0, "participants": 0})
    validate_services_inputs(register, make_evidence_costs(("IY", "family", "Targeted", 100.0)))


def test_negative_spend_names_file_column_and_rows() -> None:
    register = make_register(
        {"annual_spend_gbp": 5.0}, {"annual_spend_gbp": -1.0}, {"annual_spend_gbp": -2.0}
    )
    problems = register_problems(register, "services_register.csv")
    assert [(p.column, p.rows) for p in problems] == [("annual_spend_gbp", (3, 4))]
    assert "services_register.csv, column 'annual_spend_gbp', rows 3, 4" in str(problems[0])


def test_unknown_level_and_domain_are_errors() -> None:
    register = make_register({"level": "Specialist"}, {"domain": "housing"}, {"level": None})
    problems = {p.column: p for p in register_problems(register)}
    assert problems["level"].rows == (2, 4)
    assert "'Specialist'" in problems["level"].message
    assert problems["domain"].rows == (3,)


def test_duplicate_ids_and_negative_participants() -> None:
    register = make_register({"service_id": "X"}, {"service_id": "X", "participants": -3})
    columns = sorted(p.column for p in register_problems(register))
    assert columns == ["participants", "service_id"]


def test_reference_cost_must_be_positive_and_unique() -> None:
    costs = make_evidence_costs(
        ("IY", "family", "Targeted", 0.0),
        ("IY", "family", "Targeted", 10.0),
        ("KiVa", "peers", "Sometimes", 10.0),
    )
    problems = {p.column: p.rows for p in evidence_cost_problems(costs)}
    assert problems == {"level": (4,), "cost_per_participant_gbp": (2,), "programme+domain+level": (2, 3)}


def test_validate_raises_with_every_problem() -> None:
    register = make_register({"annual_spend_gbp": -1.0})
    costs = make_evidence_costs(("IY", "family", "Targeted", -5.0))
    with pytest.raises(ServicesInputError) as info:
        validate_services_inputs(register, costs)
    assert len(info.value.problems) == 2
    assert "evidence_costs" in str(info.value) and "services_register" in str(info.value)


def test_missing_column_is_reported() -> None:
    problems = register_problems(make_register().drop("level"))
    assert [(p.column, p.message) for p in problems] == [("level", "required column is missing")]
