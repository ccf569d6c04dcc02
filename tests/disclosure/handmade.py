"""Tiny hand-made analysis tables in the docs/tables.md schemas, for disclosure tests."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure import CouncilTables
from rcs_pipeline.schemas import conform

COUNCIL = "S12000005"


def estimate_rows(
    cells: list[tuple[str, str, str, int, int | None]], indicator: str = "ind_x", breakdown: str = "sex"
) -> pl.DataFrame:
    """Estimates from (level, code, breakdown_value, n, n_positive); breakdown `all` when the value is `all`."""
    rows = [
        {
            "indicator_id": indicator,
            "geography_level": level,
            "geography_code": code,
            "breakdown": "all" if value == "all" else breakdown,
            "breakdown_value": value,
            "n": n,
            "n_positive": p,
            "estimate": (p / n if p is not None else 14.25) if n else None,
            "ci_low": (p / n * 0.9 if p is not None else 13.0) if n else None,
            "ci_high": (p / n * 1.1 if p is not None else 15.5) if n else None,
        }
        for level, code, value, n, p in cells
    ]
    return conform(pl.DataFrame(rows), "estimates")


def council_tables(
    estimates: pl.DataFrame | None = None,
    three_circles: pl.DataFrame | None = None,
    response_rates: pl.DataFrame | None = None,
    linkage_quality: pl.DataFrame | None = None,
) -> CouncilTables:
    """A CouncilTables with empty tables for whatever is not given."""
    return CouncilTables(
        conform(estimates, "estimates"),
        conform(three_circles, "three_circles"),
        conform(response_rates, "response_rates"),
        conform(linkage_quality, "linkage_quality"),
    )


def schools(mapping: dict[str, str]) -> pl.DataFrame:
    """The public schools list: seed_code → asg_code."""
    return pl.DataFrame({"seed_code": list(mapping), "asg_code": list(mapping.values())})


def circle_rows(
    level: str,
    code: str,
    counts: dict[str, int],
    need: str = "need_sdq_high",
    service: str = "service_any",
    value: str = "all",
) -> list[dict]:
    """Four three-circles rows of one group from circle → count (base = their sum)."""
    base = sum(counts.values())
    return [
        {
            "geography_level": level,
            "geography_code": code,
            "breakdown": "all" if value == "all" else "sex",
            "breakdown_value": value,
            "need": need,
            "service": service,
            "circle": circle,
            "n": n,
            "base": base,
        }
        for circle, n in counts.items()
    ]
