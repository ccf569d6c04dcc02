"""Services-specific rules on the landed register and reference costs (docs/methods/input_contract.md), checked before use.

The contract zone parses and types the files; these rules are the ones the services figures depend on:
known codes, no negative spend or reach, unique services, positive reference costs. Zero participants
is allowed (a service can start late in the year): its cost per participant is flagged as undefined
downstream, never divided by zero.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.contract.spec import dataset_spec
from rcs_pipeline.services.codes import allowed
from rcs_pipeline.services.errors import InputProblem, ServicesInputError

REGISTER_REQUIRED = dataset_spec("services_register").column_names
EVIDENCE_REQUIRED = dataset_spec("evidence_costs").column_names
"""The contract's columns (rcs_pipeline/contract/datasets/), each required in the landed table."""

_REGISTER_CODES = {
    "level": "levels",
    "domain": "domains",
    "provider_type": "provider_types",
    "evidence_rating": "evidence_ratings",
}
_EVIDENCE_CODES = {"level": "levels", "domain": "domains"}


def _row_numbers(frame: pl.DataFrame, mask: pl.Series) -> tuple[int, ...]:
    """Spreadsheet row numbers (header = 1) of the rows where `mask` holds."""
    rows = frame["source_row"] if "source_row" in frame.columns else pl.Series(range(2, frame.height + 2))
    return tuple(int(r) for r in rows.filter(mask.fill_null(False)).to_list())


def _missing_columns(frame: pl.DataFrame, required: tuple[str, ...], file: str) -> list[InputProblem]:
    """A problem for each required column the frame lacks."""
    return [
        InputProblem(file, c, (), "required column is missing") for c in required if c not in frame.columns
    ]


def _code_problems(frame: pl.DataFrame, codes: dict[str, str], file: str) -> list[InputProblem]:
    """Rows whose code is blank or not in its code list."""
    problems = []
    for column, code_list in codes.items():
        values = allowed(code_list)
        bad = frame[column].is_null() | ~frame[column].is_in(values)
        if bad.any():
            unknown = sorted({v for v in frame[column].filter(bad).to_list() if v is not None})
            found = f" (found {', '.join(map(repr, unknown[:5]))})" if unknown else " (blank)"
            problems.append(
                InputProblem(
                    file, column, _row_numbers(frame, bad), f"must be one of {', '.join(values)}{found}"
                )
            )
    return problems


def _duplicate_problem(frame: pl.DataFrame, keys: list[str], file: str) -> list[InputProblem]:
    """Rows whose key repeats an earlier row's."""
    dup = frame.select(pl.struct(keys).is_duplicated()).to_series()
    if not dup.any():
        return []
    return [
        InputProblem(
            file, "+".join(keys), _row_numbers(frame, dup), "must be unique; these rows repeat a key"
        )
    ]


def register_problems(register: pl.DataFrame, file: str = "services_register") -> list[InputProblem]:
    """Every broken services rule of a landed register (empty list when it is fit to use)."""
    missing = _missing_columns(register, REGISTER_REQUIRED, file)
    if missing:
        return missing
    problems = _code_problems(register, _REGISTER_CODES, file)
    blank_id = register["service_id"].is_null()
    if blank_id.any():
        problems.append(
            InputProblem(file, "service_id", _row_numbers(register, blank_id), "must not be blank")
        )
    problems += _duplicate_problem(register.filter(~blank_id), ["service_id"], file)
    for column, what in (("annual_spend_gbp", "spend"), ("participants", "number of participants")):
        blank = register[column].is_null()
        if blank.any():
            problems.append(
                InputProblem(file, column, _row_numbers(register, blank), f"{what} must not be blank")
            )
        negative = register[column] < 0
        if negative.fill_null(False).any():
            problems.append(
                InputProblem(file, column, _row_numbers(register, negative), f"{what} must be 0 or more")
            )
    return problems


def evidence_cost_problems(costs: pl.DataFrame, file: str = "evidence_costs") -> list[InputProblem]:
    """Every broken services rule of the evidence-based reference costs (empty list when fit to use)."""
    missing = _missing_columns(costs, EVIDENCE_REQUIRED, file)
    if missing:
        return missing
    problems = _code_problems(costs, _EVIDENCE_CODES, file)
    blank = costs["programme"].is_null()
    if blank.any():
        problems.append(InputProblem(file, "programme", _row_numbers(costs, blank), "must not be blank"))
    not_positive = costs["cost_per_participant_gbp"].is_null() | (costs["cost_per_participant_gbp"] <= 0)
    if not_positive.any():
        problems.append(
            InputProblem(
                file,
                "cost_per_participant_gbp",
                _row_numbers(costs, not_positive),
                "a reference cost must be more than 0",
            )
        )
    problems += _duplicate_problem(costs, ["programme", "domain", "level"], file)
    return problems


def validate_services_inputs(
    register: pl.DataFrame,
    costs: pl.DataFrame,
    *,
    register_file: str = "services_register",
    costs_file: str = "evidence_costs",
) -> None:
    """Raise ServicesInputError listing every problem of both inputs; return quietly when both are fit."""
    problems = register_problems(register, register_file) + evidence_cost_problems(costs, costs_file)
    if problems:
        raise ServicesInputError(problems)
