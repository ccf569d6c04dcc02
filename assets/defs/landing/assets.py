"""Landing zone: one asset per dataset of a delivery, all validated together before any file is written.

The eight landing tables are one multi-asset because the contract's cross-file rules (seed codes in
`schools`, respondents within the roll) span them: a delivery is accepted or refused as a whole. The
contract rules and the Great Expectations suites (blocking checks `<dataset>_expectations`) both run on
the parsed frames BEFORE the first write, so a refused delivery leaves every earlier file of the partition
byte-identical and nothing downstream starts.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.quality import outcome_metadata, suite_summary
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.contract import Problem, dataset_spec, load_contract
from rcs_pipeline.contract.columns import empty_frame
from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.deliveries import delivery_fingerprint
from rcs_pipeline.quality import SuiteOutcome, run_suites
from rcs_pipeline.quality.docs import write_docs_index

LANDING_DATASETS: tuple[str, ...] = tuple(load_contract())
DESCRIPTIONS = {
    "secondary_survey": "S1-S4 pupil survey as delivered by the contractor, typed and validated.",
    "primary_survey": "P5-P7 pupil survey as delivered by the contractor, typed and validated.",
    "parent_survey": "Survey of parents of children aged 0-8, typed and validated.",
    "admin_extract": "The council's extract on surveyed children (identifiers and service flags), validated.",
    "schools": "The council's schools with their associated school group (cluster).",
    "school_roll": "Pupils on the roll per school x stage x sex at the census (survey population).",
    "services_register": "The CPP partners' register of children's services (optional dataset).",
    "evidence_costs": "Reference costs of evidence-based alternatives (optional dataset).",
}
# Cross-file rules of the contract shown as checks: (asset, check name, rule tag of validate.py, description).
CROSS_FILE_CHECKS = (
    (
        "schools",
        "schools_cover_every_seed_code",
        "seed_codes",
        "Every seed_code of the surveys, extract and roll is in schools and belongs to this council.",
    ),
    (
        "school_roll",
        "school_roll_covers_respondents",
        "roll",
        "Respondents per school x stage x sex (and per school x stage) do not outnumber the pupils on the roll.",
    ),
    (
        "admin_extract",
        "admin_extract_service_flags_consistent",
        "service_flags",
        "No child is marked not_in_receipt_of_services = Y while holding a service flag.",
    ),
)


def _spec(dataset: str) -> dg.AssetSpec:
    """The asset spec of one landing table."""
    return dg.AssetSpec(
        dataset,
        group_name="landing",
        kinds={"polars", "parquet"},
        code_version="2",
        description=f"{DESCRIPTIONS[dataset]} landing/{dataset}/<wave>/<la_code>.parquet, columns and types as "
        "docs/tables.md (landing) says; the whole delivery is refused if any contract rule or "
        "expectation fails.",
    )


def _check_specs() -> list[dg.AssetCheckSpec]:
    """Blocking checks: one GX suite per landing table and the contract's cross-file rules."""
    gx_checks = [
        dg.AssetCheckSpec(
            f"{d}_expectations",
            asset=d,
            blocking=True,
            description=f"Great Expectations suite expectations/{d}.json, run before the write.",
        )
        for d in LANDING_DATASETS
    ]
    cross = [
        dg.AssetCheckSpec(name, asset=asset, blocking=True, description=text)
        for asset, name, _rule, text in CROSS_FILE_CHECKS
    ]
    return gx_checks + cross


def refusal(problems: list[Problem]) -> dg.Failure:
    """The Dagster failure of a refused delivery: every problem, one line each (no identifier values)."""
    errors = [p for p in problems if p.is_error]
    lines = [str(p) for p in problems]
    head = f"Delivery refused: {len(errors)} problem{'s' if len(errors) != 1 else ''}; nothing was written."
    return dg.Failure(
        allow_retries=False,  # a refused delivery stays refused until it is corrected: retrying cannot help
        description="\n".join([head, *lines]),
        metadata={
            "errors": len(errors),
            "problems": dg.MetadataValue.md("\n".join(f"- `{x}`" for x in lines)),
        },
    )


