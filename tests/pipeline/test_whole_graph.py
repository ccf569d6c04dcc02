"""The walking skeleton end to end: tiny synthetic deliveries → every zone → council PDFs, through Dagster.

One module-scoped run of the whole graph for the tiny wave (two councils); each test reads what it wrote.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pypdf import PdfReader

from assets.runner import RunOutcome, materialise
from rcs_pipeline.codelists import council_names
from rcs_pipeline.paths import RcsHome
from tests.conftest import TINY_COUNCILS, TINY_SEED, TINY_WAVE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whole_graph")]


class TinyRun:
    """A materialised tiny home: its layout, the run outcomes, the Dagster instance folder and the key."""

    def __init__(self, home: Path, outcomes: list[RunOutcome], dagster_home: Path, key: str) -> None:
        self.home, self.outcomes, self.dagster_home, self.key = home, outcomes, dagster_home, key
        self.layout = RcsHome(home)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyRun]:
    """Generate the tiny wave and materialise every asset for both councils in a real on-disk instance."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("whole_graph")
    generate(home, scale="tiny", seed=TINY_SEED)
    key = secrets.token_hex(32)
    saved = {name: os.environ.get(name) for name in ("RCS_LINKAGE_KEY", "DAGSTER_HOME")}
    os.environ["RCS_LINKAGE_KEY"] = key
    dagster_home = home / "dagster_home"
    dagster_home.mkdir()
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        with dg.DagsterInstance.get() as instance:
            outcomes = materialise(home, [(TINY_WAVE, la) for la in TINY_COUNCILS], instance=instance)
        yield TinyRun(home, outcomes, dagster_home, key)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_every_run_succeeds(tiny_run: TinyRun) -> None:
    """Every stage of every partition materialises and no asset check fails."""
    failures = [(o.partition, o.failures) for o in tiny_run.outcomes if not o.success]
    assert failures == []
    assert [c for o in tiny_run.outcomes for c in o.checks_failed] == []
    assert sum(o.checks_passed for o in tiny_run.outcomes) > 0


@pytest.mark.parametrize("la_code", TINY_COUNCILS)
def test_council_pdf_names_its_council_and_shows_numbers(tiny_run: TinyRun, la_code: str) -> None:
    """The council report exists, names the council and wave, and prints real percentages."""
    pdf = tiny_run.layout.reports(TINY_WAVE, la_code) / "council_report.pdf"
    text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert council_names()[la_code] in text
    assert TINY_WAVE in text
    assert re.search(r"\b\d{1,3}%", text), "no percentage printed"


def _identifier_values(home: Path) -> dict[str, set[str]]:
    """Every pupil_ref, date_of_birth and postcode delivered in the tiny landing files (raw and normalised)."""
    values: dict[str, set[str]] = {"pupil_ref": set(), "date_of_birth": set(), "postcode": set()}
    for csv in (home / "landing").rglob("*.csv"):
        frame = pl.read_csv(csv, infer_schema=False)
        for column in values:
            if column in frame.columns:
                for value in frame[column].drop_nulls().to_list():
                    value = value.strip()
                    if len(value) >= 5:
                        values[column].add(value)
                        if column == "postcode":
                            values[column].add(re.sub(r"\s+", "", value).upper())
                            compact = re.sub(r"\s+", "", value).upper()
                            values[column].add(f"{compact[:-3]} {compact[-3:]}")
    return values


def _texts_of(path: Path) -> Iterator[str]:
    """The text a person or program could read out of a file: raw bytes, Parquet cells, PDF text, XLSX cells."""
    raw = path.read_bytes()
    yield raw.decode("utf-8", errors="ignore")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        for column in frame.columns:
            yield "\n".join(str(v) for v in frame[column].cast(pl.Utf8, strict=False).drop_nulls().to_list())
    elif suffix == ".pdf":
        reader = PdfReader(path)
        yield "\n".join(page.extract_text() or "" for page in reader.pages)
        yield str(reader.metadata)
    elif suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield archive.read(name).decode("utf-8", errors="ignore")
    elif suffix in {".db", ".sqlite"} or path.name.endswith(".db"):
        connection = sqlite3.connect(path)
        try:
            for (table,) in connection.execute("select name from sqlite_master where type='table'"):
                for row in connection.execute(f'select * from "{table}"'):
                    yield " ".join(str(v) for v in row)
        finally:
            connection.close()


def _outside_identifier_areas(home: Path) -> list[Path]:
    """Every file under RCS_HOME except landing, separation/identifiers and key_holder (Dagster's own included)."""
    allowed = [home / area for area in RcsHome.IDENTIFIER_AREAS]
    files = []
    for path in home.rglob("*"):
        if path.is_file() and not any(path.is_relative_to(area) for area in allowed):
            files.append(path)
    return files


