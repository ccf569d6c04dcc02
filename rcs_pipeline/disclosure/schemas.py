"""Column types of the analysis tables the disclosure zone reads (docs/tables.md), for empty tables and tests."""

from __future__ import annotations

import polars as pl

S, I64, F64 = pl.String, pl.Int64, pl.Float64

INPUT_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "estimates": {
        "indicator_id": S,
        "geography_level": S,
        "geography_code": S,
        "breakdown": S,
        "breakdown_value": S,
        "n": I64,
        "n_positive": I64,
        "estimate": F64,
        "ci_low": F64,
        "ci_high": F64,
    },
    "three_circles": {
        "geography_level": S,
        "geography_code": S,
        "breakdown": S,
        "breakdown_value": S,
        "need": S,
        "service": S,
        "circle": S,
        "n": I64,
        "base": I64,
    },
    "response_rates": {
        "geography_level": S,
        "geography_code": S,
        "instrument": S,
        "stage": S,
        "sex": S,
        "roll": I64,
        "respondents": I64,
    },
    "linkage_quality": {"instrument": S, "breakdown": S, "breakdown_value": S, "measure": S, "count": I64},
}


OPTIONAL_COLUMNS: dict[str, dict[str, pl.DataType]] = {"estimates": {"reliability": S}}
"""Columns carried when present and null when absent (`reliability`: 'low' or null, printed [u] by reports)."""


def conform(frame: pl.DataFrame | None, table: str) -> pl.DataFrame:
    """The frame with the contract's columns cast to their types (extra columns dropped); empty when None."""
    schema = INPUT_SCHEMAS[table]
    optional = OPTIONAL_COLUMNS.get(table, {})
    if frame is None:
        return pl.DataFrame(schema={**schema, **optional})
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"table {table!r} lacks columns {missing} of docs/tables.md")
    carried = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in optional.items()
    ]
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()] + carried)
