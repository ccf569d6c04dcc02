"""Sentences written from published figures, on tiny hand-made tables."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.reports.blocks import Finding
from rcs_pipeline.reports.sections import Geography, respondents_sentence, without_service_table


def _rates(rows: list[tuple[str, int | None, float | None, bool]]) -> pl.DataFrame:
    """Council-level response rates (stage and sex 'all') from (instrument, respondents, rate, suppressed)."""
    return pl.DataFrame(
        rows,
        schema=["instrument", "respondents", "response_rate", "suppressed"],
        orient="row",
    ).with_columns(
        geography_level=pl.lit("council"),
        geography_code=pl.lit("S12000005"),
        stage=pl.lit("all"),
        sex=pl.lit("all"),
    )


def _geo() -> Geography:
    """The council as a report geography."""
    return Geography("council", "S12000005", "Clackmannanshire")


def test_each_survey_is_named_and_the_all_surveys_total_is_not_added_beside_them():
    rates = _rates(
        [("all", 1500, 80.0, False), ("primary", 900, 82.0, False), ("secondary", 600, 77.0, False)]
    )
    assert respondents_sentence(rates, _geo()) == Finding(
        "Taking part",
        "900 primary pupils (P5 to P7) (82% of the roll) and 600 secondary pupils (S1 to S4) "
        "(77% of the roll) answered the survey.",
    )


def test_the_all_surveys_total_stands_in_when_each_survey_is_withheld():
    rates = _rates(
        [("all", 1500, 80.0, False), ("primary", None, None, True), ("secondary", None, None, True)]
    )
    assert respondents_sentence(rates, _geo()) == Finding(
        "Taking part", "1,500 pupils (80% of the roll) answered the survey."
    )


def _without_service_rows(services: list[str]) -> pl.DataFrame:
    """need_without_service rows of one council for need_any and need_sdq_high against the given services."""
    rows = [
        {
            "geography_level": "council",
            "geography_code": "S12000005",
            "breakdown": "all",
            "breakdown_value": "all",
            "need": need,
            "service": service,
            "circle": "need_without_service",
            "percent": 12.0,
            "suppressed": False,
        }
        for service in services
        for need in ("need_any", "need_sdq_high")
    ]
    return pl.DataFrame(rows)


def test_without_service_table_names_what_it_breaks_down() -> None:
    """Only 'any service' published (the scope): the table is by type of need; with service types, by both."""
    geo = Geography("council", "S12000005", "Clackmannanshire")
    any_only = without_service_table(_without_service_rows(["service_any"]), geo, "Need without service")
    by_type = without_service_table(
        _without_service_rows(["service_any", "service_asn"]), geo, "Need without service"
    )
    assert any_only is not None and by_type is not None
    assert (any_only.caption, len(any_only.rows)) == ("High need without any service, by type of need", 1)
    assert (by_type.caption, len(by_type.rows)) == (
        "High need without a service, by type of service and of need",
        2,
    )


def _comparison(direction: str | None, **extra) -> dict:
    """A published comparison row of a school against the rest of its council (hand-made)."""
    return {
        "comparison": "area_vs_rest_of_council",
        "unit": "percent",
        "estimate": 52.0,
        "reference_estimate": 37.0,
        "direction": direction,
        "suppressed": False,
        "test_status": None,
        "p_adjusted": 0.01,
        "reference": "rest_of_council",
        "reliability": None,
        "reference_reliability": None,
        **extra,
    }


def _label():
    from rcs_pipeline.reports.catalogue import IndicatorLabel

    return IndicatorLabel("sec_sleep_8plus", "Usually sleeps 8 hours or more", "physical_health", "secondary")


def test_a_claim_is_written_only_for_a_significant_shown_comparison() -> None:
    from rcs_pipeline.reports.sections import claim_sentence

    words = ("in Academy 1", "in the rest of Fife")
    assert claim_sentence(_label(), _comparison("higher"), *words) == (
        "Usually sleeps 8 hours or more (secondary pupils): higher in Academy 1 (52%) than in the rest of Fife (37%)."
    )
    assert claim_sentence(_label(), _comparison("lower", reliability="low"), *words) == (
        "Usually sleeps 8 hours or more (secondary pupils): lower in Academy 1 (52% [u]) than in the rest of Fife (37%)."
    )
    for row in (
        _comparison("no clear difference"),
        _comparison(None, test_status="small_base"),
        _comparison("higher", suppressed=True),
        None,
    ):
        assert claim_sentence(_label(), row, *words) is None


def test_a_change_is_rose_or_fell_only_when_significant() -> None:
    from rcs_pipeline.reports.sections import trend_sentence

    rose = _comparison("higher", comparison="wave_vs_wave", reference="2012-13")
    fell = _comparison("lower", comparison="wave_vs_wave", reference="2012-13", estimate=30.0)
    assert trend_sentence(_label(), rose, "2015-16") == (
        "Usually sleeps 8 hours or more (secondary pupils): rose from 37% in 2012-13 to 52% in 2015-16."
    )
    assert trend_sentence(_label(), fell, "2015-16").endswith("fell from 37% in 2012-13 to 30% in 2015-16.")
    assert trend_sentence(_label(), _comparison("no clear difference"), "2015-16") is None


def test_table_cells_say_what_the_comparison_says() -> None:
    from rcs_pipeline.reports.lookup import comparison_cell

    assert [
        comparison_cell(r).text
        for r in (
            _comparison("higher"),
            _comparison("lower"),
            _comparison("no clear difference"),
            _comparison(None, test_status="small_base"),
            _comparison(None, test_status="not_published"),
            _comparison(None, suppressed=True),
            None,
        )
    ] == ["Higher", "Lower", "No clear difference", "Not tested", "[x]", "[c]", "[x]"]
    assert comparison_cell(_comparison(None, suppressed=True)).suppressed
