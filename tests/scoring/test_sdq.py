"""SDQ scoring against hand-worked answers: reversed items, prorating, totals, impact, every band edge."""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.scoring import score_sdq
from rcs_pipeline.scoring.reference import sdq_bands

IMPACT = ("distress", "home", "friends", "classroom", "leisure")


def sdq_frame(rows: list[dict[str, int | None]], prefix: str = "sdq_", fill: int | None = 1) -> pl.DataFrame:
    """One row per dict: every item `fill` (1 = not true) unless given; impact 'no difficulty'."""
    columns = [f"{prefix}{i:02d}" for i in range(1, 26)]
    columns += [f"{prefix}impact_any"] + [f"{prefix}impact_{n}" for n in IMPACT]
    base = (
        {c: fill for c in columns} | {f"{prefix}impact_any": 1} | {f"{prefix}impact_{n}": -7 for n in IMPACT}
    )
    data = [base | row for row in rows]
    return pl.DataFrame(data, schema={c: pl.Int16 for c in columns})


def test_all_not_true_scores_only_the_reversed_items() -> None:
    # Every item "not true" (code 1): only reversed items score 2.
    # conduct has item 7, hyperactivity 21 and 25, peer 11 and 14; emotional and prosocial none.
    row = score_sdq(sdq_frame([{}])).row(0, named=True)
    assert (row["sdq_emotional"], row["sdq_conduct"], row["sdq_hyperactivity"], row["sdq_peer"]) == (
        0,
        2,
        4,
        4,
    )
    assert row["sdq_prosocial"] == 0
    assert row["sdq_total"] == 10
    assert row["sdq_externalising"] == 6
    assert row["sdq_internalising"] == 4


@pytest.mark.parametrize(
    ("item", "scale", "before", "after"),
    [
        (7, "sdq_conduct", 2, 0),
        (11, "sdq_peer", 4, 2),
        (14, "sdq_peer", 4, 2),
        (21, "sdq_hyperactivity", 4, 2),
        (25, "sdq_hyperactivity", 4, 2),
    ],
)
def test_each_reversed_item_scores_certainly_true_as_zero(
    item: int, scale: str, before: int, after: int
) -> None:
    scored = score_sdq(sdq_frame([{}, {f"sdq_{item:02d}": 3}, {f"sdq_{item:02d}": 2}]))
    assert scored[scale].to_list() == [before, after, before - 1]


@pytest.mark.parametrize(
    ("item", "scale"),
    [
        (3, "sdq_emotional"),
        (5, "sdq_conduct"),
        (2, "sdq_hyperactivity"),
        (6, "sdq_peer"),
        (1, "sdq_prosocial"),
    ],
)
def test_ordinary_items_score_certainly_true_as_two(item: int, scale: str) -> None:
    scored = score_sdq(sdq_frame([{}, {f"sdq_{item:02d}": 3}]))
    assert scored[scale][1] - scored[scale][0] == 2


def test_prorating_four_from_three_items_is_seven() -> None:
    # Emotional items 3, 8, 13, 16, 24: answered 3 (=2), 8 (=2), 13 (=0); 16 and 24 missing -> 5*4/3 = 6.67 -> 7.
    scored = score_sdq(sdq_frame([{"sdq_03": 3, "sdq_08": 3, "sdq_13": 1, "sdq_16": None, "sdq_24": -8}]))
    assert scored["sdq_emotional"][0] == 7


def test_prorating_rounds_half_up() -> None:
    # Emotional from 4 items summing 2 -> 5*2/4 = 2.5 -> 3; summing 6 -> 7.5 -> 8; summing 1 -> 1.25 -> 1.
    rows = [
        {"sdq_03": 3, "sdq_24": None},
        {"sdq_03": 3, "sdq_08": 3, "sdq_13": 3, "sdq_24": None},
        {"sdq_03": 2, "sdq_24": -7},
    ]
    assert score_sdq(sdq_frame(rows))["sdq_emotional"].to_list() == [3, 8, 1]


