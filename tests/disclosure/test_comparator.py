"""The all-councils comparator: waves of one, two and three councils, worked by hand.

Council A publishes every cell of an indicator by sex. Council B has 15 boys (below min_group 20), so it
hides boys and, to protect them, girls; its total is published. The comparator (A + B) is then:
all 105 (determined: A's 60 + B's 45), girls 60 and boys 45. Showing the comparator's girls would give
B's girls (60 − 30 = 30) and so B's boys (45 − 30 = 15): only the determined total may be shown.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings
from rcs_pipeline.disclosure.audit import AuditResult, Failure
from rcs_pipeline.disclosure.comparator import (
    ONE_COUNCIL,
    audit_facts,
    audit_from_facts,
    audit_published_comparator,
    protect_comparator,
    protection_facts,
    protection_from_facts,
)
from rcs_pipeline.disclosure.explain import audit_summary
from tests.disclosure.handmade import estimate_rows

RULES = DisclosureSettings(min_group=20, min_cell=10)
A, B, C = "S12000005", "S12000040", "S12000029"


def council(
    code: str, cells: dict[str, tuple[int, int]], hidden: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(estimates, published_estimates) of one council: council-level rows by sex; `hidden` values withheld."""
    est = estimate_rows([("council", code, value, n, p) for value, (n, p) in cells.items()])
    published = est.select(
        "indicator_id",
        "geography_level",
        "geography_code",
        "breakdown",
        "breakdown_value",
        pl.when(pl.col("breakdown_value").is_in(list(hidden)))
        .then(None)
        .otherwise(pl.col("estimate"))
        .alias("value"),
    )
    return est, published


def comparator(cells: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """All-councils rows by sex."""
    return estimate_rows([("all_councils", "all", value, n, p) for value, (n, p) in cells.items()])


COUNCIL_A = council(A, {"all": (60, 30), "F": (30, 15), "M": (30, 15)}, hidden=set())
COUNCIL_B = council(B, {"all": (45, 20), "F": (30, 14), "M": (15, 6)}, hidden={"F", "M"})
TWO = comparator({"all": (105, 50), "F": (60, 29), "M": (45, 21)})


def shown(frame: pl.DataFrame) -> dict[str, bool]:
    """breakdown_value → whether its value is published (no base is: docs/methods/disclosure.md §4)."""
    return dict(zip(frame["breakdown_value"], frame["value"].is_not_null(), strict=True))


def test_two_council_wave_shows_only_what_the_councils_determine() -> None:
    """The total (60 + 45) is shown; girls and boys, over B's hidden cells, are suppressed; the audit passes."""
    result = protect_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES)
    published = result.published["published_comparator_estimates"]
    assert shown(published) == {"all": True, "F": False, "M": False}
    assert published.filter(pl.col("breakdown_value") == "all")["value"].item() is not None
    assert result.audit.passed and result.primary_breaches == 0
    audit, breaches, _ = audit_published_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES, published)
    assert audit.passed and breaches == 0


def test_comparator_showing_a_cell_over_a_hidden_council_cell_fails_its_audit() -> None:
    """Written with girls shown, the file gives B's girls and boys away: the audit names the pinned cells."""
    published = protect_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES).published[
        "published_comparator_estimates"
    ]
    leaky = published.with_columns(
        value=pl.when(pl.col("breakdown_value") == "F").then(48.0).otherwise(pl.col("value")),
    )
    audit, breaches, names = audit_published_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES, leaky)
    assert not audit.passed
    pinned = {names[f.var] for f in audit.failures if f.low == f.high}
    assert f"estimates ind_x council {B} sex M, base n" in pinned
    text = audit_summary(audit, breaches, RULES.min_cell, names)
    assert "pinned exactly" in text and f"council {B} sex" in text
    assert "15" not in text.replace("min_cell 10", "")  # the boys' hidden count is never printed


def test_one_council_wave_publishes_an_empty_comparator_and_says_why() -> None:
    """One council: no comparator rows, the reason given, and a written non-empty one counts as breaches."""
    alone = comparator({"all": (60, 30), "F": (30, 15), "M": (30, 15)})
    result = protect_comparator(alone, {A: COUNCIL_A}, RULES)
    published = result.published["published_comparator_estimates"]
    assert published.height == 0
    assert set(published.columns) >= {"indicator_id", "value", "suppressed", "reason"}
    assert "n" not in published.columns
    assert result.withheld_reason == ONE_COUNCIL and "one council" in ONE_COUNCIL
    _, breaches, _ = audit_published_comparator(alone, {A: COUNCIL_A}, RULES, alone.head(2))
    assert breaches == 2


