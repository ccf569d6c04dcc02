"""Tiny hand-made registers, typed as the landing zone types them (docs/tables.md)."""

from __future__ import annotations

from typing import Any

import polars as pl

REGISTER_SCHEMA = {
    "service_id": pl.String,
    "service_name": pl.String,
    "provider": pl.String,
    "provider_type": pl.String,
    "level": pl.String,
    "domain": pl.String,
    "target_group": pl.String,
    "evidence_rating": pl.String,
    "programme": pl.String,
    "annual_spend_gbp": pl.Float64,
    "participants": pl.Int32,
    "outcomes_in_contract": pl.Boolean,
    "funding_department": pl.String,
    "source_row": pl.Int32,
}


def make_register(*services: dict[str, Any]) -> pl.DataFrame:
    """A register from a few services; unspecified columns take harmless defaults."""
    rows = []
    for i, service in enumerate(services):
        row = {
            "service_id": f"S{i + 1}",
            "service_name": f"Service {i + 1}",
            "provider": "Council",
            "provider_type": "LA social work",
            "level": "Targeted",
            "domain": "family",
            "target_group": f"Group {i + 1}",
            "evidence_rating": "Unevaluated",
            "programme": None,
            "annual_spend_gbp": 0.0,
            "participants": 0,
            "outcomes_in_contract": False,
            "funding_department": "Social Work",
            "source_row": i + 2,
        }
        row.update(service)
        rows.append(row)
    return pl.DataFrame(rows, schema=REGISTER_SCHEMA)


def make_evidence_costs(*rows: tuple[str, str, str, float]) -> pl.DataFrame:
    """Reference costs from (programme, domain, level, cost) tuples."""
    return pl.DataFrame(
        [
            {
                "programme": p,
                "domain": d,
                "level": lv,
                "cost_per_participant_gbp": c,
                "source": "hand-made",
                "source_row": i + 2,
            }
            for i, (p, d, lv, c) in enumerate(rows)
        ],
        schema={
            "programme": pl.String,
            "domain": pl.String,
            "level": pl.String,
            "cost_per_participant_gbp": pl.Float64,
            "source": pl.String,
            "source_row": pl.Int32,
        },
    )
