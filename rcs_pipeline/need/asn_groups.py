"""ASN reason groups (asn_groups.yaml): which group each of the 25 reason codes belongs to, and per-child flags."""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl
import yaml

BREAKDOWN_PREFIX = "asn_"
SEPARATOR = ";"


@cache
def asn_groups() -> tuple[dict, ...]:
    """The groups in order: {id, label, codes}."""
    text = resources.files("rcs_pipeline.need").joinpath("asn_groups.yaml").read_text("utf-8")
    return tuple(yaml.safe_load(text)["groups"])


def code_groups() -> dict[str, str]:
    """ASN reason code -> group id; a code listed twice is an error (groups must not share a code)."""
    out: dict[str, str] = {}
    for group in asn_groups():
        for code in group["codes"]:
            if code in out:
                raise ValueError(f"asn_groups.yaml: code {code} is in groups {out[code]} and {group['id']}")
            out[code] = group["id"]
    return out


def group_columns() -> list[str]:
    """The flag column (and breakdown) name of each group: asn_<id>."""
    return [f"{BREAKDOWN_PREFIX}{g['id']}" for g in asn_groups()]


def group_flags(linked: pl.Expr, codes: pl.Expr) -> list[pl.Expr]:
    """One Boolean per group: the child has a reason code of it; null when not linked (no council record).

    `codes` is the `;`-separated asn_types text (blank = no ASN, so every group false).
    """
    parts = codes.cast(pl.String).fill_null("").str.split(SEPARATOR).list.eval(pl.element().str.strip_chars())
    return [
        pl.when(linked)
        .then(parts.list.eval(pl.element().is_in(g["codes"])).list.any())
        .otherwise(None)
        .alias(f"{BREAKDOWN_PREFIX}{g['id']}")
        for g in asn_groups()
    ]
