"""Landing assets on tiny synthetic deliveries: a refused delivery fails the run and leaves every file as it was."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.landing.assets import LANDING_DATASETS, landing
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.contract import read_dataset, validate_delivery
from rcs_pipeline.paths import RcsHome
from tests.conftest import TINY_SEED, TINY_WAVE

COUNCIL = "S12000005"


def _materialise(home: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Run the landing multi-asset for the tiny council partition."""
    return dg.materialize(
        [landing],
        partition_key=partition_key(TINY_WAVE, COUNCIL),
        instance=instance,
        resources={"settings": RcsSettings(home=str(home))},
        raise_on_error=False,
    )


def _snapshot(home: Path) -> dict[str, bytes]:
    """Every file under landing/<dataset>/ (the materialised tables) with its bytes."""
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted((home / "landing").rglob("*.parquet"))}


def _assert_no_identifier_values_in_metadata(result: dg.ExecuteInProcessResult, home: Path) -> None:
    """No pupil_ref or postcode of the extract appears in any materialisation's or check's metadata."""
    refs = pl.read_parquet(RcsHome(home).table("landing", "admin_extract", TINY_WAVE, COUNCIL))
    samples = refs.get_column("pupil_ref").head(50).to_list() + refs.get_column("postcode").head(50).to_list()
    text = " ".join(str(m.metadata) for m in result.asset_materializations_for_node("landing"))
    text += " ".join(str(e.metadata) for e in result.get_asset_check_evaluations())
    assert "preview" not in text
    assert not [s for s in samples if s in text]


@pytest.mark.xdist_group("landing_pipeline")
def test_refused_delivery_leaves_previous_outputs_byte_identical(
    tiny_home: Path, dagster_instance: dg.DagsterInstance
) -> None:
    layout = RcsHome(tiny_home)
    good = _materialise(tiny_home, dagster_instance)
    assert good.success
    before = _snapshot(tiny_home)
    _assert_no_identifier_values_in_metadata(good, tiny_home)
    assert len(before) == len(LANDING_DATASETS)
    admin = layout.table("landing", "admin_extract", TINY_WAVE, COUNCIL)
    assert pl.read_parquet(admin).height > 0

    delivery = layout.delivery(TINY_WAVE, COUNCIL)
    original = (delivery / "admin_extract.csv").read_bytes()
    extract = pl.read_csv(delivery / "admin_extract.csv", infer_schema=False)
    bad = extract.with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("not-a-ref"))
        .otherwise(pl.col("pupil_ref"))
        .alias("pupil_ref")
    )
    bad.write_csv(delivery / "admin_extract.csv")
    (delivery / "services_register.csv").write_bytes(b"")

    refused = _materialise(tiny_home, dagster_instance)
    assert not refused.success
    failure = next(e for e in refused.all_events if e.is_step_failure)
    text = failure.step_failure_data.user_failure_data.description
    assert (
        "error: admin_extract.csv, column pupil_ref, row 5: pupil_ref is not 10 characters [A-Z0-9]" in text
    )
    assert "error: services_register.csv: the file is empty (0 bytes)" in text
    assert "not-a-ref" not in text
    # Rules the refused files could not reach are not reported as passed.
    assert not [e for e in refused.get_asset_check_evaluations() if e.passed]
    assert _snapshot(tiny_home) == before

    (delivery / "admin_extract.csv").write_bytes(original)
    (delivery / "services_register.csv").unlink()
    corrected = _materialise(tiny_home, dagster_instance)
    assert corrected.success
    services = layout.table("landing", "services_register", TINY_WAVE, COUNCIL)
    assert pl.read_parquet(services).height == 0
    materialised = corrected.asset_materializations_for_node("landing")
    delivered = {m.asset_key.path[-1]: m.metadata["delivered"].value for m in materialised}
    assert delivered["services_register"] is False and delivered["admin_extract"] is True
    assert (
        _snapshot(tiny_home)[str(admin.relative_to(tiny_home))] == before[str(admin.relative_to(tiny_home))]
    )


@pytest.mark.xdist_group("landing_pipeline")
@pytest.mark.parametrize("fmt", ["xlsx", "sav"])
def test_csv_xlsx_and_sav_deliveries_give_identical_landing_tables(
    tiny_home: Path, tmp_path: Path, fmt: str
) -> None:
    from rcs_pipeline.synthetic import generate

    generate(tmp_path, scale="tiny", seed=TINY_SEED, fmt=fmt)
    other = RcsHome(tmp_path).delivery(TINY_WAVE, COUNCIL)
    csv_folder = RcsHome(tiny_home).delivery(TINY_WAVE, COUNCIL)
    assert {p.suffix for p in other.iterdir()} >= {f".{fmt}"}
    assert validate_delivery(other) == []
    for dataset in LANDING_DATASETS:
        assert read_dataset(other, dataset).equals(read_dataset(csv_folder, dataset)), dataset
