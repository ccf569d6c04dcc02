"""A per-council override in rules.yaml reaches that council's published tables and reports through `rcs run`'s
runner, and leaves the other council of the wave on the defaults (docs/architecture.md, "Settings")."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pypdf import PdfReader

from assets.defs.disclosure.assets import read_council_tables, read_schools
from assets.runner import RunOutcome, materialise
from rcs_pipeline.disclosure import DisclosureSettings, protect_council
from rcs_pipeline.disclosure import settings as rules_module
from rcs_pipeline.disclosure.publish import for_publication
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage import Partition
from tests.conftest import TINY_COUNCILS, TINY_SEED, TINY_WAVE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("overrides")]
STRICT, DEFAULT = TINY_COUNCILS
OVERRIDE = {"la_code": STRICT, "min_cell": 15, "why": "test: one council's stricter output rule"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RcsHome, list[RunOutcome]]]:
    """The tiny wave (two councils) through every asset, with rules.yaml carrying one council's override."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("overrides")
    generate(home, scale="tiny", seed=TINY_SEED)
    rules = {**rules_module.load_rules(), "overrides": [OVERRIDE]}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules_module, "load_rules", lambda: rules)
        patch.setenv("RCS_LINKAGE_KEY", secrets.token_hex(32))
        patch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
        (home / "dagster_home").mkdir()
        with dg.DagsterInstance.get() as instance:
            outcomes = materialise(home, [(TINY_WAVE, la) for la in TINY_COUNCILS], instance=instance)
        yield RcsHome(home), outcomes


def test_every_run_succeeds(run: tuple[RcsHome, list[RunOutcome]]) -> None:
    """The stricter council's tables still pass the blocking audit."""
    assert [(o.partition, o.failures) for o in run[1] if not o.success] == []


def test_the_settings_table_records_each_councils_thresholds(run: tuple[RcsHome, list[RunOutcome]]) -> None:
    """min_cell 15 for the overridden council, rules.yaml's 10 for the other; the rule text says the same."""
    home, _ = run
    rows = {
        la: pl.read_parquet(home.table("published", "disclosure_settings", TINY_WAVE, la)).row(0, named=True)
        for la in TINY_COUNCILS
    }
    assert (rows[STRICT]["min_cell"], rows[DEFAULT]["min_cell"]) == (15, 10)
    assert "between 1 and 14" in rows[STRICT]["rule_min_cell"]
    assert "between 1 and 9" in rows[DEFAULT]["rule_min_cell"]


@pytest.mark.parametrize(("la_code", "min_cell"), [(STRICT, 15), (DEFAULT, 10)])
def test_published_tables_are_protected_at_the_councils_own_min_cell(
    run: tuple[RcsHome, list[RunOutcome]], la_code: str, min_cell: int
) -> None:
    """The files the runner wrote equal protect_council at the council's threshold on the same inputs."""
    home, _ = run
    part = Partition(home, TINY_WAVE, la_code)
    tables, schools = read_council_tables(part), read_schools(part)
    expected = protect_council(tables, schools, la_code, DisclosureSettings(min_cell=min_cell)).published
    for name, frame in expected.items():
        written = pl.read_parquet(home.table("published", name, TINY_WAVE, la_code))
        assert written.equals(for_publication(frame)), name


def test_the_override_changed_what_was_published(run: tuple[RcsHome, list[RunOutcome]]) -> None:
    """At rules.yaml's defaults the overridden council would have published more cells (the override bites).

    Counted over all its tables: secondary suppression may protect a stricter primary pattern through
    another table's cells, so one table (linkage quality, say) can show a few more cells than at the defaults.
    """
    home, _ = run
    part = Partition(home, TINY_WAVE, STRICT)
    tables, schools = read_council_tables(part), read_schools(part)
    default = protect_council(tables, schools, STRICT, DisclosureSettings()).published
    shown = {
        name: (
            int((~pl.read_parquet(home.table("published", name, TINY_WAVE, STRICT))["suppressed"]).sum()),
            int((~default[name]["suppressed"]).sum()),
        )
        for name in default
    }
    strict, loose = (sum(pair[i] for pair in shown.values()) for i in (0, 1))
    assert strict < loose, shown


