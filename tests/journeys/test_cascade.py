"""Corrections cascade: a re-materialised earlier wave makes the same council's later trends stale, only those.

The dependency is declared in Dagster (`comparisons` depends on `estimates` of this and every earlier wave of
its council through `SameAndEarlierWavesOfCouncil`); the staleness logic and the landing sensor read it from
the asset graph. Materialisations are reported as runless events on a test instance (no run needed).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from assets.definitions import defs
from assets.defs.operations.sensors import landing_delivery_sensor
from assets.defs.operations.staleness import cascade_stale, downstream_closure, earlier_wave_parents
from assets.partitions import partition_key, same_and_earlier_waves_of_council, wave_council_partitions
from assets.resources import RcsSettings
from rcs_pipeline.deliveries import mark_ready

LA, OTHER = "S12000005", "S12000040"
EARLY, LATER, LATEST = "2015-16", "2017-18", "2019-20"
ESTIMATES, COMPARISONS = dg.AssetKey("estimates"), dg.AssetKey("comparisons")


@pytest.fixture(scope="module")
def graph() -> dg.AssetGraph:
    """The project's asset graph (with its partition mappings)."""
    return defs().resolve_asset_graph()


def _materialise(instance: dg.DagsterInstance, key: dg.AssetKey, wave: str, la_code: str) -> None:
    """Record one materialisation of one asset partition (a later call is newer)."""
    instance.report_runless_asset_event(
        dg.AssetMaterialization(key, partition=str(partition_key(wave, la_code)))
    )


def _full_history(instance: dg.DagsterInstance, deliveries: dict[tuple[str, str], str]) -> None:
    """Every partition's estimates then comparisons, in wave order (nothing stale)."""
    instance.add_dynamic_partitions("wave", sorted({w for w, _ in deliveries}))
    for wave, la_code in sorted(deliveries):
        _materialise(instance, ESTIMATES, wave, la_code)
        _materialise(instance, COMPARISONS, wave, la_code)


DELIVERIES = {(EARLY, LA): "a", (LATER, LA): "b", (LATEST, LA): "c", (EARLY, OTHER): "d", (LATER, OTHER): "e"}


def test_mapping_maps_a_wave_to_the_same_councils_earlier_waves(graph: dg.AssetGraph) -> None:
    """Upstream of (2017-18, LA): LA's 2015-16 and 2017-18; downstream of (2015-16, LA): LA's every later wave."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [EARLY, LATER, LATEST])
        down = wave_council_partitions.subset_with_partition_keys([partition_key(LATER, LA)])
        up = same_and_earlier_waves_of_council.get_upstream_mapped_partitions_result_for_partitions(
            down, wave_council_partitions, wave_council_partitions, dynamic_partitions_store=instance
        )
        later = same_and_earlier_waves_of_council.get_downstream_partitions_for_partitions(
            wave_council_partitions.subset_with_partition_keys([partition_key(EARLY, LA)]),
            wave_council_partitions,
            wave_council_partitions,
            dynamic_partitions_store=instance,
        )
    assert sorted(str(k) for k in up.partitions_subset.get_partition_keys()) == [
        f"{LA}|{EARLY}",
        f"{LA}|{LATER}",
    ]
    assert sorted(str(k) for k in later.get_partition_keys()) == [f"{LA}|{w}" for w in (EARLY, LATER, LATEST)]
    assert earlier_wave_parents(graph)[COMPARISONS] == [ESTIMATES]


def test_corrected_earlier_wave_makes_only_that_councils_later_trends_stale(graph: dg.AssetGraph) -> None:
    """Re-materialising LA's 2015-16 estimates: LA's 2017-18 and 2019-20 trends are stale; nothing else is."""
    with dg.instance_for_test() as instance:
        _full_history(instance, DELIVERIES)
        assert cascade_stale(instance, graph, DELIVERIES) == []
        _materialise(instance, ESTIMATES, EARLY, LA)  # the corrected delivery has been run
        stale = cascade_stale(instance, graph, DELIVERIES)
        assert [(s.wave, s.la_code) for s in stale] == [(LATER, LA), (LATEST, LA)]
        selected = {k.to_user_string() for k in stale[0].assets or ()}
        assert {"comparisons", "published_comparisons", "council_report"} <= selected
        assert not selected & {
            "estimates",
            "pupil_scores",
            "admin_extract",
            "linked_pupils",
            "published_estimates",
        }
        assert stale[0].assets == downstream_closure(graph, COMPARISONS)
        # the later waves refreshed: quiet again
        _materialise(instance, COMPARISONS, LATER, LA)
        _materialise(instance, COMPARISONS, LATEST, LA)
        assert cascade_stale(instance, graph, DELIVERIES) == []
        # a corrected LATER wave does not touch the earlier one
        _materialise(instance, ESTIMATES, LATER, LA)
        assert [(s.wave, s.la_code) for s in cascade_stale(instance, graph, DELIVERIES)] == [(LATEST, LA)]


def _deliver(home: Path, wave: str, la_code: str) -> None:
    """A complete (marked) delivery folder; its content does not matter to the sensor."""
    folder = home / "landing" / wave / la_code
    folder.mkdir(parents=True)
    (folder / "admin_extract.csv").write_text("pupil_ref\n")
    mark_ready(folder)


def test_sensor_requests_the_later_waves_trend_only_once(tmp_path: Path) -> None:
    """Through the landing sensor: one cascade run per later wave, selecting the trend and below, run key stable."""
    for wave, la_code in DELIVERIES:
        _deliver(tmp_path, wave, la_code)
    repository = defs().get_repository_def()
    with dg.instance_for_test() as instance:
        _full_history(instance, DELIVERIES)
        _materialise(instance, ESTIMATES, EARLY, LA)

        def tick(cursor: str | None) -> dg.SensorResult:
            with dg.build_sensor_context(
                instance=instance,
                cursor=cursor,
                repository_def=repository,
                resources={"settings": RcsSettings(home=str(tmp_path))},
            ) as context:
                return landing_delivery_sensor(context)

        first = tick(None)
        cascades = [r for r in first.run_requests if r.tags["rcs/trigger"] == "earlier_wave_corrected"]
        again = [
            r for r in tick(first.cursor).run_requests if r.tags["rcs/trigger"] == "earlier_wave_corrected"
        ]
    assert [r.partition_key for r in cascades] == [f"{LA}|{LATER}", f"{LA}|{LATEST}"]
    assert {k.to_user_string() for k in cascades[0].asset_selection} >= {"comparisons", "council_report"}
    assert dg.AssetKey("estimates") not in cascades[0].asset_selection
    assert [r.run_key for r in again] == [r.run_key for r in cascades]  # same key: Dagster runs it once
