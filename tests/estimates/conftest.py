"""One synthetic council at the `small` scale materialised through the estimates assets (shared by files).

`small` is demo-like at 0.4 of the size: S12000005 has about 1,600 pupil respondents, enough for the planted
effects to show. Only that council is kept, so the wave's comparator is a one-council design and must equal
the council's own estimates. Tests using this fixture share the xdist group `estimates_pipeline`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator

import dagster as dg
import polars as pl
import pytest

from rcs_pipeline.paths import RcsHome

WAVE = "2015-16"
COUNCIL = "S12000005"


def _upstream_and_ours() -> tuple[list, list]:
    """Landing → pupil/parent scores, and this zone's assets (imported late: Dagster definitions load slowly)."""
    from assets.defs.analysis.estimates import (
        estimates,
        estimates_intervals_are_coherent,
        response_rates,
        three_circles,
    )
    from assets.defs.analysis.scores import parent_scores, pupil_scores
    from assets.defs.key_holder.assets import link_map, link_map_one_to_one
    from assets.defs.landing.assets import landing
    from assets.defs.linkage.assets import linked_parents, linked_pupils
    from assets.defs.separation.assets import separate_deliveries

    upstream = [landing, separate_deliveries, link_map, link_map_one_to_one, linked_pupils, linked_parents,
                pupil_scores, parent_scores]  # fmt: skip
    return upstream, [estimates, estimates_intervals_are_coherent, three_circles, response_rates]


@pytest.fixture(scope="session")
def small_council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RcsHome]:
    """RCS_HOME with S12000005 (small scale) through estimates, three circles, response rates and comparator."""
    from assets.defs.analysis.estimates import comparator_estimates
    from assets.defs.analysis.scores import parent_scores, pupil_scores
    from assets.partitions import partition_key
    from assets.resources import LinkageKey, RcsSettings
    from rcs_pipeline.synthetic import generate

    root = tmp_path_factory.mktemp("estimates_small")
    generate(root, scale="small", seed=2015)
    for other in (root / "landing" / WAVE).iterdir():
        if other.name != COUNCIL:
            shutil.rmtree(other)
    upstream, ours = _upstream_and_ours()
    (root / "dagster_home").mkdir()
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    try:
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [WAVE])
            resources = {
                "settings": RcsSettings(home=str(root)),
                "linkage_key": LinkageKey(key=secrets.token_hex(32)),
            }
            council = dg.materialize([*upstream, *ours], partition_key=partition_key(WAVE, COUNCIL),
                                     resources=resources, instance=instance)  # fmt: skip
            assert council.success
            wave = dg.materialize([comparator_estimates, pupil_scores, parent_scores], selection=[comparator_estimates],
                                  partition_key=partition_key(WAVE, COUNCIL), resources=resources,
                                  instance=instance)  # fmt: skip
            assert wave.success
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old
    # Yielded after the instance is closed: an instance left open for the session stays Dagster's current
    # definitions-state storage, and later definition loads in this worker fail on its dead weakref.
    yield RcsHome(root)


def read_table(home: RcsHome, name: str, la_code: str | None = COUNCIL) -> pl.DataFrame:
    """One analysis table of the fixture's wave."""
    return pl.read_parquet(home.table("analysis", name, WAVE, la_code))