def test_scale_with_two_items_is_missing_and_so_is_the_total() -> None:
    row = score_sdq(sdq_frame([{"sdq_03": None, "sdq_08": -8, "sdq_13": -7}])).row(0, named=True)
    assert row["sdq_emotional"] is None
    assert row["sdq_total"] is None
    assert row["sdq_internalising"] is None
    assert row["sdq_externalising"] == 6
    assert row["sdq_total_band4"] is None


def test_out_of_range_code_counts_as_missing() -> None:
    scored = score_sdq(sdq_frame([{"sdq_03": 9, "sdq_08": 3}]))
    # 4 answered emotional items summing 2 -> 2.5 -> 3
    assert scored["sdq_emotional"][0] == 3


def test_maximum_total_is_forty() -> None:
    high = {f"sdq_{i:02d}": 3 for i in range(1, 26)} | {f"sdq_{i:02d}": 1 for i in (7, 11, 14, 21, 25)}
    row = score_sdq(sdq_frame([high])).row(0, named=True)
    assert row["sdq_total"] == 40
    assert row["sdq_prosocial"] == 10
    assert row["sdq_total_band4"] == "very_high"
    assert row["sdq_total_band3"] == "abnormal"


def test_impact_zero_when_no_difficulty() -> None:
    assert score_sdq(sdq_frame([{}]))["sdq_impact"][0] == 0


def test_impact_sums_quite_a_lot_and_great_deal() -> None:
    # not at all 0, only a little 0, quite a lot 1, a great deal 2, a great deal 2 -> 5
    row = {"sdq_impact_any": 3} | {f"sdq_impact_{n}": c for n, c in zip(IMPACT, (1, 2, 3, 4, 4), strict=True)}
    scored = score_sdq(sdq_frame([row]))
    assert scored["sdq_impact"][0] == 5
    assert scored["sdq_impact_band4"][0] == "very_high"


def test_impact_maximum_ten_and_missing_item_is_missing() -> None:
    full = {"sdq_impact_any": 4} | {f"sdq_impact_{n}": 4 for n in IMPACT}
    gap = full | {"sdq_impact_home": -9}
    assert score_sdq(sdq_frame([full, gap]))["sdq_impact"].to_list() == [10, None]


def test_parent_version_uses_its_own_prefix_and_cut_offs() -> None:
    # Parent emotional 5 is "high" (5-6), self-report 5 is "slightly raised".
    row = {"sdq_p_03": 3, "sdq_p_08": 3, "sdq_p_13": 2}
    parent = score_sdq(
        sdq_frame([row], prefix="sdq_p_"),
        informant="parent",
        item_prefix="sdq_p_",
        out_prefix="sdq_p_",
        with_impact=False,
    )
    assert parent["sdq_p_emotional"][0] == 5
    assert parent["sdq_p_emotional_band4"][0] == "high"
    assert "sdq_p_impact" not in parent.columns
    self_row = {"sdq_03": 3, "sdq_08": 3, "sdq_13": 2}
    assert score_sdq(sdq_frame([self_row]))["sdq_emotional_band4"][0] == "slightly_raised"


