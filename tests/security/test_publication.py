"""Finding 4: no published column says why a cell was withheld; every suppressed cell is only [c].

The reason (primary `min_group` / `min_cell` or `secondary`) tells an attacker on which side of min_cell a
count lies; it stays in the internal `disclosure/suppression_reasons` table for the data team.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from rcs_pipeline.disclosure.publish import TABLE_KEYS, for_publication, suppression_reasons
from rcs_pipeline.paths import RcsHome
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
