"""Pipeline: landing → separation → key holder → linkage through Dagster on both tiny councils, against the truth.

The synthetic generator's ground truth (no identifier values) says which admin row each survey row is, which
rows lost or garbled their pupil_ref, and which are second responses. The linkage must match it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.key_holder.assets import link_map, link_map_one_to_one
from assets.defs.landing.assets import landing
from assets.defs.linkage.assets import (
    linkage_comparison,
    linkage_quality,
    linked_parents,
    linked_parents_no_identifiers,
    linked_pupils,
    linked_pupils_no_identifiers,
)
from assets.defs.separation.assets import separate_deliveries
from assets.partitions import partition_key
from assets.resources import LinkageKey, RcsSettings
from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.linkage.matching import SURVEY_INSTRUMENTS
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.synthetic.accuracy import link_outcomes, linkage_accuracy
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = pytest.mark.xdist_group("linkage_pipeline")
ASSETS = [
    landing,
    separate_deliveries,
    link_map,
    link_map_one_to_one,
    linked_pupils,
    linked_pupils_no_identifiers,
    linked_parents,
    linked_parents_no_identifiers,
    linkage_quality,
    linkage_comparison,
]
SURVEY_CONTENT_ONLY = {
    "response_id",
    "sdq_01",
    "wemwbs_01",
    "life_satisfaction",
    "simd_decile",
    "looked_after_home",
    "asn_types",
}


class Materialised:
    """A tiny RCS_HOME with both councils materialised through the linkage zone, and the key used."""

    def __init__(self, home: Path, key: str) -> None:
        self.home, self.key, self.layout = home, key, RcsHome(home)

    def table(self, zone: str, name: str, la_code: str) -> pl.DataFrame:
        """One written table of the tiny wave."""
        return pl.read_parquet(self.layout.table(zone, name, TINY_WAVE, la_code))

    def truth(self, la_code: str) -> pl.DataFrame:
        """The generator's ground truth of one council."""
        return pl.read_parquet(self.home / "synthetic_truth" / TINY_WAVE / f"{la_code}.parquet")


def _materialise(
    home: Path, key: str, per_wave: bool = False, councils: tuple[str, ...] = TINY_COUNCILS
) -> None:
    """Run the landing → linkage assets for tiny councils in a Dagster instance kept under `home`."""
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [TINY_WAVE])
            resources = {
                "settings": RcsSettings(home=str(home), per_wave_link_ids=per_wave),
                "linkage_key": LinkageKey(key=key),
            }
            for la_code in councils:
                result = dg.materialize(
                    ASSETS,
                    partition_key=partition_key(TINY_WAVE, la_code),
                    resources=resources,
                    instance=instance,
                )
                assert result.success
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old


@pytest.fixture(scope="module")
def run(tiny_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Materialised]:
    """Both tiny councils linked once for every test of this module."""
    home = tmp_path_factory.mktemp("linkage_home")
    for folder in ("landing", "synthetic_truth"):
        shutil.copytree(tiny_source / folder, home / folder)
    key = secrets.token_hex(32)
    _materialise(home, key)
    yield Materialised(home, key)


def _outcomes(run: Materialised, la_code: str) -> pl.DataFrame:
    """Each survey row's link, the admin source row it points at, and the truth (test-only join via tokens)."""
    contents = {
        dataset: pl.read_parquet(run.layout.table("separation", f"content/{dataset}", TINY_WAVE, la_code))
        for dataset in SURVEY_INSTRUMENTS
    }
    admin_ids = pl.read_parquet(
        run.layout.table("separation", "identifiers/admin_extract", TINY_WAVE, la_code)
    )
    return link_outcomes(
        run.table("key_holder", "link_map", la_code), admin_ids, contents, run.truth(la_code)
    )


def _all_outcomes(run: Materialised) -> pl.DataFrame:
    """Outcomes of both councils."""
    return pl.concat([_outcomes(run, la) for la in TINY_COUNCILS])


def test_every_survey_row_has_an_outcome(run: Materialised) -> None:
    outcomes = _all_outcomes(run)
    truth_rows = sum(
        run.truth(la).filter(pl.col("dataset") != "admin_extract").height for la in TINY_COUNCILS
    )
    assert outcomes.height == truth_rows
    assert (outcomes["link_id"].is_not_null() ^ outcomes["unlinked_reason"].is_not_null()).all()


