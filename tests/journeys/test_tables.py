"""Journey tables and their disclosure control on hand-made frames with hand-worked answers."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.disclosure.settings import DisclosureSettings
from rcs_pipeline.journeys.longitudinal import LONGITUDINAL_COLUMNS, longitudinal_table
from rcs_pipeline.journeys.protect import audit_journeys, build_system, primary_mask, protect_journeys
from rcs_pipeline.journeys.tables import journey_tables, pupil_ref_stable, wilson

EARLY, LATER = "2015-16", "2017-18"


def _measures(rows: list[tuple]) -> pl.DataFrame:
    """(link_id, wave, stage, need_any, service_any, wemwbs) → a measures frame with the other columns filled."""
    frame = pl.DataFrame(
        rows, schema=["link_id", "wave", "stage", "need_any", "service_any", "wemwbs"], orient="row"
    )
    return frame.with_columns(
        instrument=pl.when(pl.col("stage").str.starts_with("S"))
        .then(pl.lit("secondary"))
        .otherwise(pl.lit("primary")),
        sex=pl.lit("F"),
        simd_quintile=pl.lit(1, pl.Int8),
        service_social_work=pl.lit(False),
        service_asl=pl.col("service_any"),
        sdq_total=pl.lit(10),
    ).select(LONGITUDINAL_COLUMNS)


def test_wilson_interval_hand_worked() -> None:
    """5 of 10: centre 0.5, half-width 1.96·sqrt(0.025 + 0.0096)/1.384 = 0.2634."""
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 0) == (None, None)


def test_longitudinal_table_keeps_children_of_this_wave_seen_earlier() -> None:
    """a: both waves (2 rows); b: only the earlier wave; c: only this wave; d: a later wave only → a's rows."""
    early = _measures([("a", EARLY, "S1", True, False, 40), ("b", EARLY, "S2", False, False, 50)])
    later = _measures([("a", LATER, "S3", False, True, 44), ("c", LATER, "S4", True, True, 30)])
    latest = _measures([("d", "2019-20", "S4", True, True, 30), ("a", "2019-20", "S4", True, True, 30)])
    table = longitudinal_table([early, later, latest], LATER)
    assert table.select("link_id", "wave").rows() == [("a", EARLY), ("a", LATER)]
    assert longitudinal_table([early], EARLY).height == 0


def _scores(measures: pl.DataFrame, unlinked: int = 0) -> pl.DataFrame:
    """A pupil_scores-like frame: the measures plus `unlinked` respondents without a link id (stage S3)."""
    extra = (
        measures.head(0).vstack(_measures([(None, measures["wave"][0], "S3", False, False, 45)] * unlinked))
        if unlinked
        else measures.head(0)
    )
    return pl.concat([measures, extra])


def test_journey_tables_hand_worked() -> None:
    """Four children followed S1→S3: two with need and no service (one gains a service and loses the need),
    one with a service already, one without need; one S1 pupil was not linked in 2017-18 (eligible, not followed)."""
    early = _measures([
        ("a", EARLY, "S1", True, False, 40), ("b", EARLY, "S1", True, False, 42),
        ("c", EARLY, "S1", False, True, 50), ("d", EARLY, "S1", False, False, 52),
    ])  # fmt: skip
    later = _measures([
        ("a", LATER, "S3", False, True, 46), ("b", LATER, "S3", True, False, 40),
        ("c", LATER, "S3", False, True, 50), ("d", LATER, "S3", False, False, 50),
    ])  # fmt: skip
    table = journey_tables(
        longitudinal_table([early, later], LATER), {EARLY: early, LATER: _scores(later, 1)}, LATER
    )

    def row(table_name: str, **keys: str) -> dict:
        found = table.filter(pl.col("journey_table") == table_name)
        for column, value in keys.items():
            found = found.filter(pl.col(column) == value)
        return found.row(0, named=True)

    uptake = row("service_uptake", measure="service_any")
    assert (uptake["n"], uptake["count"], uptake["estimate"]) == (2, 1, 0.5)
    received = [
        row("need_after_service", breakdown_value="received_service", outcome=o) for o in ("before", "after")
    ]
    assert [(r["n"], r["count"]) for r in received] == [(1, 1), (1, 0)]
    within = row("wellbeing_change", measure="wemwbs", outcome="within_child")
    assert within["n"] == 4 and within["estimate"] == pytest.approx((6 - 2 + 0 - 2) / 4)
    cross = row("wellbeing_change", measure="wemwbs", outcome="cross_sectional")
    assert cross["estimate"] == pytest.approx((46 + 40 + 50 + 50 + 45) / 5 - (40 + 42 + 50 + 52) / 4)
    link = row("link_rate", breakdown="all")
    assert (link["n"], link["count"]) == (5, 4)


