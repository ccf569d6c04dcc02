"""Primary rules on hand-made rows: small groups, small counts and small complements."""

import polars as pl

from rcs_pipeline.disclosure.primary import (
    estimates_primary,
    linkage_quality_primary,
    response_rates_primary,
    three_circles_primary,
)
from rcs_pipeline.disclosure.settings import DisclosureSettings
from tests.disclosure.handmade import circle_rows, estimate_rows

RULES = DisclosureSettings(min_group=20, min_cell=10)


def test_estimates_small_group_small_count_and_complement():
    est = estimate_rows(
        [
            ("school", "a", "all", 12, 6),
            ("school", "b", "all", 25, 3),
            ("school", "c", "all", 25, 22),
            ("school", "d", "all", 25, 0),
            ("school", "e", "all", 25, 10),
            ("school", "f", "all", 20, None),
        ]
    )
    out = estimates_primary(est, RULES)
    assert out["n_reason"].to_list() == ["min_group", None, None, None, None, None]
    assert out["p_reason"].to_list() == ["min_group", "min_cell", "min_cell", None, None, None]


def test_three_circles_count_and_base_rules():
    rows = pl.DataFrame(
        circle_rows(
            "school",
            "a",
            {"need_with_service": 4, "need_without_service": 10, "service_without_need": 20, "neither": 26},
        )
        + circle_rows(
            "school",
            "b",
            {"need_with_service": 2, "need_without_service": 3, "service_without_need": 5, "neither": 5},
        )
    )
    out = three_circles_primary(rows, RULES)
    assert out["count_reason"].to_list() == ["min_cell", None, None, None] + ["min_group"] * 4
    assert out["base_reason"].to_list() == [None] * 4 + ["min_group"] * 4


def test_response_rates_few_respondents_but_not_few_non_respondents():
    """rules.yaml complements_are_disclosive: response_rates false (issue 21): 35 of 40 (5 non-respondents) is
    published; 15 (min_group) is not."""
    rr = pl.DataFrame(
        {
            "geography_level": ["school"] * 3,
            "geography_code": ["a", "b", "c"],
            "instrument": ["primary"] * 3,
            "stage": ["all"] * 3,
            "sex": ["all"] * 3,
            "roll": [40, 40, 40],
            "respondents": [15, 35, 25],
        }
    )
    assert response_rates_primary(rr, RULES)["reason"].to_list() == ["min_group", None, None]


def test_linkage_quality_complement_within_respondents():
    lq = pl.DataFrame(
        {
            "instrument": ["primary"] * 3,
            "breakdown": ["all"] * 3,
            "breakdown_value": ["all"] * 3,
            "measure": ["respondents", "linked", "duplicate"],
            "count": [100, 95, 0],
        }
    )
    # linked = 95 leaves 5 unlinked children: a small complement.
    assert linkage_quality_primary(lq, RULES)["reason"].to_list() == [None, "min_cell", None]


def test_zeros_are_disclosive_is_data_and_suppresses_zero_and_full_counts(monkeypatch):
    """rules.yaml decides (ACRO's zeros_are_disclosive): off, a 0 in a group of 25 is published; on, the 0
    and the full count (25 of 25, a 0 in the complement) are suppressed as min_cell, and the rest stay."""
    from rcs_pipeline.disclosure import primary, settings

    rows = pl.DataFrame(
        circle_rows(
            "school",
            "a",
            {"need_with_service": 0, "need_without_service": 0, "service_without_need": 0, "neither": 25},
        )
    )
    assert settings.load_rules()["zeros_are_disclosive"]["three_circles"] is False
    assert three_circles_primary(rows, RULES)["count_reason"].to_list() == [None] * 4
    rules = {
        **settings.load_rules(),
        "zeros_are_disclosive": {**settings.load_rules()["zeros_are_disclosive"], "three_circles": True},
    }
    monkeypatch.setattr(settings, "load_rules", lambda: rules)
    assert primary.three_circles_primary(rows, RULES)["count_reason"].to_list() == ["min_cell"] * 4
    est = estimate_rows([("school", "d", "all", 25, 0)])
    assert primary.estimates_primary(est, RULES)["p_reason"].to_list() == [None]  # estimates: still off
