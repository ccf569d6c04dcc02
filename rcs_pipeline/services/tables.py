"""The services-zone tables of one (wave, council), as written by the services assets and read by the report."""

from __future__ import annotations

from dataclasses import dataclass, fields

import polars as pl

from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage.parquet import read_parquet

ZONE = "services"


@dataclass(frozen=True)
class ServicesTables:
    """Every table the services report and spreadsheet are made from (services zone only)."""

    services_investment: pl.DataFrame
    services_cost_per_participant: pl.DataFrame
    services_cost_by_level: pl.DataFrame
    services_cost_comparison: pl.DataFrame
    services_coordination: pl.DataFrame
    services_spend_against_need: pl.DataFrame

    def as_dict(self) -> dict[str, pl.DataFrame]:
        """The tables by name, in report order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


TABLE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ServicesTables))


def read_services_tables(home: RcsHome, wave: str, la_code: str) -> ServicesTables:
    """Read the six services tables of a partition (a missing one names the asset to materialise)."""
    return ServicesTables(
        **{name: read_parquet(home.table(ZONE, name, wave, la_code)) for name in TABLE_NAMES}
    )
