"""Disclosure-control settings and rule text, kept as data in rules.yaml and read by one loader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_rules() -> dict[str, Any]:
    """The packaged rules.yaml: defaults, rule text, geography ranks and the relations the audit assumes."""
    text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class DisclosureSettings:
    """The two thresholds of DESIGN §8 for one run."""

    min_group: int = 20
    min_cell: int = 10

    def __post_init__(self) -> None:
        check_floors(self.min_group, self.min_cell)

    @classmethod
    def defaults(cls) -> DisclosureSettings:
        """The programme's defaults from rules.yaml."""
        return cls(**load_rules()["defaults"])

    @classmethod
    def for_wave(cls, wave: str, min_group: int, min_cell: int) -> DisclosureSettings:
        """A wave's thresholds: the stricter of the run's `min_group` and the wave's rule (rcs_pipeline/waves:
        fewer than 10 in the first tranches, 20 later); floors still apply.

        Example: for_wave("2015-16", 10, 10).min_group → 10; for_wave("2018-19", 10, 10).min_group → 20.
        """
        from rcs_pipeline.waves import wave_rules

        return cls(min_group=max(min_group, wave_rules(wave).min_group), min_cell=min_cell)

    def rule_text(self) -> dict[str, str]:
        """The suppression rules in plain words, with this run's thresholds filled in."""
        values = {
            "min_group": self.min_group,
            "min_cell": self.min_cell,
            "min_cell_less_one": self.min_cell - 1,
        }
        return {name: text.format(**values) for name, text in load_rules()["rule_text"].items()}


def check_floors(min_group: int, min_cell: int) -> None:
    """Refuse thresholds below the floors of rules.yaml (a run may be stricter than the defaults, never laxer)."""
    floors = load_rules()["floors"]
    for name, value in (("min_group", min_group), ("min_cell", min_cell)):
        if not isinstance(value, int) or isinstance(value, bool) or value < floors[name]:
            raise ValueError(
                f"{name} must be a whole number of at least {floors[name]} (the floor in "
                f"rcs_pipeline/disclosure/rules.yaml), got {value!r}"
            )


def geography_rank() -> dict[str, int]:
    """Suppression cost rank of each geography level (lower levels are cheaper to suppress)."""
    return dict(load_rules()["geography_rank"])


def audit_budget() -> float:
    """Seconds the attacker audit may spend on exact optimisations; intervals left unproven fail the check."""
    return float(load_rules()["audit_budget_seconds"])


def zeros_are_disclosive(table: str) -> bool:
    """ACRO's option for one published table (rules.yaml): is a zero (or a full) count suppressed like a small one?"""
    return bool(load_rules()["zeros_are_disclosive"][table])
