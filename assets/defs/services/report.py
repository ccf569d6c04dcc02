"""The services-mapping PDF and spreadsheet of one (wave, council), from the services-zone tables only."""

import dagster as dg

from assets.defs.services.assets import CODE_VERSION, GROUP
from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition
from rcs_pipeline.codelists import council_names
from rcs_pipeline.services.report import input_hash, render_services_report, unchanged_services_report
from rcs_pipeline.services.tables import TABLE_NAMES, read_services_tables


@dg.asset(
    group_name=GROUP,
    kinds={"pdf", "excel"},
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=list(TABLE_NAMES),
    description="Services-mapping report (reports/<wave>/<la_code>/services_report.pdf) in the wellbeing reports' "
    "style, with its tables in services_report.xlsx beside it. Reads only services-zone tables, whose "
    "need figures come from the published estimates. Not drawn again when services_report.json beside it "
    "records the same inputs (tables, names, code version and report code).",
)
def services_report(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Render the services report and spreadsheet of the partition, unless those of the same inputs are there."""
    part = partition(context, settings)
    tables = read_services_tables(part.home, part.wave, part.la_code)
    folder = part.home.reports(part.wave, part.la_code)
    names = {
        "wave": part.wave,
        "la_code": part.la_code,
        "cpp_name": council_names()[part.la_code],
        "run_id": "",
    }  # no run id
    files = unchanged_services_report(folder, input_hash(tables, **names))
    rendered = files is None
    if files is None:
        files = render_services_report(tables, folder, **names)
    return dg.MaterializeResult(
        metadata={
            "pdf": dg.MetadataValue.path(str(files.pdf)),
            "xlsx": dg.MetadataValue.path(str(files.xlsx)),
            "pages": files.pages,
            "rendered_now": rendered,
            "data_version": files.data_version,
            "register_delivered": tables.services_investment.filter(
                tables.services_investment["breakdown"] == "all"
            )["services"].item()
            > 0,
        }
    )
