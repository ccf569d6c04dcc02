"""Two waves of one tiny council through the whole graph: trends, journeys and the corrections cascade.

The generator follows the same children from 2015-16 to 2017-18 with planted, known changes
(rcs_pipeline/synthetic/waves.yaml); the truth of every change is in synthetic_truth/. One module-scoped
in-process run of both waves is shared by the tests (about three minutes).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.runner import RunOutcome, materialise
from rcs_pipeline.linkage.keys import decode_linkage_key, link_id
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.synthetic.waves import changes_path
from tests.conftest import TINY_SEED

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whole_graph")]

LA = "S12000005"  # the council with the planted rise in feeling safe in the area
EARLY, LATER = "2015-16", "2017-18"


class TwoWaves:
    """The home, the run's outcomes, the linkage key and the Dagster home of the two-wave run."""

    def __init__(self, home: Path, outcomes: list[RunOutcome], key: str) -> None:
        self.home, self.outcomes, self.key = home, outcomes, key
        self.layout = RcsHome(home)
        self.dagster_home = home / "dagster_home"


@pytest.fixture(scope="module")
def two_waves(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWaves]:
    """Generate both waves of one tiny council and materialise the whole graph in process."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("two_waves")
    summary = generate(home, scale="tiny", seed=TINY_SEED, councils=1, waves=[EARLY, LATER])
    assert summary.deliveries == ((EARLY, LA), (LATER, LA))
    key = secrets.token_hex(32)
    names = ("RCS_LINKAGE_KEY", "DAGSTER_HOME", "RCS_CODE_VERSION")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        RCS_LINKAGE_KEY=key, DAGSTER_HOME=str(home / "dagster_home"), RCS_CODE_VERSION="two-waves"
    )
    (home / "dagster_home").mkdir()
    try:
        with dg.DagsterInstance.get() as instance:
            outcomes = materialise(home, summary.deliveries, instance=instance)
        yield TwoWaves(home, outcomes, key)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _table(run: TwoWaves, zone: str, name: str, wave: str = LATER) -> pl.DataFrame:
    return pl.read_parquet(run.layout.table(zone, name, wave, LA))


def _child_of_link(run: TwoWaves, wave: str) -> pl.DataFrame:
    """link_id → child_id of one wave, from the delivered admin extract and the generator's truth (test only)."""
    admin = pl.read_csv(run.layout.delivery(wave, LA) / "admin_extract.csv", infer_schema_length=0)
    secret = decode_linkage_key(run.key)
    links = pl.DataFrame(
        {
            "source_row": range(2, admin.height + 2),
            "link_id": [link_id(r, secret) for r in admin["pupil_ref"]],
        }
    )
    truth = pl.read_parquet(run.home / "synthetic_truth" / wave / f"{LA}.parquet")
    admin_truth = truth.filter(pl.col("dataset") == "admin_extract").select("source_row", "child_id")
    return links.join(admin_truth.with_columns(pl.col("source_row").cast(pl.Int64)), on="source_row")


def test_both_waves_pass_every_gate(two_waves: TwoWaves) -> None:
    """Every asset of both waves materialises and every check passes (journeys audit and fieldwork included)."""
    assert [(o.partition, o.failures) for o in two_waves.outcomes if not o.success] == []
    assert [c for o in two_waves.outcomes for c in o.checks_failed] == []
    for wave in (EARLY, LATER):
        assert (two_waves.layout.reports(wave, LA) / "council_report.pdf").exists()


def test_later_wave_is_compared_with_the_earlier_and_the_planted_rise_is_found(two_waves: TwoWaves) -> None:
    """wave_vs_wave rows against 2015-16: feeling safe in the area (planted +0.8 SD) rose in both surveys,
    and nothing else at council level is called different.

    The secondary rise (n ~ 165 a wave) is called "higher" after false-discovery control. The primary one
    (n ~ 115) has p ~ 0.0015 alone, which the council's trend family of 75 tests (29 primary, 33 secondary,
    13 parent indicators) takes to an adjusted p near 0.05, so it must rise with p < 0.01 and may or may not be
    called: the test asks for the planted direction and no false claim, not for power BH does not give.
    """
    trend = _table(two_waves, "analysis", "comparisons").filter(pl.col("comparison") == "wave_vs_wave")
    assert set(trend["reference"]) == {EARLY}
    council = trend.filter(pl.col("geography_level") == "council")
    safe = council.filter(pl.col("indicator_id").str.ends_with("feel_safe")).sort("indicator_id")
    assert safe["indicator_id"].to_list() == ["pri_feel_safe", "sec_feel_safe"]
    assert safe["direction"].to_list()[1] == "higher", safe
    assert safe["direction"].to_list()[0] in ("higher", "no clear difference"), safe
    assert (safe["difference"] > 0).all() and (safe["p_value"] < 0.01).all(), safe
    called = council.filter(pl.col("direction").is_in(["higher", "lower"]))
    assert set(called["indicator_id"]) <= {"pri_feel_safe", "sec_feel_safe"}, called


