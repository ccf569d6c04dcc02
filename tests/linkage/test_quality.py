"""GUILD tables on the hand-made council: counts worked out by hand."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, linked_dataset
from rcs_pipeline.linkage.matching import build_link_map
from rcs_pipeline.linkage.quality import linkage_comparison, linkage_quality, quality_summary
from rcs_pipeline.separation import separate
from tests.linkage.handmade import ADMIN, SURVEY

KEY = bytes(range(32))


def _inputs() -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Link map and content tables of the hand-made council."""
    admin_ids, admin_content = separate(ADMIN, "admin_extract")
    survey_ids, survey_content = separate(SURVEY, "secondary_survey")
    mapping = build_link_map({"admin_extract": admin_ids, "secondary_survey": survey_ids}, KEY, 0.95)
    return mapping, {"admin_extract": admin_content, "secondary_survey": survey_content}


def _counts(table: pl.DataFrame, instrument: str, breakdown: str, value: str) -> dict[str, int]:
    """Measure → count of one breakdown value."""
    rows = table.filter(
        pl.col("instrument") == instrument,
        pl.col("breakdown") == breakdown,
        pl.col("breakdown_value") == value,
    )
    return dict(rows.select("measure", "count").rows())


def test_survey_side_counts_add_up_as_worked_out() -> None:
    table = linkage_quality(*_inputs())
    overall = _counts(table, "secondary", "all", "all")
    assert overall == {
        "respondents": 6,
        "linked": 4,
        "linked_exact": 2,
        "linked_probabilistic": 2,
        "unlinked_no_reference": 0,
        "unlinked_reference_not_in_extract": 1,
        "unlinked_below_threshold": 0,
        "duplicate": 1,
    }
    # Boys: r1 (exact), r2 (probabilistic), r5 (duplicate).
    boys = _counts(table, "secondary", "sex", "M")
    assert (boys["respondents"], boys["linked"], boys["duplicate"]) == (3, 2, 1)


def test_admin_side_counts_by_council_fields() -> None:
    table = linkage_quality(*_inputs())
    assert _counts(table, "any", "all", "all") == {"admin_records": 5, "admin_linked": 4}
    # A5 (SIMD decile 10 -> quintile 5) answered no survey; A4 (decile 9) linked probabilistically.
    assert _counts(table, "any", "simd_quintile", "5") == {"admin_records": 2, "admin_linked": 1}
    assert _counts(table, "any", "any_asn", "Y") == {"admin_records": 2, "admin_linked": 1}
    assert _counts(table, "any", "looked_after_home", "unknown") == {"admin_records": 1, "admin_linked": 1}


def test_table_schema_sort_and_summary() -> None:
    table = linkage_quality(*_inputs())
    assert table.schema == pl.Schema(
        {
            "instrument": pl.String,
            "breakdown": pl.String,
            "breakdown_value": pl.String,
            "measure": pl.String,
            "count": pl.Int64,
        }
    )
    assert quality_summary(table)["secondary/link_rate"] == round(4 / 6, 4)


def test_comparison_means_life_satisfaction_of_linked_and_unlinked() -> None:
    mapping, content = _inputs()
    linked = linked_dataset(mapping, content, PUPIL_SURVEYS, "2015-16", "S12000005")
    extra = {c: pl.lit(None, pl.Int16) for c in [f"sdq_{i:02d}" for i in range(2, 26)] + ["general_health"]}
    extra |= {
        f"sdq_impact_{k}": pl.lit(None, pl.Int16)
        for k in ("any", "distress", "home", "friends", "classroom", "leisure")
    }
    table = linkage_comparison(
        linked.with_columns(**extra).with_columns(pl.lit("primary").alias("instrument"))
    )
    life = dict(table.filter(pl.col("measure") == "life_satisfaction").select("group", "mean").rows())
    # Linked r1, r2, r3, r4: codes 8, 6, 11, 5 -> 7, 5, 10, 4 -> 6.5. Unlinked r6: 3 -> 2.
    assert life == {"linked": 6.5, "unlinked": 2.0}
