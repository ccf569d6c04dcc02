"""The services-mapping PDF and spreadsheet of one (wave, council), from the services-zone tables only."""

import dagster as dg

from assets.defs.services.assets import CODE_VERSION, GROUP
from assets.partitions import wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from rcs_pipeline.codelists import council_names
from rcs_pipeline.services.report import render_services_report
from rcs_pipeline.services.tables import TABLE_NAMES, read_services_tables


@dg.asset(
    group_name=GROUP,
    kinds={"pdf", "excel"},
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=list(TABLE_NAMES),
    description="Services-mapping report (reports/<wave>/<la_code>/services_report.pdf) in the wellbeing reports' "
    "style, with its tables in services_report.xlsx beside it. Reads only services-zone tables, whose "
    "need figures come from the published estimates.",
)
def services_report(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Render the services report and spreadsheet of the partition."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    tables = read_services_tables(home, wave, la_code)
    files = render_services_report(
        tables,
        home.reports(wave, la_code),
        wave=wave,
        la_code=la_code,
        cpp_name=council_names()[la_code],
        run_id="",
    )  # reproducible: no run id
    return dg.MaterializeResult(
        metadata={
            "pdf": dg.MetadataValue.path(str(files.pdf)),
            "xlsx": dg.MetadataValue.path(str(files.xlsx)),
            "pages": files.pages,
            "data_version": files.data_version,
            "register_delivered": tables.services_investment.filter(
                tables.services_investment["breakdown"] == "all"
            )["services"].item()
            > 0,
        }
    )