# Published cut-offs typed from the Youthinmind scoring document, independent of sdq_bands.csv:
# (scale, first score of each band in order) for 4-band and 3-band.
SELF_BAND4 = {
    "total": (0, 15, 18, 20),
    "emotional": (0, 5, 6, 7),
    "conduct": (0, 4, 5, 6),
    "hyperactivity": (0, 6, 7, 8),
    "peer": (0, 3, 4, 5),
    "impact": (0, 1, 2, 3),
}
PARENT_BAND4 = {
    "total": (0, 14, 17, 20),
    "emotional": (0, 4, 5, 7),
    "conduct": (0, 3, 4, 6),
    "hyperactivity": (0, 6, 8, 9),
    "peer": (0, 3, 4, 5),
    "impact": (0, 1, 2, 3),
}
SELF_BAND3 = {
    "total": (0, 16, 20),
    "emotional": (0, 6, 7),
    "conduct": (0, 4, 5),
    "hyperactivity": (0, 6, 7),
    "peer": (0, 4, 6),
    "impact": (0, 1, 2),
}
PARENT_BAND3 = {
    "total": (0, 14, 17),
    "emotional": (0, 4, 5),
    "conduct": (0, 3, 4),
    "hyperactivity": (0, 6, 7),
    "peer": (0, 3, 4),
    "impact": (0, 1, 2),
}
BAND4 = ("close_to_average", "slightly_raised", "high", "very_high")
BAND3 = ("normal", "borderline", "abnormal")


def expected_band(score: int, starts: tuple[int, ...], labels: tuple[str, ...]) -> str:
    """The band of `score` given the first score of each band."""
    return [label for start, label in zip(starts, labels, strict=True) if score >= start][-1]


def banded(informant: str, scale: str, scheme: str) -> dict[int, str]:
    """Band of every possible score through the library's band expression."""
    from rcs_pipeline.scoring.sdq import band_expression

    top = 40 if scale == "total" else 10
    frame = pl.DataFrame({"s": list(range(top + 1))}).with_columns(
        band_expression(pl.col("s"), informant, scale, scheme).alias("band")
    )
    return dict(frame.iter_rows())


@pytest.mark.parametrize(
    ("informant", "scheme", "table", "labels"),
    [
        ("self", "band4", SELF_BAND4, BAND4),
        ("parent", "band4", PARENT_BAND4, BAND4),
        ("self", "band3", SELF_BAND3, BAND3),
        ("parent", "band3", PARENT_BAND3, BAND3),
    ],
)
def test_every_band_edge(informant: str, scheme: str, table: dict, labels: tuple[str, ...]) -> None:
    for scale, starts in table.items():
        bands = banded(informant, scale, scheme)
        top = 40 if scale == "total" else 10
        for start in starts[1:]:  # both sides of every edge
            assert bands[start - 1] == expected_band(start - 1, starts, labels), (scale, start - 1)
            assert bands[start] == expected_band(start, starts, labels), (scale, start)
        assert bands[0] == labels[0]
        assert bands[top] == labels[-1]


@pytest.mark.parametrize(
    ("informant", "starts3", "starts4"),
    [("self", (0, 5, 6), (0, 5, 6, 7)), ("parent", (0, 5, 6), (0, 6, 7, 8))],
)
def test_prosocial_bands_run_downwards(informant: str, starts3: tuple, starts4: tuple) -> None:
    # Prosocial is a strength: low scores are the concern. Self 4-band: very low 0-4, low 5, slightly
    # lowered 6, close to average 7-10; parent: 0-5, 6, 7, 8-10. 3-band (both): abnormal 0-4, borderline 5.
    four = banded(informant, "prosocial", "band4")
    labels4 = ("very_low", "low", "slightly_lowered", "close_to_average")
    assert all(four[s] == expected_band(s, starts4, labels4) for s in range(11))
    three = banded(informant, "prosocial", "band3")
    assert all(three[s] == expected_band(s, starts3, ("abnormal", "borderline", "normal")) for s in range(11))


def test_band_table_covers_every_score_exactly_once() -> None:
    bands = sdq_bands()
    for (informant, scale, scheme), group in bands.group_by(["informant", "scale", "scheme"]):
        top = 40 if scale == "total" else 10
        covered = sorted(
            s for low, high in group.select("low", "high").iter_rows() for s in range(low, high + 1)
        )
        assert covered == list(range(top + 1)), (informant, scale, scheme)


def test_every_band_code_has_a_plain_label() -> None:
    from rcs_pipeline.scoring.reference import BAND_LABELS

    assert set(sdq_bands()["band"]) == set(BAND_LABELS)