def test_identifier_canary_absent_outside_identifier_zones(tiny_run: TinyRun) -> None:
    """No delivered pupil_ref, date of birth or postcode appears in any file outside the three zones.

    Covers Parquet cells, PDF text and metadata, spreadsheets, GX Data Docs and Dagster's event log
    (the instance's SQLite storage, which holds every log line and metadata entry of the runs).
    """
    canaries = _identifier_values(tiny_run.home)
    assert all(canaries.values()), "the tiny data should carry identifiers to plant"
    files = _outside_identifier_areas(tiny_run.home)
    assert any(f.suffix == ".pdf" for f in files) and any(f.suffix == ".parquet" for f in files)
    assert any(f.is_relative_to(tiny_run.dagster_home) for f in files), "the event log must be scanned too"
    leaks = []
    for path in files:
        for text in _texts_of(path):
            for column, values in canaries.items():
                hits = [v for v in values if v in text]
                if hits:
                    leaks.append(f"{path.relative_to(tiny_run.home)}: {column} ({len(hits)} values)")
    assert sorted(set(leaks)) == []


def test_linkage_key_written_nowhere(tiny_run: TinyRun) -> None:
    """The linkage key appears in no file under RCS_HOME, the Dagster instance included."""
    leaks = [
        str(path.relative_to(tiny_run.home))
        for path in tiny_run.home.rglob("*")
        if path.is_file() and any(tiny_run.key in text for text in _texts_of(path))
    ]
    assert leaks == []


def test_zones_beyond_key_holder_hold_no_identifier_or_token_columns(tiny_run: TinyRun) -> None:
    """Tables of the linkage, analysis, published and services zones have no identifier or token column."""
    forbidden = {"pupil_ref", "date_of_birth", "birth_month", "postcode", "record_token"}
    offenders = []
    for zone in ("linkage", "analysis", "published", "services"):
        for path in (tiny_run.home / zone).rglob("*.parquet"):
            if columns := forbidden & set(pl.read_parquet_schema(path)):
                offenders.append(f"{path.relative_to(tiny_run.home)}: {sorted(columns)}")
    assert offenders == []


def _schedule_requests(tiny_run: TinyRun) -> list[str] | str:
    """Evaluate the nightly refresh over the run's instance: partition keys requested, or the skip reason."""
    from assets.definitions import defs
    from assets.defs.operations.schedules import nightly_wave_refresh_schedule
    from assets.resources import RcsSettings

    # The schedule context is entered and exited too: its resources enter the instance, and a context left
    # to the garbage collector would later make that instance's state storage current in another test.
    with (
        dg.DagsterInstance.from_config(str(tiny_run.dagster_home)) as instance,
        dg.build_schedule_context(
            instance=instance,
            repository_def=defs().get_repository_def(),
            resources={"settings": RcsSettings(home=str(tiny_run.home))},
        ) as context,
    ):
        outcome = nightly_wave_refresh_schedule(context)
    if isinstance(outcome, dg.SkipReason):
        return outcome.skip_message or ""
    return sorted(str(r.partition_key) for r in outcome)


def test_nightly_refresh_is_quiet_then_requests_only_the_changed_delivery(tiny_run: TinyRun) -> None:
    """Right after a full run nothing is stale; a corrected file requests exactly its own partition."""
    assert "nothing changed" in _schedule_requests(tiny_run)
    admin = tiny_run.layout.delivery(TINY_WAVE, TINY_COUNCILS[1]) / "admin_extract.csv"
    admin.write_bytes(admin.read_bytes())
    os.utime(admin, ns=(admin.stat().st_atime_ns, admin.stat().st_mtime_ns + 10**9))
    assert _schedule_requests(tiny_run) == [f"{TINY_COUNCILS[1]}|{TINY_WAVE}"]


def test_refused_delivery_leaves_every_file_of_every_partition_as_it_was(
    tiny_run: TinyRun, tmp_path: Path
) -> None:
    """After the whole graph, a refused corrected delivery of one council changes no file of either council."""
    home = tmp_path / "home"
    shutil.copytree(tiny_run.home, home, ignore=shutil.ignore_patterns("dagster_home"))

    def snapshot() -> dict[str, bytes]:
        """Every file outside the deliveries and the Dagster instance."""
        return {
            str(p.relative_to(home)): p.read_bytes()
            for p in sorted(home.rglob("*"))
            if p.is_file() and not p.is_relative_to(home / "landing" / TINY_WAVE)
        }

    before = snapshot()
    assert any(p.startswith("reports/") for p in before) and any(p.startswith("published/") for p in before)
    admin = home / "landing" / TINY_WAVE / TINY_COUNCILS[1] / "admin_extract.csv"
    pl.read_csv(admin, infer_schema=False).drop("postcode").write_csv(admin)
    with dg.DagsterInstance.ephemeral() as instance:
        outcomes = materialise(home, [(TINY_WAVE, TINY_COUNCILS[1])], instance=instance)
    assert [o.success for o in outcomes] == [False]
    assert "Delivery refused" in outcomes[0].failures[0][1]
    assert snapshot() == before


