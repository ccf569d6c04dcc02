"""Write a services delivery through the contract readers into a test RCS_HOME's landing tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from rcs_pipeline.contract.readers import read_dataset
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.schemas import schema
from rcs_pipeline.storage import write_parquet_atomic
from rcs_pipeline.synthetic.services import evidence_costs, services_register

WAVE = "2015-16"
LA_CODE = "S12000005"
ROLL = (("1234567", "S1", "F", 400), ("1234567", "S1", "M", 600))  # 1,000 children


def published_need(values: dict[str, tuple[float | None, int | None, bool]]) -> pl.DataFrame:
    """Council-wide published estimates rows: indicator_id → (value, n, suppressed)."""
    return published_rows(*((i, "council", v, n, s) for i, (v, n, s) in values.items()))


def published_rows(*rows: tuple[str, str, float | None, int | None, bool]) -> pl.DataFrame:
    """Published estimates rows (indicator, geography level, value, n, suppressed), breakdown all."""
    return pl.DataFrame(
        [
            {
                "indicator_id": i,
                "geography_level": g,
                "geography_code": LA_CODE,
                "breakdown": "all",
                "breakdown_value": "all",
                "unit": "percent",
                "n": n,
                "value": v,
                "ci_low": None,
                "ci_high": None,
                "suppressed": s,
                "reason": "min_cell" if s else None,
            }
            for i, g, v, n, s in rows
        ],
        schema=schema("published_estimates"),
    )


def published_respondents(secondary: int | None, primary: int | None) -> pl.DataFrame:
    """The council's published response-table rows per survey (None: withheld), the base of need figures."""
    rows = [("secondary", 600, secondary), ("primary", 500, primary)]
    return pl.DataFrame(
        [
            {
                "geography_level": "council",
                "geography_code": LA_CODE,
                "instrument": instrument,
                "stage": "all",
                "sex": "all",
                "roll": roll,
                "respondents": respondents,
                "response_rate": None if respondents is None else round(100 * respondents / roll),
                "suppressed": respondents is None,
                "reason": None,
            }
            for instrument, roll, respondents in rows
        ],
        schema=schema("published_response_rates"),
    )


def write_published(layout: RcsHome, need: pl.DataFrame, rates: pl.DataFrame | None = None) -> None:
    """The published tables the services zone reads: council estimates and the response table."""
    write_parquet_atomic(need, layout.table("published", "published_estimates", WAVE, LA_CODE))
    rates = rates if rates is not None else published_respondents(420, None)
    write_parquet_atomic(rates, layout.table("published", "published_response_rates", WAVE, LA_CODE))


def land_services(
    home: Path,
    register: pl.DataFrame | None = None,
    published: pl.DataFrame | None = None,
    *,
    through_contract: bool = True,
) -> RcsHome:
    """CSV deliveries of register and costs, read by the contract readers into landing tables, plus roll and need.

    With through_contract=False the register is typed here and written straight to landing, as a stale or
    hand-edited landing table would be, so that the services zone's own rules can be seen to act.
    """
    layout = RcsHome(home)
    folder = layout.delivery(WAVE, LA_CODE)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    register = register if register is not None else services_register(LA_CODE, 1000, rng)
    register.write_csv(folder / "services_register.csv")
    evidence_costs(rng).write_csv(folder / "evidence_costs.csv")
    for dataset in ("services_register", "evidence_costs"):
        if dataset == "services_register" and not through_contract:
            typed = register.with_columns(
                pl.col("outcomes_in_contract") == "Y",
                pl.col("participants").cast(pl.Int32),
                pl.int_range(2, register.height + 2, dtype=pl.Int32).alias("source_row"),
            )
            write_parquet_atomic(typed, layout.table("landing", dataset, WAVE, LA_CODE))
            continue
        write_parquet_atomic(read_dataset(folder, dataset), layout.table("landing", dataset, WAVE, LA_CODE))
    roll = pl.DataFrame(
        ROLL,
        schema={"seed_code": pl.String, "stage": pl.String, "sex": pl.String, "pupils": pl.Int32},
        orient="row",
    )
    write_parquet_atomic(roll, layout.table("landing", "school_roll", WAVE, LA_CODE))
    need = (
        published
        if published is not None
        else published_need(
            {
                "sec_high_need_family": (14.0, 420, False),
                "sec_high_need_mental_wellbeing": (22.0, 420, False),
                "pri_high_need_family": (None, None, True),
            }
        )
    )
    write_published(layout, need)
    return layout