def expectations_refusal(outcomes: dict[str, SuiteOutcome]) -> dg.Failure:
    """The Dagster failure of a delivery that meets the contract but not its expectation suites."""
    lines = [
        f"expectations/{name}.json: {o.expectation} on {o.column or 'the table'}: "
        f"{o.unexpected_count if o.unexpected_count is not None else 'failed'}"
        f"{' unexpected' if o.unexpected_count is not None else ''}"
        f"{' (' + ', '.join(o.unexpected_values) + ')' if o.unexpected_values else ''}"
        for name, outcome in outcomes.items()
        for o in outcome.failed
    ]
    head = f"Delivery refused by the Great Expectations gates: {len(lines)} expectations failed; nothing was written."
    return dg.Failure(description="\n".join([head, *lines]), allow_retries=False)


def _cross_file_results(problems: list[Problem], *, refused: bool = False) -> Iterator[dg.AssetCheckResult]:
    """One result per cross-file rule: failed with its problems, or passed.

    In a delivery the contract refused, a rule without problems may simply not have been reached (its
    file unreadable), so only the broken rules are reported; the others stay not evaluated.
    """
    for asset, name, rule, _text in CROSS_FILE_CHECKS:
        broken = [str(p) for p in problems if p.rule == rule]
        if refused and not broken:
            continue
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=name,
            passed=not broken,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{len(broken)} problem(s): " + "; ".join(broken[:3]) if broken else "no problem",
            metadata={"problems": len(broken), "details": dg.MetadataValue.md("\n".join(broken) or "none")},
        )


def _expectation_results(outcomes: dict[str, SuiteOutcome]) -> Iterator[dg.AssetCheckResult]:
    """One result per landing suite, with passed/failed counts and failing columns and values."""
    for name, outcome in outcomes.items():
        yield dg.AssetCheckResult(
            asset_key=name,
            check_name=f"{name}_expectations",
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=suite_summary(outcome, name),
            metadata=outcome_metadata(outcome),
        )


def build_landing(suites_dir: Path | None = None) -> dg.AssetsDefinition:
    """The landing multi-asset; `suites_dir` replaces expectations/ (tests edit a copy of a suite)."""

    @dg.multi_asset(
        name="landing",
        specs=[_spec(d) for d in LANDING_DATASETS],
        check_specs=_check_specs(),
        partitions_def=wave_council_partitions,
        can_subset=False,
    )
    def landing(context: dg.AssetExecutionContext, settings: RcsSettings) -> Iterator[object]:
        """Validate the whole delivery of one (wave, council), then write its eight typed landing tables."""
        part = partition(context, settings)
        delivery = part.home.delivery(part.wave, part.la_code)
        parsed, problems = parse_delivery(delivery)
        for found in problems:
            if not found.is_error:
                context.log.warning(str(found))
        if any(p.is_error for p in problems):
            yield from _cross_file_results(problems, refused=True)
            raise refusal(problems)
        frames: dict[str, pl.DataFrame] = {
            d: parsed[d].frame if parsed[d].frame is not None else empty_frame(dataset_spec(d))
            for d in LANDING_DATASETS
        }
        docs = part.home.quality() / "data_docs" / "landing" / part.wave / part.la_code
        outcomes = run_suites(frames, suites_dir=suites_dir, docs_dir=docs)
        write_docs_index(part.home.quality())
        if not all(o.success for o in outcomes.values()):
            yield from _cross_file_results(problems)
            yield from _expectation_results(outcomes)
            raise expectations_refusal(outcomes)
        warnings = [str(p) for p in problems]
        # Recorded so the landing sensor and nightly refresh can tell an unchanged delivery from a new one.
        fingerprint = delivery_fingerprint(delivery) or "no _READY marker"
        for dataset in LANDING_DATASETS:
            data = parsed[dataset]
            own = [w for w in warnings if data.file and f" {data.file}" in w]
            result = write(
                part,
                "landing",
                dataset,
                frames[dataset],
                preview=False,
                delivered=data.delivered,
                delivery_fingerprint=fingerprint,
                file=data.file or "(not delivered)",
                warnings=dg.MetadataValue.md("\n".join(f"- `{w}`" for w in own) or "none"),
            )
            yield dg.MaterializeResult(asset_key=dataset, metadata=result.metadata)
        yield from _cross_file_results(problems)
        yield from _expectation_results(outcomes)

    return landing


landing = build_landing()
