"""The one settings loader: rules.yaml defaults, the wave's min_group, per-wave/per-council overrides, floors."""

from __future__ import annotations

from typing import Any

import pytest

from assets.resources import RcsSettings
from rcs_pipeline.disclosure import settings
from rcs_pipeline.disclosure.settings import DisclosureSettings, settings_for

A, B = "S12000005", "S12000040"


def _with_overrides(monkeypatch: pytest.MonkeyPatch, overrides: list[dict[str, Any]]) -> None:
    """Use the packaged rules with these `overrides` entries."""
    rules = {**settings.load_rules(), "overrides": overrides}
    monkeypatch.setattr(settings, "load_rules", lambda: rules)


def test_defaults_come_from_rules_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing rules.yaml's defaults changes every place that did not set a value (no second copy of 20/10)."""
    assert DisclosureSettings() == DisclosureSettings(min_group=20, min_cell=10)
    rules = {**settings.load_rules(), "defaults": {"min_group": 30, "min_cell": 12}}
    monkeypatch.setattr(settings, "load_rules", lambda: rules)
    assert DisclosureSettings() == DisclosureSettings(min_group=30, min_cell=12)
    assert settings_for("2015-16", A) == DisclosureSettings(min_group=30, min_cell=12)
    assert RcsSettings(home="/tmp").thresholds("2018-19", B) == DisclosureSettings(min_group=30, min_cell=12)


def test_overrides_apply_to_their_wave_and_council_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A council's entry, a wave's entry and a (wave, council) entry, the most specific applied last."""
    _with_overrides(
        monkeypatch,
        [
            {"wave": "2018-19", "la_code": A, "min_cell": 13, "why": "both"},
            {"la_code": A, "min_cell": 15, "why": "council"},
            {"wave": "2018-19", "min_group": 25, "why": "wave"},
        ],
    )
    assert settings_for("2015-16", A) == DisclosureSettings(min_group=20, min_cell=15)
    assert settings_for("2015-16", B) == DisclosureSettings(min_group=20, min_cell=10)
    assert settings_for("2018-19", B) == DisclosureSettings(min_group=25, min_cell=10)
    assert settings_for("2018-19", A) == DisclosureSettings(min_group=25, min_cell=13)


def test_an_override_wins_over_the_run_setting_but_not_over_wave_rule_or_floors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's value replaces the defaults; a matching override replaces that; the wave's rule and floors hold."""
    _with_overrides(monkeypatch, [{"la_code": A, "min_group": 10}])
    assert settings_for("2015-16", B, min_group=30).min_group == 30
    assert settings_for("2015-16", A, min_group=30).min_group == 10  # 2015-16's rule is 10
    assert settings_for("2018-19", A, min_group=30).min_group == 20  # 2018-19's rule is 20
    _with_overrides(monkeypatch, [{"la_code": A, "min_cell": 5, "why": "laxer than the floor"}])
    assert settings_for("2015-16", B).min_cell == 10
    with pytest.raises(ValueError, match=r"min_cell must be a whole number of at least 10 .*rules.yaml"):
        settings_for("2015-16", A)


def test_a_malformed_override_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry with a misspelt key, or that sets no threshold, is an error naming the file, not ignored."""
    _with_overrides(monkeypatch, [{"la_code": A, "min_cel": 15}])
    with pytest.raises(ValueError, match=r"rules.yaml overrides: .*unknown keys \['min_cel'\]"):
        settings_for("2015-16", B)


def test_rule_wording_is_generated_from_the_settings() -> None:
    """The sentences reports and spreadsheets print carry the partition's thresholds."""
    text = DisclosureSettings(min_group=25, min_cell=15).rule_text()
    assert text["min_group"] == "No figure is published for a group of fewer than 25 respondents."
    assert "between 1 and 14 is withheld" in text["min_cell"]
    assert set(text) == {"min_group", "min_cell", "audit", "symbol"}
    assert DisclosureSettings().sentence("min_group").endswith("fewer than 20 respondents.")


def test_launchpad_values_below_the_floor_are_refused() -> None:
    """RcsSettings with a min_cell below the floor cannot resolve any partition."""
    with pytest.raises(ValueError, match="floor"):
        RcsSettings(home="/tmp", min_cell=9).thresholds("2015-16", A)
