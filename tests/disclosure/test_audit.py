"""The attacker audit: intervals by linear programming, on systems whose answer is worked out by hand."""

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, attacker_intervals, families, protect_council
from rcs_pipeline.disclosure.families import NEED_CIRCLES
from rcs_pipeline.disclosure.protect import council_system, hidden_from_published
from rcs_pipeline.disclosure.publish import CIRCLE_KEYS
from rcs_pipeline.disclosure.settings import load_rules
from rcs_pipeline.disclosure.system import SystemBuilder
from tests.disclosure.handmade import COUNCIL, circle_rows, council_tables, estimate_rows, schools


def test_a_lone_suppressed_breakdown_value_is_recovered_exactly():
    est = estimate_rows(
        [
            ("council", COUNCIL, "all", 100, 40),
            ("council", COUNCIL, "M", 60, 37),
            ("council", COUNCIL, "F", 40, 3),
        ]
    )
    built = council_system(council_tables(est), schools({}), COUNCIL, DisclosureSettings())
    result = attacker_intervals(built.system, built.primary, min_cell=10)
    assert [(f.kind, f.low, f.high) for f in result.failures] == [("count", 3, 3)]


def _pair_under_total(total: int, parts: tuple[int, int]) -> tuple[SystemBuilder, np.ndarray]:
    builder = SystemBuilder()
    ids = builder.add_variables(np.array([total, *parts]), np.zeros(3))
    builder.add_relations(pl.DataFrame({"eq": [0, 0, 0], "var": ids.tolist(), "coef": [1.0, -1.0, -1.0]}))
    return builder, np.array([False, True, True])


def test_two_suppressed_cells_under_a_total_of_min_cell_keep_an_interval_of_min_cell():
    builder, hidden = _pair_under_total(10, (3, 7))
    result = attacker_intervals(builder.build(), hidden, min_cell=10)
    assert result.passed and result.narrowest == 10


def test_two_suppressed_cells_under_a_total_below_min_cell_fail():
    builder, hidden = _pair_under_total(9, (3, 6))
    result = attacker_intervals(builder.build(), hidden, min_cell=10)
    assert sorted((f.var, f.low, f.high) for f in result.failures) == [(1, 0, 9), (2, 0, 9)]


def test_withheld_cells_under_a_published_zero_are_pinned_and_fail():
    """Issue 22: a withheld cell the attacker pins to 0 is disclosed like any other value."""
    builder, hidden = _pair_under_total(0, (0, 0))
    result = attacker_intervals(builder.build(), hidden, min_cell=10)
    assert sorted((f.var, f.kind, f.low, f.high) for f in result.failures) == [
        (1, "count", 0, 0),
        (2, "count", 0, 0),
    ]


def test_numerator_bounded_by_published_base():
    # x + y = 30 with x ≤ 4 (its base, published): x ∈ [0, 4], which fails.
    builder = SystemBuilder()
    ids = builder.add_variables(np.array([30, 3, 27, 4]), np.zeros(4))
    builder.add_relations(pl.DataFrame({"eq": [0, 0, 0], "var": ids[:3].tolist(), "coef": [1.0, -1.0, -1.0]}))
    builder.add_pairs("at_most", ids[1:2], ids[3:4])
    result = attacker_intervals(builder.build(), np.array([False, True, True, False]), min_cell=10)
    assert sorted((f.var, f.low, f.high) for f in result.failures) == [(1, 0, 4), (2, 26, 30)]


def _two_needs_of_one_service() -> pl.DataFrame:
    """Two need × any-service tables of the same 100 children: 35 receive a service in both (the cross identity)."""
    return pl.DataFrame(
        [
            *circle_rows(
                "council",
                COUNCIL,
                {
                    "need_with_service": 5,
                    "need_without_service": 20,
                    "service_without_need": 30,
                    "neither": 45,
                },
                need="need_any",
            ),
            *circle_rows(
                "council",
                COUNCIL,
                {
                    "need_with_service": 15,
                    "need_without_service": 10,
                    "service_without_need": 20,
                    "neither": 55,
                },
                need="need_sdq_high",
            ),
        ]
    )


