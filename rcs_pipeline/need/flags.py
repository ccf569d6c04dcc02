"""Need flags (from scores and answers) and service flags (from the council's admin fields) per respondent.

The rules live in `flags.yaml`; need rules use the indicator rule language. A flag is null when it cannot
be decided: a need flag when its `known` rule fails (e.g. no SDQ total), a service flag when the
respondent is not linked to the admin extract.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from rcs_pipeline.indicators.rules import rule_expression


@cache
def flag_definitions() -> dict[str, Any]:
    """The packaged need and service flag definitions."""
    return yaml.safe_load(resources.files(__package__).joinpath("flags.yaml").read_text(encoding="utf-8"))


def need_flag_names(population: str = "pupil") -> list[str]:
    """Names of the need flags of `pupil` or `parent` respondents, then `need_any`."""
    return [d["flag"] for d in flag_definitions()[f"{population}_need"]] + ["need_any"]


def service_flag_names() -> list[str]:
    """Names of the service flags, then the service groups and `service_any`."""
    return [d["flag"] for d in flag_definitions()["services"]] + service_group_names()


def service_group_names() -> list[str]:
    """The services the three-circles tables count: each service group, then `service_any` (either group)."""
    return [g["flag"] for g in flag_definitions()["service_groups"]] + ["service_any"]


def service_groups() -> dict[str, list[str]]:
    """Service group flag → its member service flags (flags.yaml), e.g. service_asl → [..., service_asn]."""
    return {g["flag"]: list(g["members"]) for g in flag_definitions()["service_groups"]}


def any_known(columns: list[str]) -> pl.Expr:
    """True if any flag is true, False if at least one is known and none is true, null if none is known."""
    flags = [pl.col(c) for c in columns]
    return (
        pl.when(pl.any_horizontal([f.is_not_null() for f in flags]))
        .then(pl.any_horizontal([f.fill_null(False) for f in flags]))
        .otherwise(None)
    )


def add_need_flags(frame: pl.DataFrame, population: str = "pupil") -> pl.DataFrame:
    """Add Boolean need flags (and `need_any`) for `pupil` or `parent` respondents."""
    definitions = flag_definitions()[f"{population}_need"]
    flags = [
        pl.when(rule_expression(d["known"])).then(rule_expression(d["rule"])).otherwise(None).alias(d["flag"])
        for d in definitions
    ]
    names = [d["flag"] for d in definitions]
    return frame.with_columns(flags).with_columns(any_known(names).alias("need_any"))


def service_expression(definition: dict[str, Any]) -> pl.Expr:
    """One service flag: the admin field as a Boolean, null when unlinked or outside the field's stages."""
    field = pl.col(definition["field"])
    value = (
        field.is_not_null() & (field.cast(pl.String).str.strip_chars() != "")
        if definition.get("any_code")
        else field
    )
    linked = pl.col("link_id").is_not_null()
    if definition.get("stages"):
        linked = linked & pl.col("stage").is_in(definition["stages"])
    return pl.when(linked).then(value.cast(pl.Boolean)).otherwise(None).alias(definition["flag"])


def received_any(members: list[str], name: str) -> pl.Expr:
    """`name`: any of the member flags true (an unknown member counts as not received); null when unlinked."""
    return (
        pl.when(pl.col("link_id").is_not_null())
        .then(pl.any_horizontal([pl.col(n).fill_null(False) for n in members]))
        .otherwise(None)
        .alias(name)
    )


def add_service_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """Add Boolean service flags, the service groups and `service_any` (null when the respondent is not linked)."""
    definitions = flag_definitions()["services"]
    known = {d["flag"] for d in definitions}
    groups = service_groups()
    stray = [m for members in groups.values() for m in members if m not in known]
    if stray:
        raise ValueError(f"need/flags.yaml: service_groups name services that are not defined: {stray}")
    group_flags = [received_any(members, name) for name, members in groups.items()]
    return (
        frame.with_columns([service_expression(d) for d in definitions])
        .with_columns(group_flags)
        .with_columns(received_any(list(groups), "service_any"))
    )
