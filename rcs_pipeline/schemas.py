"""Columns and types of the tables one zone hands to another (docs/tables.md), declared once for both sides.

The producer checks what it writes (`check`), the reader conforms what it reads (`conform`): the same
declaration, so an upstream rename fails loudly where it is read instead of printing [x] everywhere.
`OPTIONAL` columns may be absent (read as null): `reliability` of the analysis estimates (older tables) and
`reason`, which the disclosure zone computes but never publishes (docs/methods/disclosure.md).
"""

from __future__ import annotations

import polars as pl

S, I64, F64, BOOL = pl.String(), pl.Int64(), pl.Float64(), pl.Boolean()
Schema = dict[str, pl.DataType]

_ESTIMATE_KEYS: Schema = {
    "indicator_id": S,
    "geography_level": S,
    "geography_code": S,
    "breakdown": S,
    "breakdown_value": S,
}
_AREA_KEYS: Schema = {"geography_level": S, "geography_code": S}
_CIRCLE_KEYS: Schema = {
    **_AREA_KEYS,
    "breakdown": S,
    "breakdown_value": S,
    "need": S,
    "service": S,
    "circle": S,
}
_RESPONSE_KEYS: Schema = {**_AREA_KEYS, "instrument": S, "stage": S, "sex": S}
_LINKAGE_KEYS: Schema = {"instrument": S, "breakdown": S, "breakdown_value": S, "measure": S}
_COMPARISON_KEYS: Schema = {
    "indicator_id": S,
    "family": S,
    "comparison": S,
    "geography_level": S,
    "geography_code": S,
    "breakdown": S,
    "breakdown_value": S,
    "reference": S,
}

ANALYSIS: dict[str, Schema] = {
    "estimates": {
        **_ESTIMATE_KEYS,
        "n": I64,
        "n_positive": I64,
        "estimate": F64,
        "ci_low": F64,
        "ci_high": F64,
        "reliability": S,
    },
    "three_circles": {**_CIRCLE_KEYS, "n": I64, "base": I64},
    "response_rates": {**_RESPONSE_KEYS, "roll": I64, "respondents": I64},
    "linkage_quality": {**_LINKAGE_KEYS, "count": I64},
    "comparisons": {
        **_COMPARISON_KEYS,
        "n": I64,
        "estimate": F64,
        "reference_n": I64,
        "reference_estimate": F64,
        "difference": F64,
        "se": F64,
        "df": I64,
        "p_value": F64,
        "p_adjusted": F64,
        "direction": S,
        "test_status": S,
    },
}
"""Unsuppressed analysis and linkage tables the disclosure zone reads (never published)."""

_PUBLISHED_ESTIMATES: Schema = {
    **_ESTIMATE_KEYS,
    "unit": S,
    "value": F64,
    "ci_low": F64,
    "ci_high": F64,
    "suppressed": BOOL,
    "reason": S,
    "reliability": S,
}
_SCHOOLS: Schema = {"seed_code": S, "school_name": S, "sector": S, "asg_code": S, "asg_name": S}
PUBLISHED: dict[str, Schema] = {
    "published_estimates": _PUBLISHED_ESTIMATES,
    "published_comparator_estimates": _PUBLISHED_ESTIMATES,
    "published_three_circles": {
        **_CIRCLE_KEYS,
        "n": I64,
        "base": I64,
        "percent": F64,
        "suppressed": BOOL,
        "reason": S,
    },
    "published_linkage_quality": {**_LINKAGE_KEYS, "count": I64, "suppressed": BOOL, "reason": S},
    "published_response_rates": {
        **_RESPONSE_KEYS,
        "roll": I64,
        "respondents": I64,
        "response_rate": F64,
        "suppressed": BOOL,
        "reason": S,
    },
    "published_comparisons": {
        **_COMPARISON_KEYS,
        "unit": S,
        "estimate": F64,
        "reference_estimate": F64,
        "difference": F64,
        "p_adjusted": F64,
        "direction": S,
        "test_status": S,
        "suppressed": BOOL,
        "reliability": S,
        "reference_reliability": S,
    },
    "published_journeys": {
        "journey_table": S,
        "from_wave": S,
        "to_wave": S,
        "measure": S,
        "outcome": S,
        "breakdown": S,
        "breakdown_value": S,
        "unit": S,
        "n": I64,
        "count": I64,
        "estimate": F64,
        "ci_low": F64,
        "ci_high": F64,
        "reference_n": I64,
        "reference_estimate": F64,
        "suppressed": BOOL,
        "pupil_ref_stable": BOOL,
    },
    "disclosure_settings": {
        "min_group": I64,
        "min_cell": I64,
        **{f"rule_{name}": S for name in ("min_group", "min_cell", "audit", "symbol")},
    },
    "schools": _SCHOOLS,
    "history": {"wave": S, **_PUBLISHED_ESTIMATES},
    "history_schools": {"wave": S, **_SCHOOLS},
}
"""What reports may read: the `published/` tables, the schools list (names only), and earlier waves'
published estimates and school names with a `wave` column (`history`, `history_schools`)."""

SCHEMAS: dict[str, Schema] = {**ANALYSIS, **PUBLISHED}
OPTIONAL: dict[str, frozenset[str]] = {
    "estimates": frozenset({"reliability"}),
    **{name: frozenset({"reason"} & set(schema)) for name, schema in PUBLISHED.items()},
}
"""Columns that may be absent from a table (read as null); every other column must be there."""


def schema(table: str) -> Schema:
    """The columns and types of one table, in order (KeyError names the known tables)."""
    if table not in SCHEMAS:
        raise KeyError(f"no schema for table {table!r}; known: {sorted(SCHEMAS)}")
    return SCHEMAS[table]


def empty(table: str) -> pl.DataFrame:
    """An empty frame of the table (a table that was not produced, e.g. no earlier wave)."""
    return pl.DataFrame(schema=schema(table))


def missing_columns(frame: pl.DataFrame, table: str) -> list[str]:
    """Required columns of the table that the frame lacks."""
    optional = OPTIONAL.get(table, frozenset())
    return [c for c in schema(table) if c not in frame.columns and c not in optional]


def conform(frame: pl.DataFrame | None, table: str) -> pl.DataFrame:
    """The frame with exactly the table's columns, in order and cast to their types; empty when None.

    Extra columns are dropped and optional ones absent are null; a missing required column raises a
    ValueError naming the table and columns (an upstream rename must fail here, not print [x]).
    """
    if frame is None:
        return empty(table)
    if missing := missing_columns(frame, table):
        raise ValueError(f"table {table!r} lacks columns {missing} of docs/tables.md")
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema(table).items()
    )


def check(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The frame unchanged when it has the table's required columns with their types; ValueError otherwise.

    For producers: what they write must be what readers `conform` to (extra columns are allowed).
    """
    wrong = [
        f"{c} ({frame.schema[c]}, expected {t})"
        for c, t in schema(table).items()
        if c in frame.columns and frame.schema[c] != t
    ]
    if (missing := missing_columns(frame, table)) or wrong:
        raise ValueError(
            f"table {table!r} does not match docs/tables.md: missing {missing}, wrong types {wrong}"
        )
    return frame


def table_of(columns: Schema) -> str:
    """The name of the table declared with exactly these columns and types (for readers holding the dict)."""
    for name, declared in SCHEMAS.items():
        if declared == columns:
            return name
    raise KeyError("no table is declared with these columns in rcs_pipeline/schemas.py")