def test_another_need_table_reveals_a_circle_its_own_table_protects(monkeypatch: pytest.MonkeyPatch):
    """Hiding 5 and 20 in the any-need table leaves each in 0..25 within it; but every table counts the same
    35 children with a service, so 35 − 30 = 5 gives the hidden circle away. The audit must see it."""
    circles = _two_needs_of_one_service()

    def audit(cross_identities: bool) -> list[tuple[str, int, int]]:
        rules = {**load_rules(), "three_circles_cross_identities": cross_identities}
        monkeypatch.setattr(families, "load_rules", lambda: rules)
        built = council_system(
            council_tables(three_circles=circles), schools({}), COUNCIL, DisclosureSettings()
        )
        tc = built.tables["three_circles"]
        hidden = np.zeros(built.system.size, bool)
        chosen = tc.filter((pl.col("need") == "need_any") & (pl.col("circle").is_in(NEED_CIRCLES)))
        hidden[chosen["c_var"].to_numpy()] = True
        result = attacker_intervals(built.system, hidden, min_cell=10)
        return sorted((f.kind, f.low, f.high) for f in result.failures)

    assert audit(cross_identities=False) == []
    assert audit(cross_identities=True) == [("count", 5, 5), ("count", 20, 20)]


def test_protection_of_two_need_tables_survives_the_cross_identity():
    """protect_council finds a pattern that the audit, cross identities included, proves."""
    assert load_rules()["three_circles_cross_identities"] is True
    result = protect_council(
        council_tables(three_circles=_two_needs_of_one_service()), schools({}), COUNCIL, DisclosureSettings()
    )
    published = result.published["published_three_circles"]
    assert published.filter(pl.col("need") == "need_any", pl.col("circle") == "need_with_service")[
        "suppressed"
    ].item()
    assert result.audit.passed


def _issue_22_table() -> pl.DataFrame:
    """West Lothian's table of issue 22 (council, urban_rural_8fold, need_any × service_any): groups 2 and 3
    have 29 and 21 children with need and a service, 'all' has 50, so groups 6 and 7 (12 children, withheld
    as min_group) can only have 0. Circles are made up around the published figures."""
    groups = {
        "2": {"need_with_service": 29, "need_without_service": 40, "service_without_need": 30, "neither": 96},
        "3": {"need_with_service": 21, "need_without_service": 15, "service_without_need": 12, "neither": 34},
        "6": {"need_with_service": 0, "need_without_service": 2, "service_without_need": 1, "neither": 4},
        "7": {"need_with_service": 0, "need_without_service": 1, "service_without_need": 0, "neither": 4},
    }
    rows = [
        row
        for value, counts in groups.items()
        for row in circle_rows("council", COUNCIL, counts, need="need_any", value=value)
    ]
    total = {c: sum(g[c] for g in groups.values()) for c in groups["2"]}
    rows += circle_rows("council", COUNCIL, total, need="need_any")
    return pl.DataFrame(rows).with_columns(
        breakdown=pl.when(pl.col("breakdown_value") == "all")
        .then(pl.lit("all"))
        .otherwise(pl.lit("urban_rural_8fold"))
    )


def _issue_22_hidden(built) -> np.ndarray:
    """The issue's publication: groups 6 and 7 withheld (min_group), group 2's other circles withheld so
    that their own sums stay wide; every need-with-service count but 6 and 7 published."""
    tc = built.tables["three_circles"]
    hidden = built.primary.copy()
    other = tc.filter(pl.col("breakdown_value") == "2", pl.col("circle") != "need_with_service")
    hidden[other["c_var"].to_numpy()] = True
    return hidden


def test_issue_22_two_published_categories_summing_to_all_pin_the_hidden_ones():
    """29 + 21 = 50 pins groups 6 and 7 to 0, and that is all the attacker gets. Before issue 22 the audit
    exempted an interval of {0} and passed this publication; now exactly those two cells fail."""
    circles = _issue_22_table()
    assert (
        circles.filter(pl.col("breakdown_value") == "all", pl.col("circle") == "need_with_service")[
            "n"
        ].item()
        == 50
    )
    built = council_system(council_tables(three_circles=circles), schools({}), COUNCIL, DisclosureSettings())
    result = attacker_intervals(built.system, _issue_22_hidden(built), min_cell=10)
    tc = built.tables["three_circles"]
    pinned = tc.filter(pl.col("breakdown_value").is_in(["6", "7"]), pl.col("circle") == "need_with_service")
    assert sorted((f.var, f.kind, f.low, f.high) for f in result.failures) == [
        (v, "count", 0, 0) for v in sorted(pinned["c_var"].to_list())
    ]


