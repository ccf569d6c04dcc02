"""Pipeline: the disclosure multi-asset in a real Dagster run over upstream files written in a tmp RCS_HOME.

The upstream tables are the seeded random council of synthetic_wave (docs/tables.md schemas), so the run
stays small (the whole tiny wave runs through the graph in tests/pipeline).
"""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest

from assets.defs.disclosure.assets import publish_council_tables
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.disclosure.scope import estimates_in_scope
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage import write_parquet_atomic
from tests.conftest import TINY_WAVE
from tests.disclosure.handmade import COUNCIL
from tests.disclosure.synthetic_wave import seeded_council

pytestmark = pytest.mark.xdist_group("disclosure_pipeline")
PUBLISHED = [
    "published_estimates",
    "published_three_circles",
    "published_response_rates",
    "published_linkage_quality",
]


@pytest.fixture
def run(tmp_path, dagster_instance):
    """Write the upstream files, materialise the disclosure tables, return (home, result)."""
    home = RcsHome(tmp_path / "home")
    tables, schools = seeded_council(7, clusters=3, schools_per_cluster=4)
    lq = pl.DataFrame(
        {
            "instrument": ["secondary"] * 4,
            "breakdown": ["all"] * 4,
            "breakdown_value": ["all"] * 4,
            "measure": ["respondents", "linked", "linked_exact", "linked_probabilistic"],
            "count": [200, 195, 150, 45],
        }
    )
    for name, zone, frame in (
        ("estimates", "analysis", tables.estimates),
        ("three_circles", "analysis", tables.three_circles),
        ("response_rates", "analysis", tables.response_rates),
        ("linkage_quality", "linkage", lq),
        ("schools", "landing", schools),
    ):
        write_parquet_atomic(frame, home.table(zone, name, TINY_WAVE, COUNCIL))
    result = dg.materialize(
        [publish_council_tables],
        partition_key=partition_key(TINY_WAVE, COUNCIL),
        resources={"settings": RcsSettings(home=str(home.root))},
        instance=dagster_instance,
    )
    return home, tables, result


def test_published_tables_written_and_blocking_audits_pass(run):
    home, tables, result = run
    assert result.success
    checks = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert set(checks) == {f"{name}_audit" for name in PUBLISHED}
    for evaluation in checks.values():
        assert evaluation.passed
        assert evaluation.metadata["failures"].value == 0
        assert evaluation.metadata["primary_rule_breaches"].value == 0
        assert evaluation.metadata["cells_checked"].value > 0
    published = pl.read_parquet(home.table("published", "published_estimates", TINY_WAVE, COUNCIL))
    assert published.height == estimates_in_scope(tables.estimates).height  # every published row, no more
    lq = pl.read_parquet(home.table("published", "published_linkage_quality", TINY_WAVE, COUNCIL))
    # 5 unlinked children (respondents − linked): linked is min_cell; one more measure must go with it.
    assert (
        "reason" not in lq.columns and "reason" not in published.columns
    )  # only [c]: the reason is internal
    reasons = pl.read_parquet(home.table("disclosure", "suppression_reasons", TINY_WAVE, COUNCIL))
    linked = reasons.filter(
        pl.col("table") == "published_linkage_quality", pl.col("cell").str.ends_with("| linked")
    )
    assert linked["reason"].to_list() == ["min_cell"]
    assert lq["suppressed"].sum() >= 2


def test_suppression_shares_per_geography_level_in_metadata(run):
    _, _, result = run
    metadata = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.get_asset_materialization_events()
        and [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    }
    shares = metadata["published_estimates"]["suppressed_share_by_level"].value
    assert set(shares) == {"council", "cluster", "school"}
    assert all(0.0 <= share <= 1.0 for share in shares.values())
    assert metadata["published_estimates"]["min_group"].value == 20
    settings = metadata["disclosure_settings"]
    assert settings["dagster/row_count"].value == 1
