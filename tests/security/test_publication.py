"""Finding 4: no published column says why a cell was withheld; every suppressed cell is only [c].

The reason (primary `min_group` / `min_cell` or `secondary`) tells an attacker on which side of min_cell a
count lies; it stays in the internal `disclosure/suppression_reasons` table for the data team.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from rcs_pipeline.disclosure.publish import TABLE_KEYS, for_publication, suppression_reasons
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.reports.area import plan_areas
from rcs_pipeline.reports.inputs import (
    LINKAGE_QUALITY_SCHEMA,
    THREE_CIRCLES_SCHEMA,
    PublishedTables,
    empty,
)
from tests.disclosure.handmade import COUNCIL, council_tables, estimate_rows, schools


def _published() -> dict[str, pl.DataFrame]:
    """A hand-made council with one min_cell cell (5 of 40), its complement-safe neighbour and a mean."""
    est = pl.concat(
        [
            estimate_rows([("council", COUNCIL, "all", 40, 5)], indicator="ind_a"),
            estimate_rows([("council", COUNCIL, "all", 40, 25)], indicator="ind_b"),
            estimate_rows([("council", COUNCIL, "all", 40, None)], indicator="ind_mean"),
        ]
    )
    return protect_council(council_tables(est), schools({}), COUNCIL, DisclosureSettings()).published


def test_published_tables_carry_no_reason_column() -> None:
    """Every table as written to published/ has `suppressed` and no column that says why."""
    for name, frame in _published().items():
        written = for_publication(frame)
        assert "suppressed" in written.columns, name
        assert not {"reason", "n_reason", "p_reason", "base_reason", "count_reason"} & set(written.columns), (
            name
        )
        assert written.height == frame.height


def test_reasons_stay_in_an_internal_table_with_every_suppressed_cell() -> None:
    """The internal table lists each suppressed published row once, keyed, with its reason."""
    published = _published()
    reasons = suppression_reasons(published)
    suppressed = sum(int(f["suppressed"].sum()) for n, f in published.items() if n in TABLE_KEYS)
    assert reasons.height == suppressed > 0
    assert set(reasons["reason"]) <= {"min_group", "min_cell", "secondary"}
    cell = reasons.filter(pl.col("cell").str.starts_with("ind_a |")).row(0, named=True)
    assert (cell["table"], cell["reason"]) == ("published_estimates", "min_cell")


def test_the_internal_table_lives_outside_the_published_zone(tmp_path) -> None:
    """disclosure/ is its own zone: the reports and services roles read published/, never disclosure/."""
    layout = RcsHome(tmp_path)
    path = layout.table("disclosure", "suppression_reasons", "2015-16", "S12000005")
    assert path.is_relative_to(tmp_path / "disclosure") and not path.is_relative_to(tmp_path / "published")


def _area_tables(rates: list[tuple[str, int | None, bool]]) -> PublishedTables:
    """A council of schools S1 (a published estimate), S2 and S3 (every estimate withheld), rows of rates."""
    est = pl.DataFrame(
        [
            ("ind_a", "school", "S1", "all", "all", "percent", 30, 40.0, False),
            ("ind_a", "school", "S2", "all", "all", "percent", None, None, True),
            ("ind_a", "school", "S3", "all", "all", "percent", None, None, True),
        ],
        schema=[
            "indicator_id",
            "geography_level",
            "geography_code",
            "breakdown",
            "breakdown_value",
            "unit",
            "n",
            "value",
            "suppressed",
        ],
        orient="row",
    ).with_columns(ci_low=pl.col("value"), ci_high=pl.col("value"), reliability=pl.lit(None, pl.String))
    response = pl.DataFrame(
        [("school", code, "all", "all", "all", 60, n, n is None) for code, n, _ in rates],
        schema=[
            "geography_level",
            "geography_code",
            "instrument",
            "stage",
            "sex",
            "roll",
            "respondents",
            "suppressed",
        ],
        orient="row",
    ).with_columns(response_rate=pl.col("respondents") / pl.col("roll") * 100)
    schools = pl.DataFrame(
        [(c, f"School {c}", "primary", "A1", "Cluster A1") for c in ("S1", "S2", "S3")],
        schema=["seed_code", "school_name", "sector", "asg_code", "asg_name"],
        orient="row",
    )
    return PublishedTables(
        wave="2015-16",
        la_code=COUNCIL,
        estimates=est,
        three_circles=empty(THREE_CIRCLES_SCHEMA),
        linkage_quality=empty(LINKAGE_QUALITY_SCHEMA),
        response_rates=response,
        schools=schools,
    ).conformed()


def test_areas_without_a_report_all_get_one_reason_that_no_count_decides() -> None:
    """Issue 21: the list of areas without a report named per-area reasons ("no pupils answered", "fewer than
    20 answered", "no figure could be published"), telling a reader which withheld counts were small. Now an
    area has a report exactly when one of its estimates is published, and every other area has one reason:
    S2 with no response row (nobody answered) and S3 with withheld respondents read the same."""
    outcomes = {o.code: o for o in plan_areas(_area_tables([("S1", 30, False), ("S3", None, True)]), 20)}
    assert outcomes["S1"].produced and not outcomes["S2"].produced and not outcomes["S3"].produced
    assert outcomes["S2"].reason == outcomes["S3"].reason
    assert outcomes["A1"].reason == outcomes["S2"].reason  # the cluster has no published estimate either
    again = {o.code: o for o in plan_areas(_area_tables([("S1", 30, False), ("S2", None, True)]), 20)}
    assert [(o.produced, o.reason) for o in again.values()] == [
        (o.produced, o.reason) for o in outcomes.values()
    ]