def test_issue_22_protection_hides_a_published_category_and_the_audit_passes():
    circles = _issue_22_table()
    result = protect_council(
        council_tables(three_circles=circles), schools({}), COUNCIL, DisclosureSettings()
    )
    assert result.audit.passed and result.primary_breaches == 0
    published = result.published["published_three_circles"]
    shown = published.filter(pl.col("circle") == "need_with_service", ~pl.col("suppressed"))
    assert set(shown["breakdown_value"]) <= {"all", "2", "3"} and shown.height < 3  # 2 or 3 is withheld too


def _service_groups_of_one_need() -> pl.DataFrame:
    """need_any × social work, ASL and any service for the same 100 children (any = either group)."""
    tables = {
        "service_social_work": {
            "need_with_service": 2,
            "need_without_service": 38,
            "service_without_need": 3,
            "neither": 57,
        },
        "service_asl": {
            "need_with_service": 20,
            "need_without_service": 20,
            "service_without_need": 25,
            "neither": 35,
        },
        "service_any": {
            "need_with_service": 21,
            "need_without_service": 19,
            "service_without_need": 27,
            "neither": 33,
        },
    }
    return pl.DataFrame(
        [
            row
            for service, counts in tables.items()
            for row in circle_rows("council", COUNCIL, counts, need="need_any", service=service)
        ]
    )


def test_a_service_group_is_bounded_by_any_service(monkeypatch: pytest.MonkeyPatch):
    """Social work's need-with-service x (2) and need-without-service y (38) withheld: x + y = 40 in its own
    table, so x is in 0..40. Readers also know any service = social work or ASL: x ≤ 21 (need with any
    service) and 21 ≤ x + 20 (ASL), so x is in 1..21. The audit's LP must see that."""

    def bounds() -> tuple[int, int]:
        built = council_system(
            council_tables(three_circles=_service_groups_of_one_need()),
            schools({}),
            COUNCIL,
            DisclosureSettings(),
        )
        tc = built.tables["three_circles"]
        hidden = np.zeros(built.system.size, bool)
        chosen = tc.filter(pl.col("service") == "service_social_work", pl.col("circle").is_in(NEED_CIRCLES))
        hidden[chosen["c_var"].to_numpy()] = True
        x = chosen.filter(pl.col("circle") == "need_with_service")["c_var"].item()
        return _bounds(built.system, hidden, x)

    assert bounds() == (1, 21)
    monkeypatch.setattr(families, "add_union_inequalities", lambda *args: None)
    assert bounds() == (0, 40)


def _bounds(system, hidden: np.ndarray, var: int) -> tuple[int, int]:
    """The attacker's interval of one hidden variable (min and max by the audit's own LP)."""
    from rcs_pipeline.disclosure.audit import _Problem

    columns = np.flatnonzero(hidden)
    problem = _Problem.build(system, hidden, columns)
    lp = problem.sub_lp(np.unique(problem.component))
    cost = np.zeros(columns.size)
    cost[np.flatnonzero(columns == var)] = 1.0
    return round(float((lp.solve(cost) * cost).sum())), round(float((lp.solve(-cost) * cost).sum()))


