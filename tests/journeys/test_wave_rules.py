"""Rules that change between waves are data per wave (rcs_pipeline/waves/rules.yaml; min_group in rcs_pipeline/disclosure/rules.yaml); each varies here."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from assets.resources import RcsSettings
from rcs_pipeline.disclosure.settings import settings_for
from rcs_pipeline.scoring.breakdowns import breakdown_expressions
from rcs_pipeline.waves import fieldwork_problems, fsm_universal_expr, wave_rules
from rcs_pipeline.waves.rules import universal_stages


def test_free_school_meals_become_universal_stage_by_stage() -> None:
    """P1-P3 from January 2015, P4 from August 2021, P5 from January 2022 (primary fieldwork is Jan-Mar)."""
    assert wave_rules("2015-16").fsm_universal_stages == ("P1", "P2", "P3")
    assert wave_rules("2020-21").fsm_universal_stages == ("P1", "P2", "P3")
    assert wave_rules("2021-22").fsm_universal_stages == ("P1", "P2", "P3", "P4", "P5")
    assert universal_stages("2013-14") == ()  # before January 2015
    assert universal_stages("2014-15") == ("P1", "P2", "P3")  # primary fieldwork from January 2015


def test_fsm_breakdown_honours_the_wave() -> None:
    """The same linked P5 pupil with free school meals: a breakdown value in 2015-16, null in 2021-22; P6 both."""
    admin = {
        "simd_decile": [3] * 4, "urban_rural_8fold": [1] * 4, "free_school_meals": [True] * 4, "asn_types": [None] * 4,
        "looked_after_home": [False] * 4, "looked_after_foster": [False] * 4, "looked_after_kinship": [False] * 4,
        "looked_after_residential": [False] * 4, "child_protection_register": [False] * 4,
    }  # fmt: skip
    frame = pl.DataFrame(
        {"link_id": ["a", "b", "c", "d"], "wave": ["2015-16", "2021-22", "2015-16", "2021-22"],
         "stage": ["P5", "P5", "P6", "P6"], **admin},
        schema_overrides={"asn_types": pl.String},
    ).with_columns(breakdown_expressions())  # fmt: skip
    assert frame["fsm_p6plus"].to_list() == [True, None, True, True]
    assert pl.select(fsm_universal_expr(pl.lit("2021-22"), pl.lit("P4"))).item()
    assert not pl.select(fsm_universal_expr(pl.lit("2020-21"), pl.lit("P4"))).item()


def test_simd_edition_follows_the_wave() -> None:
    """The edition current when the wave starts."""
    editions = [wave_rules(w).simd_edition for w in ("2015-16", "2016-17", "2019-20", "2020-21")]
    assert editions == ["SIMD 2012", "SIMD 2016", "SIMD 2016", "SIMD 2020"]


def test_min_group_is_10_in_the_first_tranches_and_20_later_never_below_the_floor() -> None:
    """The wave's rule, or the run's stricter setting; a run below the floor is refused as before."""
    assert [wave_rules(w).min_group for w in ("2015-16", "2016-17", "2018-19")] == [10, 10, 20]
    assert settings_for("2015-16", "S12000005", min_group=10).min_group == 10
    assert settings_for("2018-19", "S12000005", min_group=10).min_group == 20
    assert settings_for("2015-16", "S12000005", min_group=25).min_group == 25  # the run may be stricter
    assert RcsSettings(home="/tmp", min_group=10).thresholds("2016-17", "S12000005").min_group == 10
    assert settings_for("2015-16", "S12000005", min_group=5).min_group == 10  # never below the wave's rule
    with pytest.raises(ValueError, match="floor"):
        settings_for("2015-16", "S12000005", min_group=10, min_cell=5)  # the min_cell floor holds


def test_fieldwork_windows_by_instrument_and_wave() -> None:
    """S1-S4 September-December, P5-P7 January-March of the next year, parents April-May; per wave."""
    assert wave_rules("2015-16").fieldwork["secondary"] == (date(2015, 9, 1), date(2015, 12, 31))
    assert wave_rules("2017-18").fieldwork["primary"] == (date(2018, 1, 1), date(2018, 3, 31))
    assert wave_rules("2017-18").fieldwork["parent"] == (date(2018, 4, 1), date(2018, 5, 31))


def test_completed_on_outside_the_window_is_counted_not_refused() -> None:
    """Hand-made answers: one before, two inside, one after, one unreadable; the same dates in another wave."""
    frame = pl.DataFrame(
        {"completed_on": ["2015-08-31", "2015-09-01", "2015-12-31", "2016-01-04", "31/12/15"]}
    )
    assert fieldwork_problems(frame, "secondary", "2015-16") == {
        "before_window": 1, "after_window": 1, "unreadable": 1, "answers": 5,
    }  # fmt: skip
    assert fieldwork_problems(frame, "secondary", "2016-17")["before_window"] == 4
