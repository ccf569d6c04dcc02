"""published_comparisons on hand-made frames: a comparison is published only when every figure it rests on is."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.disclosure.comparisons import (
    COMPARISON_SCHEMA,
    NOT_PUBLISHED,
    PUBLISHED_COMPARISON_SCHEMA,
    publish_comparisons,
)
from rcs_pipeline.schemas import schema

LA = "S12000005"
SCHOOL_A, SCHOOL_B = "5500001", "5500002"


def published_row(
    level: str,
    code: str,
    breakdown: str,
    value: str,
    shown_value: float | None,
    n: int | None,
    indicator: str = "ind_x",
    unit: str = "percent",
) -> dict:
    """One published_estimates row; `shown_value` None means suppressed."""
    hidden = shown_value is None
    return {
        "indicator_id": indicator,
        "geography_level": level,
        "geography_code": code,
        "breakdown": breakdown,
        "breakdown_value": value,
        "unit": unit,
        "value": shown_value,
        "ci_low": None if hidden else shown_value - 5,
        "ci_high": None if hidden else shown_value + 5,
        "suppressed": hidden,
        "reason": "secondary" if hidden else None,
    }


def published(rows: list[dict]) -> pl.DataFrame:
    """A published_estimates frame."""
    return pl.DataFrame(
        rows,
        schema=schema("published_estimates"),
    )


def comparison(
    kind: str,
    level: str,
    code: str,
    breakdown: str,
    value: str,
    reference: str,
    estimate: float,
    reference_estimate: float,
    *,
    p_adjusted: float = 0.01234,
    direction: str | None = None,
    indicator: str = "ind_x",
    family: str = "f",
) -> dict:
    """One analysis/comparisons row with planted precise values (SE 0.0123, df 77, p 0.00456)."""
    diff = estimate - reference_estimate
    return {
        "indicator_id": indicator,
        "family": family,
        "comparison": kind,
        "geography_level": level,
        "geography_code": code,
        "breakdown": breakdown,
        "breakdown_value": value,
        "reference": reference,
        "n": 111,
        "estimate": estimate,
        "reference_n": 222,
        "reference_estimate": reference_estimate,
        "difference": diff,
        "se": 0.0123,
        "df": 77,
        "p_value": 0.00456,
        "p_adjusted": p_adjusted,
        "direction": direction or ("higher" if diff > 0 else "lower"),
        "test_status": None,
    }


def comparisons(rows: list[dict]) -> pl.DataFrame:
    """An analysis/comparisons frame."""
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)


COUNCIL_ROWS = [
    published_row("council", LA, "all", "all", 40.0, 500),
    published_row("council", LA, "sex", "F", 46.0, 260),
    published_row("council", LA, "sex", "M", 34.0, 240),
    *[published_row("council", LA, "simd_quintile", q, 30.0 + int(q), 100) for q in "12345"],
    published_row("school", SCHOOL_A, "all", "all", 52.0, 120),
    published_row("school", SCHOOL_B, "all", "all", None, 30),
]


def by_key(frame: pl.DataFrame) -> dict[tuple[str, str, str, str], dict]:
    """Rows by (comparison, geography_code, breakdown_value, reference)."""
    return {
        (r["comparison"], r["geography_code"], r["breakdown_value"], r["reference"]): r
        for r in frame.iter_rows(named=True)
    }


def test_a_school_against_the_rest_of_its_council_is_published_in_display_units_without_the_rest_base():
    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council",
                "school",
                SCHOOL_A,
                "all",
                "all",
                "rest_of_council",
                0.5194,
                0.3726,
                p_adjusted=0.01234,
            )
        ]
    )
    out = publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA)
    row = out.row(0, named=True)
    # The first side is the published estimate; the rest of the council is rounded as published values are.
    assert (row["unit"], row["estimate"], row["reference_estimate"]) == ("percent", 52.0, 37.0)
    assert (row["difference"], row["p_adjusted"]) == (15.0, 0.012)
    assert "n" not in row and "reference_n" not in row  # no base is published (disclosure.md §4)
    assert (row["direction"], row["test_status"], row["suppressed"]) == ("higher", None, False)


def test_published_columns_carry_no_standard_error_degrees_of_freedom_or_unadjusted_p():
    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_A, "all", "all", "rest_of_council", 0.5194, 0.3726
            )
        ]
    )
    out = publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA)
    assert out.schema == pl.Schema(PUBLISHED_COMPARISON_SCHEMA)
    assert not {"se", "df", "p_value"} & set(out.columns)


@pytest.mark.parametrize("hidden", ["part", "whole"])
def test_a_withheld_part_or_whole_withholds_the_rest_of_council_comparison(hidden):
    rows = [r for r in COUNCIL_ROWS]
    if hidden == "part":
        rows = [r for r in rows if r["geography_code"] != SCHOOL_A] + [
            published_row("school", SCHOOL_A, "all", "all", None, 120)
        ]
    else:
        rows = [r for r in rows if not (r["geography_level"] == "council" and r["breakdown"] == "all")] + [
            published_row("council", LA, "all", "all", None, 500)
        ]
    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_A, "all", "all", "rest_of_council", 0.5194, 0.3726
            )
        ]
    )
    row = publish_comparisons(comps, published(rows), published([]), {}, LA).row(0, named=True)
    assert row["suppressed"] is True
    assert all(
        row[c] is None
        for c in (
            "unit",
            "estimate",
            "reference_estimate",
            "difference",
            "p_adjusted",
            "direction",
            "test_status",
        )
    )


def test_girls_against_boys_rests_on_both_groups():
    comps = comparisons([comparison("group_vs_group", "council", LA, "sex", "F", "M", 0.4612, 0.3388)])
    row = publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA).row(0, named=True)
    assert (row["estimate"], row["reference_estimate"]) == (46.0, 34.0)
    boys_hidden = [r for r in COUNCIL_ROWS if r["breakdown_value"] != "M"] + [
        published_row("council", LA, "sex", "M", None, 240)
    ]
    row = publish_comparisons(comps, published(boys_hidden), published([]), {}, LA).row(0, named=True)
    assert row["suppressed"] and row["direction"] is None and row["estimate"] is None


def test_a_group_against_the_rest_needs_every_group_of_its_breakdown():
    comps = comparisons(
        [comparison("group_vs_rest", "council", LA, "simd_quintile", "1", "rest", 0.31, 0.335)]
    )
    out = by_key(publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA))
    row = out[("group_vs_rest", LA, "1", "rest")]
    assert (row["suppressed"], row["estimate"], row["reference_estimate"]) == (False, 31.0, 34.0)
    # SIMD 1 itself is shown, but quintile 3 (part of the rest) is withheld: the rest is not published.
    rows = [r for r in COUNCIL_ROWS if r["breakdown_value"] != "3"] + [
        published_row("council", LA, "simd_quintile", "3", None, 100)
    ]
    row = publish_comparisons(comps, published(rows), published([]), {}, LA).row(0, named=True)
    assert row["suppressed"] and row["reference_estimate"] is None


def test_council_against_the_rest_of_the_wave_needs_the_published_comparator():
    comps = comparisons(
        [comparison("council_vs_rest_of_wave", "council", LA, "all", "all", "rest_of_wave", 0.40, 0.452)]
    )
    shown = published([published_row("all_councils", "all", "all", "all", 44.0, 3000)])
    hidden = published([published_row("all_councils", "all", "all", "all", None, 3000)])
    row = publish_comparisons(comps, published(COUNCIL_ROWS), shown, {}, LA).row(0, named=True)
    assert (row["suppressed"], row["estimate"], row["reference_estimate"]) == (False, 40.0, 45.0)
    assert publish_comparisons(comps, published(COUNCIL_ROWS), hidden, {}, LA)["suppressed"].to_list() == [
        True
    ]
    # No comparator at all (a one-council wave publishes none): not published, and not marked confidential.
    row = publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA).row(0, named=True)
    assert (row["suppressed"], row["test_status"], row["direction"]) == (False, NOT_PUBLISHED, None)


def test_a_change_over_time_rests_on_the_earlier_waves_published_figure():
    comps = comparisons(
        [
            comparison("wave_vs_wave", "council", LA, "all", "all", "2013-14", 0.40, 0.30),
            comparison(
                "wave_vs_wave",
                "council",
                LA,
                "all",
                "all",
                "2012-13",
                0.40,
                0.35,
                direction="no clear difference",
                p_adjusted=0.2,
            ),
        ]
    )
    earlier = {
        "2013-14": published([published_row("council", LA, "all", "all", 30.0, 480)]),
        "2012-13": published([published_row("council", LA, "all", "all", None, 470)]),
    }
    out = by_key(publish_comparisons(comps, published(COUNCIL_ROWS), published([]), earlier, LA))
    later = out[("wave_vs_wave", LA, "all", "2013-14")]
    assert (later["estimate"], later["reference_estimate"], later["direction"]) == (40.0, 30.0, "higher")
    assert out[("wave_vs_wave", LA, "all", "2012-13")]["suppressed"] is True


def test_a_figure_outside_the_published_tables_gives_not_published_not_confidential():
    comps = comparisons(
        [comparison("group_vs_group", "cluster", "5501", "simd_quintile", "1", "5", 0.3, 0.2)]
    )
    row = publish_comparisons(comps, published(COUNCIL_ROWS), published([]), {}, LA).row(0, named=True)
    assert (row["suppressed"], row["test_status"], row["estimate"]) == (False, NOT_PUBLISHED, None)


def test_an_untested_comparison_keeps_its_status_and_states_no_direction():
    row = comparison("group_vs_group", "council", LA, "sex", "F", "M", 0.46, 0.34)
    row |= {"direction": None, "p_value": None, "p_adjusted": None, "test_status": "no_variance"}
    out = publish_comparisons(comparisons([row]), published(COUNCIL_ROWS), published([]), {}, LA)
    assert out.select("suppressed", "direction", "test_status", "estimate").row(0) == (
        False,
        None,
        "no_variance",
        46.0,
    )


def test_means_print_to_one_decimal_place():
    rows = [
        published_row("council", LA, "all", "all", 48.2, 500, "wem", "mean"),
        published_row("school", SCHOOL_A, "all", "all", 50.1, 120, "wem", "mean"),
    ]
    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council",
                "school",
                SCHOOL_A,
                "all",
                "all",
                "rest_of_council",
                50.12,
                47.649,
                indicator="wem",
            )
        ]
    )
    row = publish_comparisons(comps, published(rows), published([]), {}, LA).row(0, named=True)
    assert (row["unit"], row["estimate"], row["reference_estimate"], row["difference"]) == (
        "mean",
        50.1,
        47.6,
        2.5,
    )


def test_published_estimates_carry_low_reliability_for_shown_values_only():
    """The estimates' `reliability` flag reaches published_estimates (reports print [u]); a withheld row has none."""
    from rcs_pipeline.disclosure import DisclosureSettings, protect_council
    from tests.disclosure.handmade import COUNCIL, council_tables, estimate_rows, schools

    shown = estimate_rows([("council", COUNCIL, "all", 40, 25)], indicator="ind_b")
    hidden = estimate_rows([("council", COUNCIL, "all", 40, 5)], indicator="ind_a")
    est = pl.concat([shown, hidden]).with_columns(reliability=pl.lit("low"))
    out = protect_council(council_tables(est), schools({}), COUNCIL, DisclosureSettings()).published
    rows = {r["indicator_id"]: r for r in out["published_estimates"].iter_rows(named=True)}
    assert (rows["ind_b"]["suppressed"], rows["ind_b"]["reliability"]) == (False, "low")
    assert (rows["ind_a"]["suppressed"], rows["ind_a"]["reliability"]) == (True, None)
    without = protect_council(council_tables(shown), schools({}), COUNCIL, DisclosureSettings()).published
    assert without["published_estimates"]["reliability"].to_list() == [None]


