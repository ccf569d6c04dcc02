"""The input contract as data: one YAML spec per dataset plus shared code lists, read by one loader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

KINDS = (
    "text",
    "pupil_ref",
    "month",
    "date",
    "postcode",
    "seed_code",
    "code",
    "code_list",
    "yesno",
    "item",
    "integer",
    "number",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column: how it is read, normalised and checked."""

    name: str
    kind: str
    codes: tuple[str, ...] = ()
    codes_name: str = ""
    min: float | None = None
    max: float | None = None
    dtype: str = ""
    not_null: bool = False
    unique: bool = False
    identifier: bool = False
    checked: bool = False  # pupil_ref only: a malformed reference is an error (admin), not kept (surveys)
    pattern: str = ""
    pattern_text: str = ""
    expected: str = ""  # overrides the generated "is not one of ..." text
    optional: bool = False  # may be absent from the header row (then null in the landing table)


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a delivery: its columns in the contract's order and its file rules."""

    name: str
    columns: tuple[ColumnSpec, ...]
    formats: tuple[str, ...]
    optional: bool = False
    strict_columns: bool = False
    instrument: str = ""
    unique_together: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """Contract column names in order."""
        return tuple(c.name for c in self.columns)

    @property
    def identifier_columns(self) -> tuple[str, ...]:
        """Columns that identify a child (only the landing, separation-identifier and key-holder zones)."""
        return tuple(c.name for c in self.columns if c.identifier)

    def column(self, name: str) -> ColumnSpec:
        """The spec of one column by name."""
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class DeliveryRules:
    """Delivery-wide rules: which datasets exist, which are surveys, which flags are services."""

    datasets: tuple[str, ...]
    surveys: tuple[str, ...]
    pupil_surveys: tuple[str, ...]
    seed_code_datasets: tuple[str, ...]
    service_flags: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    item_missing: int
    item_special: tuple[int, ...]
    max_file_mb: int = 200
    max_unpacked_mb: int = 400
    max_rows: int = 500_000


def _read_yaml(*parts: str) -> Any:
    """Parse one packaged YAML file of the contract."""
    node = resources.files(__package__)
    for part in parts:
        node = node.joinpath(part)
    return yaml.safe_load(node.read_text(encoding="utf-8"))


@cache
def code_lists() -> dict[str, tuple[str, ...]]:
    """Named code lists (sex, stage, asn, ...) as tuples of text."""
    return {name: tuple(str(v) for v in values) for name, values in _read_yaml("codes.yaml").items()}


@cache
def delivery_rules() -> DeliveryRules:
    """The delivery-level rules of the contract."""
    raw = _read_yaml("delivery.yaml")
    return DeliveryRules(
        datasets=tuple(raw["datasets"]),
        surveys=tuple(raw["surveys"]),
        pupil_surveys=tuple(raw["pupil_surveys"]),
        seed_code_datasets=tuple(raw["seed_code_datasets"]),
        service_flags=tuple(raw["service_flags"]),
        yes=tuple(str(v) for v in raw["yes_values"]),
        no=tuple(str(v) for v in raw["no_values"]),
        item_missing=int(raw["item_missing"]),
        item_special=tuple(int(v) for v in raw["item_special"]),
        **{name: int(value) for name, value in raw.get("limits", {}).items()},
    )


def _columns(entries: list[dict[str, Any]]) -> tuple[ColumnSpec, ...]:
    """Expand `repeat` templates (e.g. sdq_{:02d} x 25) and resolve code list names."""
    lists = code_lists()
    out: list[ColumnSpec] = []
    for entry in entries:
        entry = dict(entry)
        repeat = entry.pop("repeat", None)
        codes_name = entry.pop("codes", "")
        if entry["kind"] not in KINDS:
            raise ValueError(f"contract column {entry['name']}: unknown kind {entry['kind']!r}")
        if entry["kind"] == "item":
            entry.setdefault("min", 1)
            entry.setdefault("dtype", "Int16")
        fields = {**entry, "codes": lists[codes_name] if codes_name else (), "codes_name": codes_name}
        names = [entry["name"].format(i) for i in range(1, repeat + 1)] if repeat else [entry["name"]]
        out.extend(ColumnSpec(**{**fields, "name": name}) for name in names)
    return tuple(out)


@cache
def load_contract() -> dict[str, DatasetSpec]:
    """Every dataset spec of the contract, keyed by dataset name, in delivery order."""
    specs: dict[str, DatasetSpec] = {}
    for name in delivery_rules().datasets:
        raw = _read_yaml("datasets", f"{name}.yaml")
        specs[name] = DatasetSpec(
            name=raw["dataset"],
            columns=_columns(raw["columns"]),
            formats=tuple(raw["formats"]),
            optional=bool(raw.get("optional", False)),
            strict_columns=bool(raw.get("strict_columns", False)),
            instrument=raw.get("instrument", ""),
            unique_together=tuple(raw.get("unique_together", ())),
        )
    return specs


def dataset_spec(dataset: str) -> DatasetSpec:
    """The spec of one dataset, with a clear error for an unknown name."""
    specs = load_contract()
    if dataset not in specs:
        raise KeyError(f"unknown dataset {dataset!r}; the contract has {', '.join(specs)}")
    return specs[dataset]
