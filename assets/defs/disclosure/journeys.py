"""Disclosure zone: the published journey tables, suppressed and audited like every published table."""

import dagster as dg

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, partition_check, write
from rcs_pipeline.disclosure.settings import DisclosureSettings
from rcs_pipeline.journeys.protect import audit_journeys, protect_journeys
from rcs_pipeline.schemas import check
from rcs_pipeline.storage import Partition


def _thresholds(settings: RcsSettings, part: Partition) -> DisclosureSettings:
    """The partition's thresholds (rcs_pipeline.disclosure.settings_for: defaults, wave rule, overrides)."""
    return settings.thresholds(part.wave, part.la_code)


@dg.asset(
    group_name="disclosure",
    deps=["journeys"],
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="1",
    description="The journey tables as published: bases below min_group and counts (or their complements) "
    "below min_cell withheld, secondary suppression until the attacker audit passes; percentages whole, "
    "points to 1 dp. Read by the council report's journeys section (docs/methods/journeys.md).",
)
def published_journeys(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Protect and write the journey tables of one council and wave."""
    part = partition(context, settings)
    published, audit = protect_journeys(part.read("analysis", "journeys"), _thresholds(settings, part))
    return write(
        part,
        "published",
        "published_journeys",
        check(published, "published_journeys"),
        preview=False,
        rows_suppressed=int(published["suppressed"].sum()),
        audit_narrowest=audit.narrowest,
    )


@partition_check(
    published_journeys,
    "Attacker audit of the published journey tables: no withheld count can be worked out to within "
    "min_cell from what is shown and the relations between the tables.",
)
def published_journeys_disclosure_audit(part: Partition, settings: RcsSettings) -> dg.AssetCheckResult:
    """Pass when every withheld count keeps an interval of at least min_cell."""
    table, published = part.read("analysis", "journeys"), part.read("published", "published_journeys")
    audit = audit_journeys(table, published, _thresholds(settings, part))
    return dg.AssetCheckResult(
        passed=audit.passed,
        description=f"{len(audit.failures)} withheld count(s) pinned" if audit.failures else None,
        metadata={"cells_checked": audit.cells_checked, "failures": len(audit.failures)},
    )