def test_longitudinal_table_is_keyed_by_link_id_only(two_waves: TwoWaves) -> None:
    """Children of 2017-18 also linked in 2015-16: two rows each, no identifier; none in the first wave."""
    longitudinal = _table(two_waves, "linkage", "linked_journeys")
    assert not {"pupil_ref", "date_of_birth", "birth_month", "postcode", "record_token"} & set(
        longitudinal.columns
    )
    per_child = longitudinal.group_by("link_id").agg(pl.col("wave").sort())
    assert per_child["wave"].to_list() == [[EARLY, LATER]] * per_child.height
    assert _table(two_waves, "linkage", "linked_journeys", EARLY).height == 0
    # the S1 pupil of 2015-16 is an S3 pupil of 2017-18
    stages = longitudinal.pivot(on="wave", index="link_id", values="stage")
    assert stages.filter(pl.col(EARLY) == "S1")[LATER].unique().to_list() == ["S3"]


def test_journeys_recover_the_planted_transitions(two_waves: TwoWaves) -> None:
    """Service uptake's interval holds the planted probability of its children; the received-service group is
    exactly the truth's gainers followed up; the link rate is below the truth's both-wave share, near it."""
    journeys = _table(two_waves, "analysis", "journeys")
    longitudinal = _table(two_waves, "linkage", "linked_journeys")
    children = _child_of_link(two_waves, EARLY)
    changes = pl.read_parquet(changes_path(two_waves.home, LATER, LA))
    pair = longitudinal.filter(pl.col("wave") == EARLY).join(
        longitudinal.filter(pl.col("wave") == LATER), on="link_id", suffix="_to"
    )
    pair = pair.join(children, on="link_id").join(changes, on="child_id")
    base = pair.filter(pl.col("need_any") & ~pl.col("service_any"))
    uptake = journeys.filter(
        (pl.col("journey_table") == "service_uptake") & (pl.col("measure") == "service_any")
    )
    assert uptake["n"].item() == base.height > 0
    planted = base["p_gain_service"].mean()
    assert uptake["ci_low"].item() <= planted <= uptake["ci_high"].item()
    received = journeys.filter(
        (pl.col("journey_table") == "need_after_service") & (pl.col("breakdown_value") == "received_service")
    )
    gainers = pair.filter(
        pl.col("gained_service") & pl.col("need_any").is_not_null() & pl.col("need_any_to").is_not_null()
    )
    assert received["n"].to_list() == [gainers.height] * 2
    before, after = (received.filter(pl.col("outcome") == o)["estimate"].item() for o in ("before", "after"))
    assert after < before  # planted: difficulty falls by 1 SD after a service
    link = journeys.filter((pl.col("journey_table") == "link_rate") & (pl.col("breakdown") == "all"))
    assert 0.7 < link["estimate"].item() <= 1
    assert (
        journeys["pupil_ref_stable"].drop_nulls().to_list()
        == [True] * journeys["pupil_ref_stable"].drop_nulls().len()
    )


def test_published_journeys_pass_the_audit_and_withhold_small_groups(two_waves: TwoWaves) -> None:
    """The published table shows no base below min_group and no count below min_cell (nor its complement)."""
    published = _table(two_waves, "published", "published_journeys")
    assert published.height > 0
    shown = published.filter(~pl.col("suppressed"))
    assert (shown["n"] >= 20).all()
    counts = shown.filter(pl.col("count").is_not_null())
    small = counts.filter(pl.col("count").is_between(1, 9) | (pl.col("n") - pl.col("count")).is_between(1, 9))
    assert small.height == 0
    with dg.DagsterInstance.from_config(str(two_waves.dagster_home)) as instance:
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("published_journeys"), "published_journeys_disclosure_audit")]
        )
    assert record


def test_a_corrected_earlier_wave_refreshes_only_the_later_trend(two_waves: TwoWaves) -> None:
    """After a corrected 2015-16 is run, the nightly refresh asks for 2017-18's trend and what depends on it only."""
    from assets.definitions import defs
    from assets.defs.operations.schedules import nightly_wave_refresh_schedule
    from assets.resources import RcsSettings

    admin = two_waves.layout.delivery(EARLY, LA) / "admin_extract.csv"
    admin.write_bytes(admin.read_bytes())
    os.utime(admin, ns=(admin.stat().st_atime_ns, admin.stat().st_mtime_ns + 10**9))
    names = ("RCS_LINKAGE_KEY", "DAGSTER_HOME", "RCS_CODE_VERSION")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        RCS_LINKAGE_KEY=two_waves.key, DAGSTER_HOME=str(two_waves.dagster_home), RCS_CODE_VERSION="two-waves"
    )
    try:
        with dg.DagsterInstance.get() as instance:
            rerun = materialise(two_waves.home, [(EARLY, LA)], instance=instance)
            assert all(o.success for o in rerun)
            with dg.build_schedule_context(
                instance=instance,
                repository_def=defs().get_repository_def(),
                resources={"settings": RcsSettings(home=str(two_waves.home))},
            ) as context:
                requests = nightly_wave_refresh_schedule(context)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert not isinstance(requests, dg.SkipReason)
    assert [str(r.partition_key) for r in requests] == [f"{LA}|{LATER}"]
    selected = {k.to_user_string() for k in requests[0].asset_selection or ()}
    assert {
        "comparisons",
        "published_comparisons",
        "council_report",
        "linked_journeys",
        "published_journeys",
    } <= selected
    assert not selected & {
        "admin_extract",
        "linked_pupils",
        "pupil_scores",
        "estimates",
        "published_estimates",
    }
