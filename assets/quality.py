"""Factory of blocking asset checks that run a table's Great Expectations suite on its Parquet partition."""

from pathlib import Path

import dagster as dg

from assets.partitions import wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from rcs_pipeline.quality import SuiteOutcome, run_suite
from rcs_pipeline.quality.docs import write_docs_index
from rcs_pipeline.storage.parquet import read_parquet


def outcome_metadata(outcome: SuiteOutcome) -> dict[str, object]:
    """Check metadata: expectations passed/failed and, per failure, the column, counts and a few values."""
    lines = ["| expectation | column | unexpected | values |", "|---|---|---|---|"]
    for o in outcome.failed:
        values = ", ".join(o.unexpected_values) or (o.observed or "")
        lines.append(
            f"| {o.expectation} | {o.column or ''} | {o.unexpected_count if o.unexpected_count is not None else ''}"
            f" | {values} |"
        )
    meta: dict[str, object] = {
        "suite": outcome.suite,
        "expectations_passed": outcome.passed,
        "expectations_failed": len(outcome.failed),
        "failing_columns": ", ".join(sorted({o.column for o in outcome.failed if o.column})) or "none",
        "failures": dg.MetadataValue.md("\n".join(lines) if outcome.failed else "none"),
    }
    if outcome.docs_index is not None:
        meta["data_docs"] = dg.MetadataValue.path(str(outcome.docs_index))
    return meta


def suite_summary(outcome: SuiteOutcome, table: str) -> str:
    """One line for `rcs run` and the UI: each failed expectation with its column and number of rows.

    Never a value: identifier columns' values are not kept, and no column's values are printed here.
    """
    total = len(outcome.outcomes)
    if outcome.success:
        return f"expectations/{outcome.suite}.json on {table}: all {total} expectation(s) met"
    parts = []
    for o in outcome.failed:
        where = f" on column {o.column}" if o.column else " on the table"
        rows = f" ({o.unexpected_count} row(s))" if o.unexpected_count is not None else ""
        parts.append(f"{o.expectation}{where}{rows}")
    return (
        f"expectations/{outcome.suite}.json on {table}: {len(outcome.failed)} of {total} expectation(s) failed: "
        + "; ".join(parts)
    )


def expectations_check(table: str, zone: str, *, suites_dir: Path | None = None) -> dg.AssetChecksDefinition:
    """A blocking check `<table>_expectations` running expectations/<table>.json on one partition's table."""

    @dg.asset_check(
        asset=dg.AssetKey(table),
        name=f"{table}_expectations",
        blocking=True,
        partitions_def=wave_council_partitions,
        description=f"Great Expectations suite expectations/{table}.json on {zone}/{table}; a failure stops "
        "every downstream asset. Data Docs under RCS_HOME/quality/.",
    )
    def _check(context: dg.AssetCheckExecutionContext, settings: RcsSettings) -> dg.AssetCheckResult:
        wave, la_code = wave_and_council(context)
        layout = settings.layout()
        frame = read_parquet(layout.table(zone, table, wave, la_code))
        docs = layout.quality() / "data_docs" / table / wave / la_code
        outcome = run_suite(frame, table, suites_dir=suites_dir, docs_dir=docs)
        write_docs_index(layout.quality())
        summary = suite_summary(outcome, table)
        if not outcome.success:
            context.log.error(summary)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=summary,
            metadata={**outcome_metadata(outcome), "summary": summary},
        )

    return _check
