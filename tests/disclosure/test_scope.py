"""The publication scope drops whole rows before suppression, as rules.yaml lists them."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.scope import estimates_in_scope, response_rates_in_scope, three_circles_in_scope


def test_school_rows_keep_only_the_whole_school() -> None:
    """Scope {school: [all]}: a school's by-sex row goes, its `all` row and every council row stay."""
    rows = pl.DataFrame(
        {
            "geography_level": ["school", "school", "council", "council"],
            "breakdown": ["all", "sex", "all", "sex"],
        }
    )
    kept = estimates_in_scope(rows, {"council": "*", "school": ["all"]})
    assert kept.rows() == [("school", "all"), ("council", "all"), ("council", "sex")]


def test_three_circles_keep_listed_pairs_and_breakdowns() -> None:
    """Pairs (any need × service_any) and (need_any × any service); schools only for `all`."""
    rows = pl.DataFrame(
        {
            "geography_level": ["council", "council", "council", "school", "school"],
            "breakdown": ["all", "all", "sex", "all", "sex"],
            "need": ["need_sdq_high", "need_sdq_high", "need_any", "need_any", "need_any"],
            "service": ["service_any", "service_asn", "service_asn", "service_any", "service_any"],
        }
    )
    scope = {
        "pairs": [{"need": "*", "service": "service_any"}, {"need": "need_any", "service": "*"}],
        "breakdowns": {"council": "*", "school": ["all"]},
    }
    kept = three_circles_in_scope(rows, scope)
    assert kept["need"].to_list() == ["need_sdq_high", "need_any", "need_any"]
    assert kept["service"].to_list() == ["service_any", "service_asn", "service_any"]


def test_response_rates_keep_whole_schools_and_drop_empty_groups() -> None:
    """A school keeps its whole-school row; a cluster keeps its stages and sexes, except a group with no one."""
    rows = pl.DataFrame(
        {
            "geography_level": ["school", "school", "school", "cluster", "cluster", "cluster"],
            "stage": ["all", "P5", "all", "P5", "P5", "all"],
            "sex": ["all", "all", "F", "F", "X", "all"],
            "roll": [40, 12, 20, 30, 0, 300],
            "respondents": [33, 10, 16, 25, 0, 240],
        }
    )
    kept = response_rates_in_scope(rows, {"school": {"stage": ["all"], "sex": ["all"]}})
    assert kept.select("geography_level", "stage", "sex").rows() == [
        ("school", "all", "all"),
        ("cluster", "P5", "F"),
        ("cluster", "all", "all"),
    ]


def test_a_pair_with_levels_is_published_only_there() -> None:
    """The core pair everywhere in scope; each need against any service only for the whole council."""
    rows = pl.DataFrame(
        {
            "geography_level": ["council", "council", "council", "school", "school"],
            "breakdown": ["all", "sex", "all", "all", "all"],
            "need": ["need_sdq_high", "need_sdq_high", "need_any", "need_sdq_high", "need_any"],
            "service": ["service_any"] * 5,
        }
    )
    scope = {
        "pairs": [
            {"need": "need_any", "service": "service_any"},
            {"need": "*", "service": "service_any", "levels": {"council": ["all"]}},
        ],
        "breakdowns": {"council": "*", "school": ["all"]},
    }
    kept = three_circles_in_scope(rows, scope).select("geography_level", "breakdown", "need").rows()
    assert kept == [
        ("council", "all", "need_sdq_high"),
        ("council", "all", "need_any"),
        ("school", "all", "need_any"),
    ]