def _rates(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """Response rates (level, code, roll, respondents) of the primary survey, whole groups only."""
    return pl.DataFrame(
        [
            {
                "geography_level": level,
                "geography_code": code,
                "instrument": "primary",
                "stage": "all",
                "sex": "all",
                "roll": roll,
                "respondents": respondents,
            }
            for level, code, roll, respondents in rows
        ]
    )


def test_a_rounded_rate_printed_beside_a_withheld_count_pins_it():
    """Issue 21: school S1 (roll 40, 9 respondents, withheld as min_group) and S2 (roll 60, 51, withheld with it by
    secondary suppression) under a published council total of 60. Without rates the attacker has S1 in 0..40
    (what the roll alone allows) and S2 in 20..60. A careless publication printing S1's rate, 23%, gives
    45·40 ≤ 200·x ≤ 47·40 − 1: x = 9 exactly, and S2 = 51. The publication never prints a rate beside a
    withheld count, and the audit of the tables as written gets every printed rate."""
    from rcs_pipeline.disclosure import audit_published
    from rcs_pipeline.disclosure.audit import exact_intervals
    from rcs_pipeline.disclosure.side_information import published_side_information

    tables = council_tables(
        response_rates=_rates(
            [("council", COUNCIL, 100, 60), ("school", "S1", 40, 9), ("school", "S2", 60, 51)]
        )
    )
    places = schools({"S1": "A1", "S2": "A1"})
    protection = protect_council(tables, places, COUNCIL, DisclosureSettings())
    rates = protection.published["published_response_rates"]
    assert (
        rates.filter(pl.col("suppressed"))["response_rate"].null_count() == 2
    )  # never beside a withheld count
    assert audit_published(tables, places, COUNCIL, DisclosureSettings(), protection.published)[0].passed
    careless = rates.with_columns(
        response_rate=pl.when(pl.col("geography_code") == "S1").then(23.0).otherwise(pl.col("response_rate"))
    )
    published = {**protection.published, "published_response_rates": careless}
    audit, _ = audit_published(tables, places, COUNCIL, DisclosureSettings(), published)
    assert sorted((f.low, f.high) for f in audit.failures) == [(9, 9), (51, 51)]
    built = council_system(tables, places, COUNCIL, DisclosureSettings())
    hidden = np.zeros(built.system.size, bool)
    hidden[built.tables["response_rates"].filter(pl.col("geography_level") == "school")["var"].to_numpy()] = (
        True
    )
    side = published_side_information(built.system, built.tables, hidden, published)
    assert set(side.source) == {"rounding"} and side.rows.shape[0] == 2
    _, low, high = exact_intervals(built.system, hidden)
    assert (low.round().tolist(), high.round().tolist()) == ([0, 20], [40, 60])
    _, low, high = exact_intervals(built.system, hidden, side)
    assert (np.ceil(low - 1e-6).tolist(), np.floor(high + 1e-6).tolist()) == ([9, 51], [9, 51])


def test_a_circles_percent_printed_with_its_count_and_base_withheld_bounds_their_ratio():
    """Both sides withheld: P% of a base b is (2P − 1)·b ≤ 200·x ≤ (2P + 1)·b − 1, a linear bound on the pair."""
    from rcs_pipeline.disclosure.side_information import rounding_information

    circles = pl.DataFrame(
        circle_rows(
            "council",
            COUNCIL,
            {"need_with_service": 9, "need_without_service": 31, "service_without_need": 20, "neither": 40},
        )
    )
    built = council_system(council_tables(three_circles=circles), schools({}), COUNCIL, DisclosureSettings())
    tc = built.tables["three_circles"]
    hidden = np.zeros(built.system.size, bool)
    hidden[tc["c_var"].to_numpy()] = True
    hidden[tc["b_var"].to_numpy()] = True
    published = pl.DataFrame(
        {
            **{k: tc[k] for k in CIRCLE_KEYS},
            "percent": (tc["n"] / tc["base"] * 100).round(0),
        }
    )
    side = rounding_information(built.system, built.tables, hidden, {"published_three_circles": published})
    nine = tc.filter(pl.col("circle") == "need_with_service")
    row = side.rows[:, nine["c_var"].item()].nonzero()[0]
    x, b = nine["c_var"].item(), nine["b_var"].item()
    assert sorted((side.rows[r, x], side.rows[r, b], side.rhs[r]) for r in row) == [
        (-200.0, 17.0, 0.0),
        (200.0, -19.0, -1.0),
    ]


def test_a_printed_base_narrows_withheld_respondents_and_the_publication_prints_none():
    """Issue 21 (bases): school S3's 15 respondents are withheld (min_group), so S2's 51 are withheld too under
    the council total of 66; with rolls of 60 each is in 6..60. An estimate's base counts respondents, so a
    publication printing S2's estimate with n = 51 (as before 2026-12-05) puts S2 in 51..60 and S3 in 6..15:
    the audit of that table fails. The publication prints no estimate base (the base a reader sees is the
    area's respondents, [c] here): the audit passes and S2's estimate is still shown."""
    from rcs_pipeline.disclosure import audit_published

    est = estimate_rows([("school", "S2", "all", 51, 30)], indicator="pri_good_health")
    tables = council_tables(
        est,
        response_rates=_rates(
            [("council", COUNCIL, 120, 66), ("school", "S2", 60, 51), ("school", "S3", 60, 15)]
        ),
    )
    places = schools({"S2": "A1", "S3": "A1"})
    rules = DisclosureSettings()
    result = protect_council(tables, places, COUNCIL, rules)
    published = result.published
    assert result.audit.passed and result.primary_breaches == 0
    assert "n" not in published["published_estimates"].columns
    assert published["published_estimates"]["suppressed"].to_list() == [False]
    assert published["published_response_rates"]["suppressed"].to_list() == [False, True, True]
    assert audit_published(tables, places, COUNCIL, rules, published)[0].passed
    printed = published["published_estimates"].with_columns(n=pl.lit(51, pl.Int64))
    careless, _ = audit_published(
        tables, places, COUNCIL, rules, {**published, "published_estimates": printed}
    )
    assert sorted((f.low, f.high) for f in careless.failures) == [(6, 15), (51, 60)]


def test_a_withheld_estimate_value_withholds_its_base():
    """No base is printed, so a reader has none for a withheld row: protection withholds the base of every
    withheld value (a couple), as the audit of the written tables reads it (hidden_from_published)."""
    est = estimate_rows(
        [
            ("council", COUNCIL, "all", 60, 30),
            ("school", "S1", "all", 30, 5),
            ("school", "S2", "all", 30, 25),
        ],
        indicator="pri_good_health",
    )
    tables = council_tables(est)
    places = schools({"S1": "A1", "S2": "A1"})
    rules = DisclosureSettings()
    built = council_system(tables, places, COUNCIL, rules)
    result = protect_council(tables, places, COUNCIL, rules)
    hidden = hidden_from_published(built, result.published)
    rows = built.tables["estimates"].filter(pl.col("p_var").is_not_null())
    assert (hidden[rows["p_var"].to_numpy()] == hidden[rows["n_var"].to_numpy()]).all()
    assert hidden[rows["p_var"].to_numpy()].any()


def test_bound_choices_hide_the_published_bound_of_a_narrowed_cell():
    """small ≤ large: a hidden `large` (true 55) narrowed to 51..60 by a published `small` of 51 hides that
    `small`; a hidden `small` (true 5) narrowed to 0..4 by a published `large` of 4 hides that `large`."""
    from rcs_pipeline.disclosure.audit import Failure
    from rcs_pipeline.disclosure.secondary import bound_choices

    builder = SystemBuilder()
    ids = builder.add_variables(np.array([51, 55, 3, 4]), np.zeros(4))
    builder.add_inequalities(
        pl.DataFrame({"eq": [0, 0, 1, 1], "var": ids.tolist(), "coef": [1.0, -1.0, 1.0, -1.0]})
    )
    hidden = np.array([False, True, True, False])
    failures = [Failure(1, "count", 51, 60), Failure(2, "count", 0, 4)]
    picks, served = bound_choices(builder.build(), hidden, failures, min_cell=10)
    assert picks.tolist() == [0, 3] and served.tolist() == [1, 2]


def test_a_circles_base_within_a_small_schools_respondents_tells_nothing_beyond_its_roll():
    """A school of roll 6 with 3 respondents (withheld, min_cell) and a three-circles group of base 3 (withheld,
    min_group). The base is within the respondents (a printed-base relation), so within the public roll: the
    base and each base − circle lie in 0..6, exactly what the roll alone allows, so the audit passes them as
    telling nothing (the public-knowledge exemption carried through the relation), not as narrow cells."""
    from rcs_pipeline.disclosure.audit import exact_intervals

    rr = _rates([("school", "S1", 6, 3)]).with_columns(instrument=pl.lit("all"))
    circles = {"need_with_service": 0, "need_without_service": 1, "service_without_need": 1, "neither": 1}
    tc = pl.DataFrame(circle_rows("school", "S1", circles, need="need_any"))
    tables = council_tables(three_circles=tc, response_rates=rr)
    places = schools({"S1": "A1"})
    rules = DisclosureSettings()
    result = protect_council(tables, places, COUNCIL, rules)
    assert result.audit.passed and result.primary_breaches == 0
    built = council_system(tables, places, COUNCIL, rules)
    base = built.tables["three_circles"]["b_var"][0]
    respondents = built.tables["response_rates"]["var"][0]
    assert [base, respondents] in built.system.at_most.tolist()
    hidden = hidden_from_published(built, result.published)
    columns, _, high = exact_intervals(built.system, hidden)
    assert high[columns.tolist().index(base)] == pytest.approx(6)