def test_pupil_ref_unstable_when_transfers_do_not_link() -> None:
    """Transfers linking at under half the rate of the rest: unstable; too few to judge: None."""
    base = pl.DataFrame({
        "transition": ["primary_to_secondary"] * 10 + ["same_sector"] * 10,
        "followed": [False] * 8 + [True] * 2 + [True] * 9 + [False],
    })  # fmt: skip
    assert pupil_ref_stable(base) is False
    assert pupil_ref_stable(base.with_columns(pl.lit(True).alias("followed"))) is True
    assert pupil_ref_stable(base.head(12)) is None


def _link_rate_table(counts: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """A link-rate table: overall plus a sex breakdown from (n, count) per group."""
    rows = [("all", "all", sum(n for n, _ in counts.values()), sum(c for _, c in counts.values()))]
    rows += [("sex", value, n, c) for value, (n, c) in counts.items()]
    return pl.DataFrame(
        [
            {"journey_table": "link_rate", "from_wave": EARLY, "to_wave": LATER, "measure": "followed_up",
             "outcome": "linked_both_waves", "breakdown": b, "breakdown_value": v, "unit": "percent", "n": n,
             "count": c, "estimate": c / n, "ci_low": None, "ci_high": None, "reference_n": None,
             "reference_estimate": None, "pupil_ref_stable": True}
            for b, v, n, c in rows
        ],
        schema_overrides={"ci_low": pl.Float64, "ci_high": pl.Float64, "reference_n": pl.Int64,
                          "reference_estimate": pl.Float64, "pupil_ref_stable": pl.Boolean},
    )  # fmt: skip


def test_small_group_is_withheld_with_a_partner_and_the_audit_passes() -> None:
    """X has 7 children (< min_group 20): hidden; F or M must go too or X = all − F − M."""
    table = _link_rate_table({"F": (60, 50), "M": (55, 45), "X": (7, 6)})
    settings = DisclosureSettings()
    built = build_system(table)
    assert primary_mask(built, settings).sum() == 2  # X's n and count
    published, audit = protect_journeys(table, settings)
    assert audit.passed
    hidden = published.filter(pl.col("suppressed"))["breakdown_value"].to_list()
    assert "X" in hidden and len(hidden) >= 2
    assert published.filter(pl.col("breakdown_value") == "X")["n"].item() is None


def test_audit_fails_when_a_withheld_group_can_be_worked_out() -> None:
    """Negative control: X withheld alone while all, F and M are shown → X = all − F − M, the audit fails."""
    table = _link_rate_table({"F": (60, 50), "M": (55, 45), "X": (7, 6)})
    published, _ = protect_journeys(table, DisclosureSettings())
    leaky = published.with_columns(
        n=pl.when(pl.col("breakdown_value") == "X").then(None).otherwise(table["n"]),
        count=pl.when(pl.col("breakdown_value") == "X").then(None).otherwise(table["count"]),
    )
    assert not audit_journeys(table, leaky, DisclosureSettings()).passed