def test_children_of_a_council_without_published_tables_are_hidden_as_other_councils() -> None:
    """Three councils, C unpublished (its gate failed): the comparator counts C's children too.

    A and B are as above; C has 40 children (all 40, girls 20, boys 20). The total 145 is not A + B: showing
    it would give C's total away, so it is suppressed too, and nothing is shown.
    """
    three = comparator({"all": (145, 70), "F": (80, 39), "M": (65, 31)})
    result = protect_comparator(three, {A: COUNCIL_A, B: COUNCIL_B}, RULES)
    assert result.other_councils
    published = result.published["published_comparator_estimates"]
    assert shown(published) == {"all": False, "F": False, "M": False}
    assert result.audit.passed
    naive = published.with_columns(value=pl.lit(48.0))
    audit, _, names = audit_published_comparator(three, {A: COUNCIL_A, B: COUNCIL_B}, RULES, naive)
    assert any("other_councils" in names[f.var] for f in audit.failures)


def test_three_council_wave_with_every_council_published() -> None:
    """A, B and C all published, C in full: the total is shown, girls and boys over B's hidden cells are not."""
    council_c = council(C, {"all": (40, 20), "F": (20, 10), "M": (20, 10)}, hidden=set())
    three = comparator({"all": (145, 70), "F": (80, 39), "M": (65, 31)})
    councils = {A: COUNCIL_A, B: COUNCIL_B, C: council_c}
    result = protect_comparator(three, councils, RULES)
    assert shown(result.published["published_comparator_estimates"]) == {"all": True, "F": False, "M": False}
    assert not result.other_councils and result.audit.passed


def test_a_comparator_older_than_the_councils_is_refused() -> None:
    """A comparator counting fewer children than the councils predates their estimates: a clear error."""
    stale = comparator({"all": (100, 50), "F": (60, 29), "M": (45, 21)})
    with pytest.raises(ValueError, match="older than a council's estimates"):
        protect_comparator(stale, {A: COUNCIL_A, B: COUNCIL_B}, RULES)


def test_protection_figures_survive_the_json_memo() -> None:
    """Every figure of the two-council protection comes back from JSON (the wave's memo) as it was computed:
    1 of 3 cells determined (the total), 2 comparator cells hidden, councils A and B, no other councils."""
    result = protect_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES, audit=False)
    facts = json.loads(json.dumps(protection_facts(result)))
    back = protection_from_facts(facts, result.published["published_comparator_estimates"])
    assert (back.councils, back.other_councils, back.withheld_reason) == ((A, B), False, None)
    assert back.hidden == result.hidden == 4  # girls and boys: base and numerator each
    for field in ("primary_breaches", "variables", "primary_hidden", "shares", "determined", "narrow_before"):
        assert getattr(back, field) == getattr(result, field), field
    assert back.audit == result.audit and back.before is None


def test_a_passed_audit_round_trips_and_a_failed_one_is_never_memoised() -> None:
    """Counts and the narrowest width come back equal; failures (their bounds) are refused, not written."""
    passed = AuditResult(cells_checked=4, intervals_checked=6, narrowest=12.5, lp_solves=3)
    assert audit_from_facts(audit_facts(passed)) == passed
    assert audit_from_facts(audit_facts(AuditResult(0, 0, None, 0))).narrowest is None
    failed = AuditResult(4, 6, 0.0, 3, [Failure(var=7, kind="count", low=15, high=15)])
    with pytest.raises(ValueError, match="passed audit"):
        audit_facts(failed)


def test_the_file_audit_on_the_protections_own_system_reaches_the_same_verdict() -> None:
    """Passing protect_comparator's system (built once from the same inputs) changes no figure of the audit:
    the published file passes either way with no names computed, and the leaky file (girls shown) still fails
    with the same pinned cells and their names."""
    result = protect_comparator(TWO, {A: COUNCIL_A, B: COUNCIL_B}, RULES, audit=False)
    published = result.published["published_comparator_estimates"]
    councils = {A: COUNCIL_A, B: COUNCIL_B}
    fresh = audit_published_comparator(TWO, councils, RULES, published)
    shared = audit_published_comparator(TWO, councils, RULES, published, result.before, result.built)
    assert result.built is not None and fresh == shared and shared[0].passed and shared[2] == {}
    leaky = published.with_columns(
        value=pl.when(pl.col("breakdown_value") == "F").then(48.0).otherwise(pl.col("value")),
    )
    fresh = audit_published_comparator(TWO, councils, RULES, leaky)
    shared = audit_published_comparator(TWO, councils, RULES, leaky, result.before, result.built)
    assert not shared[0].passed and fresh == shared
    assert f"estimates ind_x council {B} sex M, base n" in shared[2].values()
