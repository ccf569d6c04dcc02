"""The one settings loader: disclosure thresholds, floors, per-wave rules and per-wave/per-council overrides.

Everything comes from `rcs_pipeline/disclosure/rules.yaml` (docs/architecture.md, "Settings"). One function,
`settings_for(wave, la_code)`, gives the thresholds of a (wave, council) partition; every asset, and so the
landing sensor, the nightly schedule and `rcs run`, calls it through `RcsSettings.thresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

RULES_FILE = "rcs_pipeline/disclosure/rules.yaml"
THRESHOLDS = ("min_group", "min_cell")


@cache
def load_rules() -> dict[str, Any]:
    """The packaged rules.yaml: defaults, rule text, geography ranks and the relations the audit assumes."""
    text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def default_threshold(name: str) -> int:
    """The programme's default of one threshold (rules.yaml `defaults`)."""
    return int(load_rules()["defaults"][name])


@dataclass(frozen=True)
class DisclosureSettings:
    """The two thresholds of one (wave, council) partition: min_group on a group, min_cell on a count."""

    min_group: int = field(default_factory=lambda: default_threshold("min_group"))
    min_cell: int = field(default_factory=lambda: default_threshold("min_cell"))

    def __post_init__(self) -> None:
        check_floors(self.min_group, self.min_cell)

    @classmethod
    def defaults(cls) -> DisclosureSettings:
        """The programme's defaults from rules.yaml."""
        return cls()

    def rule_text(self) -> dict[str, str]:
        """The suppression rules in plain words, with these thresholds filled in (rules.yaml `rule_text`)."""
        return rule_text(self.min_group, self.min_cell)

    @property
    def label(self) -> str:
        """The thresholds as one short text ('min_group=20 min_cell=10'): recorded in metadata, compared by the
        nightly schedule to see that rules.yaml changed for a partition."""
        return f"min_group={self.min_group} min_cell={self.min_cell}"

    def sentence(self, name: str) -> str:
        """One rule in plain words (e.g. `sentence("min_group")`), for reports, spreadsheets and messages."""
        return self.rule_text()[name]


def rule_text(min_group: int, min_cell: int) -> dict[str, str]:
    """rules.yaml's `rule_text` with these thresholds filled in: the one wording of the rules for every output.

    Example: rule_text(20, 10)["min_group"] → "No figure is published for a group of fewer than 20 respondents."
    """
    values = {"min_group": min_group, "min_cell": min_cell, "min_cell_less_one": min_cell - 1}
    return {name: text.format(**values) for name, text in load_rules()["rule_text"].items()}


def wave_min_group(wave: str) -> int:
    """The programme's smallest group shown in `wave` (rules.yaml `wave_min_group`: the latest entry in force).

    Example: wave_min_group("2015-16") → 10; wave_min_group("2018-19") → 20.
    """
    found = [e for e in sorted(load_rules()["wave_min_group"], key=lambda e: str(e["from_wave"]))]
    in_force = [e for e in found if str(e["from_wave"]) <= wave]
    if not in_force:
        raise ValueError(f"no min_group rule for wave {wave} in {RULES_FILE} (wave_min_group)")
    return int(in_force[-1]["value"])


def _matches(entry: dict[str, Any], wave: str, la_code: str) -> bool:
    """Whether an override entry applies to the partition (a missing `wave` or `la_code` matches any)."""
    return str(entry.get("wave", wave)) == wave and str(entry.get("la_code", la_code)) == la_code


def _specificity(entry: dict[str, Any]) -> int:
    """0 for a wave-wide or council-wide entry, 1 for one naming both: the more specific is applied last."""
    return int("wave" in entry and "la_code" in entry)


def overrides_for(wave: str, la_code: str) -> dict[str, int]:
    """The thresholds rules.yaml `overrides` set for one partition (later and more specific entries win)."""
    entries = load_rules().get("overrides") or []
    chosen: dict[str, int] = {}
    for entry in sorted(entries, key=_specificity):
        unknown = set(entry) - {"wave", "la_code", "why", *THRESHOLDS}
        if unknown or not set(entry) & set(THRESHOLDS):
            raise ValueError(
                f"{RULES_FILE} overrides: an entry sets {sorted(set(entry) & set(THRESHOLDS)) or 'nothing'} "
                f"and has unknown keys {sorted(unknown)}; allowed: wave, la_code, why, {', '.join(THRESHOLDS)}"
            )
        if _matches(entry, wave, la_code):
            chosen |= {name: entry[name] for name in THRESHOLDS if name in entry}
    return chosen


def settings_for(
    wave: str, la_code: str, *, min_group: int | None = None, min_cell: int | None = None
) -> DisclosureSettings:
    """The thresholds of one (wave, council) partition: the one resolution every step uses.

    In order: the run's `min_group`/`min_cell` when given (launchpad, `RcsSettings`), else rules.yaml
    `defaults`; then rules.yaml `overrides` matching the wave and/or council; min_group is then at least the
    wave's rule (`wave_min_group`), and both must reach the `floors` (a ValueError names the file otherwise).

    Example: settings_for("2015-16", "S12000005") → DisclosureSettings(min_group=20, min_cell=10).
    """
    values = {
        "min_group": default_threshold("min_group") if min_group is None else min_group,
        "min_cell": default_threshold("min_cell") if min_cell is None else min_cell,
    }
    values |= overrides_for(wave, la_code)
    values["min_group"] = max(values["min_group"], wave_min_group(wave))
    return DisclosureSettings(**values)


def check_floors(min_group: object, min_cell: object) -> None:
    """Refuse thresholds below the floors of rules.yaml (a run may be stricter than the defaults, never laxer)."""
    floors = load_rules()["floors"]
    for name, value in (("min_group", min_group), ("min_cell", min_cell)):
        if not isinstance(value, int) or isinstance(value, bool) or value < floors[name]:
            raise ValueError(
                f"{name} must be a whole number of at least {floors[name]} (the floor in {RULES_FILE}), "
                f"got {value!r}"
            )


def geography_rank() -> dict[str, int]:
    """Suppression cost rank of each geography level (lower levels are cheaper to suppress)."""
    return dict(load_rules()["geography_rank"])


def audit_budget() -> int:
    """Exact-optimisation rounds one attacker audit may run; intervals left unproven fail the check."""
    return int(load_rules()["audit_budget_rounds"])


def zeros_are_disclosive(table: str) -> bool:
    """ACRO's option for one published table (rules.yaml): is a zero (or a full) count suppressed like a small one?"""
    return bool(load_rules()["zeros_are_disclosive"][table])
