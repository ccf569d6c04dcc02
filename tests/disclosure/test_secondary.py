"""Secondary suppression on tables whose right pattern was worked out by hand."""

import polars as pl

from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from tests.disclosure.handmade import COUNCIL, circle_rows, council_tables, estimate_rows, schools

RULES = DisclosureSettings(min_group=20, min_cell=10)


def published(result, table="published_estimates") -> dict[tuple[str, str], tuple[bool, str | None]]:
    """(code, breakdown_value) → (suppressed, reason); no estimate base is published (disclosure.md §4)."""
    frame = result.published[table]
    return {
        (r["geography_code"], r["breakdown_value"]): (r["suppressed"], r["reason"])
        for r in frame.iter_rows(named=True)
    }


def test_one_small_breakdown_value_forces_its_sibling_not_the_total():
    # F has 3 positives (primary); all = M + F, so M's numerator would give F's away: M goes (cheaper than `all`).
    est = estimate_rows(
        [
            ("council", COUNCIL, "all", 100, 40),
            ("council", COUNCIL, "M", 60, 37),
            ("council", COUNCIL, "F", 40, 3),
        ]
    )
    result = protect_council(council_tables(est), schools({}), COUNCIL, RULES)
    assert published(result) == {
        (COUNCIL, "all"): (False, None),
        (COUNCIL, "M"): (True, "secondary"),
        (COUNCIL, "F"): (True, "min_cell"),
    }
    assert result.audit.passed


def test_one_small_school_forces_a_second_school_of_its_cluster():
    # School 1 (n=12) is below min_group; cluster A1 = 1 + 2 + 3 published, so the smallest sibling (2) goes.
    est = estimate_rows(
        [
            ("school", "1", "all", 12, 5),
            ("school", "2", "all", 50, 20),
            ("school", "3", "all", 60, 30),
            ("school", "4", "all", 100, 40),
            ("school", "5", "all", 90, 45),
            ("cluster", "A1", "all", 122, 55),
            ("cluster", "A2", "all", 190, 85),
            ("council", COUNCIL, "all", 312, 140),
        ]
    )
    result = protect_council(
        council_tables(est), schools({"1": "A1", "2": "A1", "3": "A1", "4": "A2", "5": "A2"}), COUNCIL, RULES
    )
    hidden = {code: reason for (code, _), (sup, reason) in published(result).items() if sup}
    assert hidden == {"1": "min_group", "2": "secondary"}
    assert result.audit.passed


def test_a_small_single_school_cluster_cascades_to_a_second_cluster_and_its_school():
    # Cluster A1 is school 1 alone (n=12): both min_group. Council = A1 + A2 reveals A1, so A2 goes; then
    # A2 = 4 + 5 reveals A2, so its smaller school (5, n=90) goes. School 4 and the council stay.
    est = estimate_rows(
        [
            ("school", "1", "all", 12, 5),
            ("school", "4", "all", 100, 40),
            ("school", "5", "all", 90, 45),
            ("cluster", "A1", "all", 12, 5),
            ("cluster", "A2", "all", 190, 85),
            ("council", COUNCIL, "all", 202, 90),
        ]
    )
    result = protect_council(council_tables(est), schools({"1": "A1", "4": "A2", "5": "A2"}), COUNCIL, RULES)
    hidden = {code: reason for (code, _), (sup, reason) in published(result).items() if sup}
    assert hidden == {"1": "min_group", "A1": "min_group", "A2": "secondary", "5": "secondary"}
    assert result.audit.passed


def test_a_small_circle_forces_the_next_smallest_circle_of_its_group():
    tc = pl.DataFrame(
        circle_rows(
            "council",
            COUNCIL,
            {"need_with_service": 4, "need_without_service": 10, "service_without_need": 20, "neither": 26},
        )
    )
    result = protect_council(council_tables(three_circles=tc), schools({}), COUNCIL, RULES)
    frame = result.published["published_three_circles"].sort("circle")
    assert dict(zip(frame["circle"], frame["reason"], strict=True)) == {
        "need_with_service": "min_cell",
        "need_without_service": "secondary",
        "neither": None,
        "service_without_need": None,
    }
    assert frame["base"].to_list() == [60] * 4
    assert result.audit.passed


def test_response_rates_small_school_hides_a_sibling_school():
    rr = pl.DataFrame(
        {
            "geography_level": ["school", "school", "school", "council"],
            "geography_code": ["1", "2", "3", COUNCIL],
            "instrument": ["primary"] * 4,
            "stage": ["all"] * 4,
            "sex": ["all"] * 4,
            "roll": [30, 80, 70, 180],
            "respondents": [15, 60, 50, 125],
        }
    )
    parents = schools({"1": "A1", "2": "A1", "3": "A1"})
    result = protect_council(council_tables(response_rates=rr), parents, COUNCIL, RULES)
    frame = result.published["published_response_rates"]
    assert dict(zip(frame["geography_code"], frame["reason"], strict=True)) == {
        COUNCIL: None,
        "1": "min_group",
        "2": None,
        "3": "secondary",
    }
    assert frame.filter(pl.col("geography_code") == "3")["respondents"].to_list() == [None]
