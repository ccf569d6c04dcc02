"""Landing zone: one asset per dataset of a delivery, all validated together before any file is written.

The eight landing tables are one multi-asset because the contract's cross-file rules (seed codes in
`schools`, respondents within the roll) span them: a delivery is accepted or refused as a whole, and a
refused delivery raises before the first write, so every earlier file of the partition stays as it was.
"""

from collections.abc import Iterator

import dagster as dg

from assets.partitions import wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import write_table
from rcs_pipeline.contract import Problem, dataset_spec, load_contract
from rcs_pipeline.contract.columns import empty_frame
from rcs_pipeline.contract.validate import parse_delivery

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


def _spec(dataset: str) -> dg.AssetSpec:
    """The asset spec of one landing table."""
    return dg.AssetSpec(
        dataset,
        group_name="landing",
        kinds={"polars", "parquet"},
        code_version="1",
        description=f"{DESCRIPTIONS[dataset]} landing/{dataset}/<wave>/<la_code>.parquet, columns and types as "
        "docs/tables.md (landing) says; the whole delivery is refused if any contract rule fails.",
    )


def refusal(problems: list[Problem]) -> dg.Failure:
    """The Dagster failure of a refused delivery: every problem, one line each (no identifier values)."""
    errors = [p for p in problems if p.is_error]
    lines = [str(p) for p in problems]
    head = f"Delivery refused: {len(errors)} problem{'s' if len(errors) != 1 else ''}; nothing was written."
    return dg.Failure(
        description="\n".join([head, *lines]),
        metadata={
            "errors": len(errors),
            "problems": dg.MetadataValue.md("\n".join(f"- `{line}`" for line in lines)),
        },
    )


@dg.multi_asset(
    name="landing",
    specs=[_spec(d) for d in LANDING_DATASETS],
    partitions_def=wave_council_partitions,
    can_subset=False,
)
def landing(context: dg.AssetExecutionContext, settings: RcsSettings) -> Iterator[dg.MaterializeResult]:
    """Validate the whole delivery of one (wave, council), then write its eight typed landing tables."""
    wave, la_code = wave_and_council(context)
    layout = settings.layout()
    parsed, problems = parse_delivery(layout.delivery(wave, la_code))
    for found in problems:
        if not found.is_error:
            context.log.warning(str(found))
    if any(p.is_error for p in problems):
        raise refusal(problems)
    warnings = [str(p) for p in problems if not p.is_error]
    for dataset in LANDING_DATASETS:
        data = parsed[dataset]
        frame = data.frame if data.frame is not None else empty_frame(dataset_spec(dataset))
        path = layout.table("landing", dataset, wave, la_code)
        result = write_table(
            frame,
            path,
            preview=False,
            delivered=data.delivered,
            file=data.file or "(not delivered)",
            warnings=dg.MetadataValue.md(
                "\n".join(f"- `{w}`" for w in warnings if data.file and data.file in w) or "none"
            ),
        )
        yield dg.MaterializeResult(asset_key=dataset, metadata=result.metadata)
