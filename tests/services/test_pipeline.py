"""Pipeline: the tiny synthetic council's delivery lands through the real landing asset, and its services
tables and report are materialised with real figures from its synthetic register (read back from the PDF).

The published need figures are a stand-in written by the test (the disclosure zone's output for this
partition), so that this test exercises the services zone without the whole survey pipeline.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from assets.defs.landing.assets import landing
from assets.defs.services import assets as services_assets
from assets.defs.services import checks as services_checks
from assets.defs.services.report import services_report
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.paths import RcsHome
from tests.services.landing import published_need, published_respondents, write_published

WAVE, LA_CODE = "2015-16", "S12000005"


def test_demo_council_services_report_has_real_figures(
    tiny_home: Path, dagster_instance: dg.DagsterInstance
) -> None:
    layout = RcsHome(tiny_home)
    need = published_need(
        {
            "sec_high_need_mental_wellbeing": (19.0, 180, False),
            "sec_high_need_family": (None, None, True),
            "pri_high_need_family": (11.0, 120, False),
        }
    ).with_columns(pl.lit(LA_CODE).alias("geography_code"))
    write_published(layout, need, published_respondents(180, 120))
    result = dg.materialize(
        [
            landing,
            services_assets.services_investment,
            services_assets.services_cost_per_participant,
            services_assets.services_cost_by_level,
            services_assets.services_cost_comparison,
            services_assets.services_coordination,
            services_assets.services_spend_against_need,
            services_checks.services_investment_shares_sum_to_one,
            services_checks.services_cost_per_participant_zero_participants_flagged,
            services_checks.services_spend_against_need_suppressed_stay_withheld,
            services_report,
        ],
        partition_key=partition_key(WAVE, LA_CODE),
        resources={"settings": RcsSettings(home=str(tiny_home))},
        instance=dagster_instance,
        raise_on_error=False,
    )
    assert result.success
    register = pl.read_parquet(layout.table("landing", "services_register", WAVE, LA_CODE))
    roll = pl.read_parquet(layout.table("landing", "school_roll", WAVE, LA_CODE))["pupils"].sum()
    assert register.height >= 30
    total = register["annual_spend_gbp"].sum()
    comparison = pl.read_parquet(layout.table("services", "services_cost_comparison", WAVE, LA_CODE))
    coordination = pl.read_parquet(layout.table("services", "services_coordination", WAVE, LA_CODE))
    _assert_report_shows_the_figures(layout.reports(WAVE, LA_CODE), total, roll, comparison, coordination)


def _assert_report_shows_the_figures(
    folder: Path, total: float, roll: int, comparison: pl.DataFrame, coordination: pl.DataFrame
) -> None:
    """The PDF text and the spreadsheet carry the real figures, [c] for withheld need and [z]/not defined costs."""
    import openpyxl
    import pdfplumber

    with pdfplumber.open(folder / "services_report.pdf") as pdf:
        text = " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())
        assert pdf.metadata["Title"] == "Clackmannanshire children\u2019s services mapping 2015-16"
    assert f"£{total:,.0f}" in text
    assert f"£{total / roll:,.0f} for each of the {roll:,d} children on the school roll" in text
    assert "not defined" in text and "[c]" in text and "19%" in text
    # Table cells wrap, so check the figures of one comparison row rather than its whole wording.
    iy = comparison.filter((pl.col("programme") == "Incredible Years") & pl.col("same_programme")).row(
        0, named=True
    )
    assert f"£{iy['cost_per_participant_gbp']:,.0f}" in text and f"£{iy['alternative_cost_gbp']:,.0f}" in text
    assert f"{iy['ratio']:.1f}×" in text and "(same" in text
    assert coordination["target_group"][0] in text
    book = openpyxl.load_workbook(folder / "services_report.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["Cover", "Notes"] and "Spend_against_need" in book.sheetnames
    costs = list(book["Cost_per_participant"].values)
    header = costs[1]
    flagged = [row for row in costs[2:] if row[header.index("cost_flag")] == "no_participants"]
    assert flagged and all(row[header.index("cost_per_participant_gbp")] == "[z]" for row in flagged)
    need = list(book["Spend_against_need"].values)
    assert "[c]" in need[[r[0] for r in need].index("family")]
    # The need figures' base is the survey's published council respondents (180 secondary, 120 primary)
    header = need[1]
    mental = need[[r[0] for r in need].index("mental_wellbeing")]
    assert mental[header.index("secondary_n")] == 180