def test_a_council_with_other_thresholds_computes_its_own_published_comparator(
    run: tuple[RcsHome, list[RunOutcome]],
) -> None:
    """The wave's comparator memo is keyed by the thresholds: the stricter council does not read the other's,
    both computed their published comparator and audited it themselves, and each equals protect_comparator
    at its own min_cell (two memo bundles of two families side by side)."""
    from assets.defs.disclosure.assets import comparator_inputs
    from rcs_pipeline.disclosure.comparator import protect_comparator

    home, _ = run
    name = "published_comparator_estimates"
    with dg.DagsterInstance.from_config(str(home.root / "dagster_home")) as instance:
        records = instance.fetch_materializations(dg.AssetKey(name), limit=10).records
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(name), f"{name}_audit"), limit=10
        )
    assert [r.asset_materialization.metadata["computed_for_this_council"].value for r in records] == [
        True,
        True,
    ]
    evaluations = [c.event.dagster_event.event_specific_data for c in checks]
    assert [e.metadata["audit_reused_from_memo"].value for e in evaluations] == [False, False]
    bundles = sorted((home.root / "disclosure" / name / TINY_WAVE).glob("_memo-*"))
    assert len(bundles) == 2 and len({b.name.split("-")[1] for b in bundles}) == 2
    for la_code, min_cell in ((STRICT, 15), (DEFAULT, 10)):
        comparator, councils = comparator_inputs(Partition(home, TINY_WAVE, la_code))
        expected = protect_comparator(
            comparator, councils, DisclosureSettings(min_cell=min_cell), audit=False
        )
        written = pl.read_parquet(home.table("published", name, TINY_WAVE, la_code))
        assert written.equals(for_publication(expected.published[name])), la_code


@pytest.mark.parametrize(("la_code", "largest_withheld"), [(STRICT, 14), (DEFAULT, 9)])
def test_the_council_report_states_its_own_rule(
    run: tuple[RcsHome, list[RunOutcome]], la_code: str, largest_withheld: int
) -> None:
    """Each council's report prints the rule it was protected by."""
    pdf: Path = run[0].reports(TINY_WAVE, la_code) / "council_report.pdf"
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)
    assert f"between 1 and {largest_withheld}" in text


def _nightly(home: RcsHome) -> list[tuple[str, str]] | str:
    """Evaluate the nightly refresh over the run's instance: (partition, reason) requested, or the skip reason."""
    from assets.definitions import defs
    from assets.defs.operations.schedules import nightly_wave_refresh_schedule
    from assets.resources import RcsSettings

    with (
        dg.DagsterInstance.from_config(str(home.root / "dagster_home")) as instance,
        dg.build_schedule_context(
            instance=instance,
            repository_def=defs().get_repository_def(),
            resources={"settings": RcsSettings(home=str(home.root))},
        ) as context,
    ):
        outcome = nightly_wave_refresh_schedule(context)
    if isinstance(outcome, dg.SkipReason):
        return outcome.skip_message or ""
    return sorted((str(r.partition_key), r.tags["rcs/reason"]) for r in outcome)


def test_the_nightly_schedule_reruns_only_the_council_whose_override_changed(
    run: tuple[RcsHome, list[RunOutcome]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quiet with rules.yaml as run; after the council's override changes, exactly that partition, saying why."""
    home, _ = run
    assert "nothing changed" in _nightly(home)
    rules = {**rules_module.load_rules(), "overrides": [{**OVERRIDE, "min_cell": 16}]}
    monkeypatch.setattr(rules_module, "load_rules", lambda: rules)
    reason = "disclosure settings changed (rcs_pipeline/disclosure/rules.yaml)"
    assert _nightly(home) == [(f"{STRICT}|{TINY_WAVE}", reason)]