def test_exact_links_are_all_correct(run: Materialised) -> None:
    accuracy = linkage_accuracy(_all_outcomes(run))
    assert accuracy.exact > 500
    assert accuracy.exact_correct == accuracy.exact


def test_probabilistic_links_have_the_required_precision_and_recall(run: Materialised) -> None:
    accuracy = linkage_accuracy(_all_outcomes(run))
    assert accuracy.needed >= 20
    assert accuracy.probabilistic_precision >= 0.99
    assert accuracy.probabilistic_recall >= 0.90


def test_second_responses_are_the_duplicates(run: Materialised) -> None:
    outcomes = _all_outcomes(run)
    flagged = outcomes.filter(pl.col("unlinked_reason") == "duplicate")
    assert flagged.height == outcomes["is_duplicate"].sum() > 0
    assert flagged["is_duplicate"].all()


def test_reported_counts_equal_the_truth(run: Materialised) -> None:
    for la_code in TINY_COUNCILS:
        quality = run.table("linkage", "linkage_quality", la_code).filter(pl.col("breakdown") == "all")
        counts = {(i, m): c for i, m, c in quality.select("instrument", "measure", "count").rows()}
        outcomes = _outcomes(run, la_code)
        truth = run.truth(la_code)
        for dataset, instrument in SURVEY_INSTRUMENTS.items():
            rows = outcomes.filter(pl.col("dataset") == dataset)
            correct_links = rows.filter(pl.col("linked_admin_row") == pl.col("admin_source_row"))
            assert counts[(instrument, "respondents")] == rows.height
            assert counts[(instrument, "duplicate")] == rows["is_duplicate"].sum()
            assert counts[(instrument, "linked")] == correct_links.height
            assert (
                counts[(instrument, "linked_exact")]
                == rows.filter(
                    pl.col("ref_status") == "ok",
                    pl.col("admin_source_row").is_not_null(),
                    ~pl.col("is_duplicate"),
                ).height
            )
        admin_truth = truth.filter(pl.col("dataset") == "admin_extract")
        linked_admin_rows = outcomes.filter(pl.col("link_id").is_not_null())["admin_source_row"].n_unique()
        assert counts[("any", "admin_records")] == admin_truth.height
        assert counts[("any", "admin_linked")] == linked_admin_rows


def test_linked_datasets_carry_no_identifier_or_token_and_are_sorted(run: Materialised) -> None:
    for name in ("linked_pupils", "linked_parents", "linkage_quality", "linkage_comparison"):
        for la_code in TINY_COUNCILS:
            frame = run.table("linkage", name, la_code)
            assert not set(frame.columns) & {*IDENTIFIER_COLUMNS, "record_token"}, name
    pupils = run.table("linkage", "linked_pupils", TINY_COUNCILS[0])
    assert pupils.equals(pupils.sort(["instrument", "response_id"]))
    assert set(pupils["instrument"]) == {"secondary", "primary"}


def test_identifier_tables_hold_no_content_column(run: Materialised) -> None:
    for dataset in (*SURVEY_INSTRUMENTS, "admin_extract"):
        ids = pl.read_parquet(
            run.layout.table("separation", f"identifiers/{dataset}", TINY_WAVE, TINY_COUNCILS[0])
        )
        assert not set(ids.columns) & SURVEY_CONTENT_ONLY
        assert not [c for c in ids.columns if c.startswith(("sdq_", "wemwbs_", "swemwbs_", "looked_after"))]


def _string_values(path: Path) -> set[str]:
    """Every text cell of a Parquet file."""
    frame = pl.read_parquet(path)
    return {v for c, t in frame.schema.items() if t == pl.String for v in frame[c].drop_nulls().to_list()}


def test_the_key_appears_in_no_file_and_identifiers_never_leave_their_zones(run: Materialised) -> None:
    key_forms = [run.key.encode(), run.key.upper().encode()]
    for path in run.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(k in data for k in key_forms), path
            if path.suffix == ".parquet":
                assert run.key not in _string_values(path), path
    refs = set()
    for la_code in TINY_COUNCILS:
        refs |= set(run.table("landing", "admin_extract", la_code)["pupil_ref"].drop_nulls())
    for path in [*(run.home / "linkage").rglob("*.parquet"), *(run.home / "key_holder").rglob("*.parquet")]:
        assert not _string_values(path) & refs, path