@pytest.mark.parametrize("la_code", TINY_COUNCILS)
def test_reports_say_only_what_the_published_comparisons_say(tiny_run: TinyRun, la_code: str) -> None:
    """Read back every PDF of the real wave (tests/reports/pdf_checks.py): each higher/lower and rose/fell
    sentence is a significant published comparison with its two values; each printed value has its interval."""
    from rcs_pipeline.reports.catalogue import indicator_labels
    from tests.reports.pdf_checks import check_report_folder

    published = tiny_run.layout.root / "published"
    comparisons = pl.read_parquet(published / "published_comparisons" / TINY_WAVE / f"{la_code}.parquet")
    estimates = pl.read_parquet(published / "published_estimates" / TINY_WAVE / f"{la_code}.parquet")
    labels = indicator_labels(estimates["indicator_id"].unique().to_list())
    counts = check_report_folder(tiny_run.layout.reports(TINY_WAVE, la_code), comparisons, labels)
    assert counts["reports"] > 1 and counts["intervals"] > 50


def test_all_councils_comparator_is_computed_once_per_wave(tiny_run: TinyRun) -> None:
    """Both councils hold the same comparator bytes, and only the first partition computed it (one memo)."""
    files = [tiny_run.layout.table("analysis", "comparator_estimates", TINY_WAVE, la) for la in TINY_COUNCILS]
    assert len({f.read_bytes() for f in files}) == 1
    memos = list(files[0].parent.glob("_memo-*.parquet"))
    assert len(memos) == 1 and pl.read_parquet(memos[0]).equals(pl.read_parquet(files[0]))
    with dg.DagsterInstance.from_config(str(tiny_run.dagster_home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey("comparator_estimates"), limit=10).records
        computed = [r.asset_materialization.metadata["computed_for_this_council"].value for r in records]
    assert sorted(computed) == [False, True]


def test_published_comparator_is_computed_once_and_its_audit_verdict_reused_for_the_same_bytes(
    tiny_run: TinyRun,
) -> None:
    """Both councils publish the same comparator bytes (and suppression reasons); the first computed it and
    ran the audit, the second read the wave's one memo bundle and re-used the verdict for its identical file,
    saying so; every protection figure in its metadata equals the first council's."""
    name = "published_comparator_estimates"
    files = [tiny_run.layout.table("published", name, TINY_WAVE, la) for la in TINY_COUNCILS]
    assert len({f.read_bytes() for f in files}) == 1 and pl.read_parquet(files[0]).height > 0
    reasons = [
        tiny_run.layout.table("disclosure", "comparator_suppression_reasons", TINY_WAVE, la).read_bytes()
        for la in TINY_COUNCILS
    ]
    assert len(set(reasons)) == 1
    bundles = list((tiny_run.home / "disclosure" / name / TINY_WAVE).glob("_memo-*"))
    assert len(bundles) == 1 and (bundles[0] / "facts.json").exists()
    assert pl.read_parquet(bundles[0] / "published.parquet").drop("reason").equals(pl.read_parquet(files[0]))
    with dg.DagsterInstance.from_config(str(tiny_run.dagster_home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey(name), limit=10).records
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(name), f"{name}_audit"), limit=10
        )
    by_computed = {
        r.asset_materialization.metadata["computed_for_this_council"].value: r.asset_materialization.metadata
        for r in records
    }
    assert sorted(by_computed) == [False, True]
    figures = set(by_computed[True]) - {"path", "dagster/uri", "computed_for_this_council"}
    assert "counts_hidden" in figures and "cells_determined_by_council_tables" in figures
    assert {k: by_computed[False][k] for k in figures} == {k: by_computed[True][k] for k in figures}
    evaluations = [c.event.dagster_event.event_specific_data for c in checks]
    assert all(e.passed for e in evaluations) and len(evaluations) == 2
    reused = sorted(e.metadata["audit_reused_from_memo"].value for e in evaluations)
    assert reused == [False, True]
    assert len({e.metadata["cells_checked"].value for e in evaluations}) == 1


def test_comparisons_read_the_other_councils_wave_design_from_its_memo(tiny_run: TinyRun) -> None:
    """Each council's part of the wave design is memoised once (a bundle per council); comparisons of a council
    materialised again read the other council's from it and write the same bytes."""
    from assets.defs.analysis.comparisons import comparisons
    from assets.partitions import partition_key
    from assets.resources import RcsSettings

    folder = tiny_run.home / "analysis" / "comparisons" / TINY_WAVE
    assert len(list(folder.glob("_memo-*/facts.json"))) == len(TINY_COUNCILS)
    path = tiny_run.layout.table("analysis", "comparisons", TINY_WAVE, TINY_COUNCILS[1])
    before = path.read_bytes()
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("wave", [TINY_WAVE])
        result = dg.materialize(
            [comparisons],
            partition_key=partition_key(TINY_WAVE, TINY_COUNCILS[1]),
            resources={"settings": RcsSettings(home=str(tiny_run.home))},
            instance=instance,
        )
    metadata = result.asset_materializations_for_node("comparisons")[0].metadata
    assert metadata["other_councils_designs_from_memo"].value == 1
    assert path.read_bytes() == before