def test_the_asset_publishes_a_councils_comparisons_beside_its_published_estimates(
    tmp_path, dagster_instance
):
    """Through Dagster: analysis/comparisons and the published figures in, published_comparisons out, with the
    earlier wave's published estimates read for a change over time."""
    import dagster as dg

    from assets.defs.disclosure.comparisons import published_comparisons
    from assets.partitions import partition_key
    from assets.resources import RcsSettings
    from rcs_pipeline.paths import RcsHome
    from rcs_pipeline.storage import write_parquet_atomic

    home, wave = RcsHome(tmp_path / "home"), "2015-16"
    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_A, "all", "all", "rest_of_council", 0.5194, 0.3726
            ),
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_B, "all", "all", "rest_of_council", 0.2, 0.41
            ),
            comparison("wave_vs_wave", "council", LA, "all", "all", "2013-14", 0.40, 0.30),
        ]
    )
    write_parquet_atomic(comps, home.table("analysis", "comparisons", wave, LA))
    write_parquet_atomic(published(COUNCIL_ROWS), home.table("published", "published_estimates", wave, LA))
    write_parquet_atomic(
        published([published_row("council", LA, "all", "all", 30.0, 480)]),
        home.table("published", "published_estimates", "2013-14", LA),
    )
    result = dg.materialize(
        [published_comparisons],
        partition_key=partition_key(wave, LA),
        resources={"settings": RcsSettings(home=str(home.root))},
        instance=dagster_instance,
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [
        ("published_comparisons_rests_on_published_figures", True)
    ]
    out = by_key(pl.read_parquet(home.table("published", "published_comparisons", wave, LA)))
    assert out[("area_vs_rest_of_council", SCHOOL_A, "all", "rest_of_council")]["direction"] == "higher"
    assert out[("area_vs_rest_of_council", SCHOOL_B, "all", "rest_of_council")]["suppressed"] is True
    assert out[("wave_vs_wave", LA, "all", "2013-14")]["reference_estimate"] == 30.0
    meta = result.get_asset_materialization_events()[0].step_materialization_data.materialization.metadata
    assert (meta["rows_withheld"].value, meta["rows_stating_a_difference"].value) == (1, 2)


def test_each_sides_reliability_is_carried_except_for_a_rest_side():
    rows = [{**r, "reliability": "low" if r["breakdown_value"] == "M" else None} for r in COUNCIL_ROWS]
    comps = comparisons(
        [
            comparison("group_vs_group", "council", LA, "sex", "F", "M", 0.46, 0.34),
            comparison("group_vs_rest", "council", LA, "simd_quintile", "1", "rest", 0.31, 0.335),
        ]
    )
    out = by_key(
        publish_comparisons(
            comps,
            published(rows).with_columns(reliability=pl.Series([r["reliability"] for r in rows])),
            published([]),
            {},
            LA,
        )
    )
    assert (
        out[("group_vs_group", LA, "F", "M")]["reliability"],
        out[("group_vs_group", LA, "F", "M")]["reference_reliability"],
    ) == (None, "low")
    assert out[("group_vs_rest", LA, "1", "rest")]["reference_reliability"] is None


def test_the_independent_check_passes_the_rule_and_names_each_kind_of_breach():
    """rule_breaches re-checks a written table row by row: clean output passes; each tampering is named."""
    from rcs_pipeline.disclosure.comparisons import rule_breaches

    comps = comparisons(
        [
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_A, "all", "all", "rest_of_council", 0.52, 0.37
            ),
            comparison(
                "area_vs_rest_of_council", "school", SCHOOL_B, "all", "all", "rest_of_council", 0.2, 0.41
            ),
            comparison("group_vs_group", "council", LA, "sex", "F", "M", 0.46, 0.34),
            comparison("group_vs_rest", "council", LA, "simd_quintile", "1", "rest", 0.31, 0.335),
        ]
    )
    est = published(COUNCIL_ROWS)
    out = publish_comparisons(comps, est, published([]), {}, LA)
    assert rule_breaches(out, est, published([]), {}, LA) == []
    school_b = (pl.col("geography_code") == SCHOOL_B) & (pl.col("comparison") == "area_vs_rest_of_council")
    unwithheld = out.with_columns(
        suppressed=pl.when(school_b).then(False).otherwise(pl.col("suppressed")),
        estimate=pl.when(school_b).then(20.0).otherwise(pl.col("estimate")),
    )
    leaked = out.with_columns(estimate=pl.when(school_b).then(20.0).otherwise(pl.col("estimate")))
    wrong = out.with_columns(
        estimate=pl.when(pl.col("breakdown_value") == "F").then(47.0).otherwise(pl.col("estimate"))
    )
    base = out.with_columns(
        reference_n=pl.when(pl.col("comparison") == "group_vs_rest").then(400).otherwise(None)
    )
    found = {
        name: rule_breaches(frame, est, published([]), {}, LA)
        for name, frame in {"unwithheld": unwithheld, "leaked": leaked, "wrong": wrong, "base": base}.items()
    }
    assert found == {
        "unwithheld": [
            f"f|ind_x|area_vs_rest_of_council|school|{SCHOOL_B}|all|all|rest_of_council: rests on a "
            "figure that is not published"
        ],
        "leaked": [
            f"f|ind_x|area_vs_rest_of_council|school|{SCHOOL_B}|all|all|rest_of_council: withheld but "
            "carries a value"
        ],
        "wrong": [f"f|ind_x|group_vs_group|council|{LA}|sex|F|M: first side is not its published value"],
        "base": [f"f|ind_x|group_vs_rest|council|{LA}|simd_quintile|1|rest: publishes a base"],
    }
