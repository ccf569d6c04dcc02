"""Labels the reports print: indicator names and domains from the indicator catalogue, and layout.yaml words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def report_layout() -> dict[str, Any]:
    """The packaged layout.yaml: chapters, domain titles, breakdown, need and circle labels."""
    text = resources.files(__package__).joinpath("layout.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class IndicatorLabel:
    """What a report needs to know about an indicator: its words, domain, instrument and direction."""

    indicator_id: str
    label: str
    domain: str
    instrument: str = "pupil"
    higher_is_better: bool | None = None


def _as_dicts(catalogue: Any) -> list[dict[str, Any]]:
    """Catalogue rows as dicts, whether it is a frame, a mapping or a sequence of records."""
    if hasattr(catalogue, "to_dicts"):
        return catalogue.to_dicts()
    if isinstance(catalogue, dict):
        return [{"indicator_id": key, **(_as_dicts([value])[0])} for key, value in catalogue.items()]
    rows = []
    for item in catalogue:
        if isinstance(item, dict):
            rows.append(item)
        elif is_dataclass(item):
            rows.append(asdict(item))
        else:
            rows.append({k: getattr(item, k) for k in dir(item) if not k.startswith("_")})
    return rows


def _label_of(row: dict[str, Any]) -> IndicatorLabel:
    """One catalogue row as an IndicatorLabel, tolerant of the catalogue's field names."""
    ident = str(row.get("indicator_id") or row.get("id"))
    label = (
        row.get("short_label") or row.get("label") or row.get("name") or row.get("title") or humanise(ident)
    )
    instrument = row.get("instrument") or row.get("instruments") or "pupil"
    if isinstance(instrument, list | tuple):
        instrument = "parent" if list(instrument) == ["parent"] else "pupil"
    direction = row.get("higher_is_better")
    if direction is None and isinstance(row.get("direction"), str):
        direction = row["direction"].lower().startswith(("higher", "positive", "up"))
    return IndicatorLabel(ident, str(label), str(row.get("domain") or "other"), str(instrument), direction)


def humanise(indicator_id: str) -> str:
    """A readable label from an id when the catalogue has none ('sleep_8h' -> 'Sleep 8h')."""
    return indicator_id.replace("_", " ").strip().capitalize()


@cache
def _catalogue_rows() -> tuple[IndicatorLabel, ...]:
    """The indicator catalogue's labels (rcs_pipeline.indicators)."""
    from rcs_pipeline.indicators import load_catalogue

    return tuple(_label_of(row) for row in _as_dicts(load_catalogue()))


def indicator_labels(indicator_ids: list[str] | None = None) -> dict[str, IndicatorLabel]:
    """Labels by indicator id: catalogue entries, plus a humanised fallback for any id not catalogued."""
    known = {item.indicator_id: item for item in _catalogue_rows()}
    for ident in indicator_ids or []:
        known.setdefault(ident, IndicatorLabel(ident, humanise(ident), "other"))
    return known


def breakdown_title(breakdown: str) -> str:
    """The printed name of a breakdown ('simd_quintile' -> 'SIMD quintile')."""
    return report_layout()["breakdowns"].get(breakdown, {}).get("title", humanise(breakdown))


def breakdown_value_label(breakdown: str, value: str) -> str:
    """The printed name of one group of a breakdown ('sex', 'F' -> 'Girls')."""
    values = report_layout()["breakdowns"].get(breakdown, {}).get("values", {})
    key = str(value).lower() if str(value).lower() in ("true", "false") else str(value)
    return str(values.get(key, value))