def _relink(run: Materialised, home: Path, key: str, per_wave: bool, wave: str = TINY_WAVE) -> set[str]:
    """Re-run only the key holder on a copy of the run's separation tables (as wave `wave`); its admin link ids."""
    la_code = TINY_COUNCILS[0]
    for path in (run.home / "separation").rglob(f"{TINY_WAVE}/{la_code}.parquet"):
        target = home / path.relative_to(run.home).parent.parent / wave / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("wave", [wave])
        result = dg.materialize(
            [link_map],
            partition_key=partition_key(wave, la_code),
            instance=instance,
            resources={
                "settings": RcsSettings(home=str(home), per_wave_link_ids=per_wave),
                "linkage_key": LinkageKey(key=key),
            },
        )
        assert result.success
    mapping = pl.read_parquet(RcsHome(home).table("key_holder", "link_map", wave, la_code))
    return set(mapping.filter(pl.col("dataset") == "admin_extract")["link_id"])


def test_changing_the_key_changes_every_link_id_and_per_wave_ids_differ(
    run: Materialised, tmp_path: Path
) -> None:
    mapping = run.table("key_holder", "link_map", TINY_COUNCILS[0])
    first = set(mapping.filter(pl.col("dataset") == "admin_extract")["link_id"])
    other = _relink(run, tmp_path / "other", secrets.token_hex(32), per_wave=False)
    assert len(other) == len(first) > 300 and not other & first
    per_wave = _relink(run, tmp_path / "per_wave", run.key, per_wave=True)
    assert len(per_wave) == len(first) and not per_wave & first


def test_the_same_child_keeps_its_link_id_next_wave_unless_ids_are_per_wave(
    run: Materialised, tmp_path: Path
) -> None:
    mapping = run.table("key_holder", "link_map", TINY_COUNCILS[0])
    first = set(mapping.filter(pl.col("dataset") == "admin_extract")["link_id"])
    assert _relink(run, tmp_path / "longitudinal", run.key, per_wave=False, wave="2016-17") == first
    this_wave = _relink(run, tmp_path / "this", run.key, per_wave=True)
    next_wave = _relink(run, tmp_path / "next", run.key, per_wave=True, wave="2016-17")
    assert len(next_wave) == len(this_wave) and not next_wave & this_wave


def test_same_deliveries_and_key_give_byte_identical_linked_tables(run: Materialised, tmp_path: Path) -> None:
    from rcs_pipeline.linkage.keys import decode_linkage_key
    from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, linked_dataset
    from rcs_pipeline.linkage.matching import build_link_map
    from rcs_pipeline.separation import separate
    from rcs_pipeline.storage import write_parquet_atomic

    la_code = TINY_COUNCILS[1]
    landing_tables = {d: run.table("landing", d, la_code) for d in ("admin_extract", *SURVEY_INSTRUMENTS)}
    written = []
    for attempt in range(2):
        split = {
            d: separate(frame, d) for d, frame in landing_tables.items()
        }  # fresh random tokens each time
        mapping = build_link_map({d: i for d, (i, _) in split.items()}, decode_linkage_key(run.key), 0.95)
        linked = linked_dataset(
            mapping, {d: c for d, (_, c) in split.items()}, PUPIL_SURVEYS, TINY_WAVE, la_code
        )
        written.append(write_parquet_atomic(linked, tmp_path / f"linked_{attempt}.parquet").read_bytes())
    assert written[0] == written[1]
    assert written[0] == run.layout.table("linkage", "linked_pupils", TINY_WAVE, la_code).read_bytes()


def test_a_short_key_stops_the_key_holder_with_a_clear_error_that_hides_the_key(
    run: Materialised, tmp_path: Path
) -> None:
    short_key = "5eC2e7a1" * 4  # 16 bytes: too short
    shutil.copytree(run.home / "separation", tmp_path / "separation")
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("wave", [TINY_WAVE])
        result = dg.materialize(
            [link_map],
            partition_key=partition_key(TINY_WAVE, TINY_COUNCILS[0]),
            instance=instance,
            resources={"settings": RcsSettings(home=str(tmp_path)), "linkage_key": LinkageKey(key=short_key)},
            raise_on_error=False,
        )
        assert not result.success
        logged = "\n".join(str(record) for record in instance.all_logs(result.run_id))
    assert "too short" in logged and "secrets.token_hex(32)" in logged
    assert short_key not in logged and short_key[:8] not in logged
    assert not (tmp_path / "key_holder").exists()
