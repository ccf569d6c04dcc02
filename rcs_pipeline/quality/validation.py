"""Run one Great Expectations suite over a frame with an ephemeral context; results safe to show anywhere.

Expectations on identifier columns are run with no unexpected values kept (GX `partial_unexpected_count`
0), so neither the returned outcome nor the Data Docs ever hold an identifier value: only counts. In the
delivered (landing) tables, where an identifier may sit in any wrongly filled column, the same holds for
every column whose values are not closed codes or small whole numbers (free text, dates, SEED codes, large
counts, amounts): docs/methods/input_contract.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.quality.docs import strip_network_assets
from rcs_pipeline.quality.suites import load_suite

VALUES_KEPT = 10


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: what, on which column, passed or not, how many rows failed, a few values."""

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    unexpected_values: tuple[str, ...]  # always empty for identifier columns
    observed: str | None  # observed value of table-level expectations (row count, columns), never row values


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of one suite over one table."""

    suite: str
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]
    docs_index: Path | None = None

    @property
    def passed(self) -> int:
        """Number of expectations met."""
        return sum(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        """Expectations not met."""
        return [o for o in self.outcomes if not o.success]


def _columns_of(expectation: dict[str, Any]) -> set[str]:
    """Columns an expectation reads (column, column_A/B, column_list)."""
    kwargs = expectation.get("kwargs", {})
    cols = {
        kwargs.get("column"),
        kwargs.get("column_A"),
        kwargs.get("column_B"),
        *kwargs.get("column_list", []),
    }
    return {c for c in cols if c}


def withheld_columns(table: str) -> frozenset[str]:
    """Columns whose values are never kept: identifiers, and in a delivered table every non-closed column."""
    from rcs_pipeline.contract import load_contract

    spec = load_contract().get(table)
    if spec is None:
        return frozenset(IDENTIFIER_COLUMNS)
    closed = {"code", "code_list", "yesno", "item"}  # items are Int16 codes
    # A whole number below 10^9 has at most 9 digits: never a 10-character pupil reference, date or postcode.
    small = {c.name for c in spec.columns if c.kind == "integer" and c.max is not None and c.max < 10**9}
    return frozenset(IDENTIFIER_COLUMNS) | {c.name for c in spec.columns if c.kind not in closed} - small


def _split(suite: dict[str, Any], table: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Expectations on columns whose values are withheld (identifiers, ...), and the rest."""
    withheld = withheld_columns(table)
    ids = [e for e in suite["expectations"] if _columns_of(e) & withheld]
    rest = [e for e in suite["expectations"] if e not in ids]
    return ids, rest


def run_suite(
    frame: pl.DataFrame, name: str, *, suites_dir: Path | None = None, docs_dir: Path | None = None
) -> SuiteOutcome:
    """Validate `frame` with suite `name` (from expectations/ or `suites_dir`); Data Docs under `docs_dir`.

    Example: on a school_roll table whose `pupils` holds -1, run_suite(roll, "school_roll").failed lists
    expect_column_values_to_be_between on column pupils with unexpected_values ("-1",).
    """
    return run_suites({name: frame}, suites_dir=suites_dir, docs_dir=docs_dir)[name]


def run_suites(
    tables: Mapping[str, pl.DataFrame], *, suites_dir: Path | None = None, docs_dir: Path | None = None
) -> dict[str, SuiteOutcome]:
    """Validate each frame with the suite of the same name in one GX context; one Data Docs site for all."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx

    suites = {name: load_suite(name, suites_dir) for name in tables}
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep run logs readable
    if docs_dir is not None:
        context.add_data_docs_site(site_name="rcs", site_config=_site_config(docs_dir))
    source = context.data_sources.add_pandas("rcs")
    results: dict[str, SuiteOutcome] = {}
    for name, frame in tables.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole_table")
        data = frame.to_pandas(use_pyarrow_extension_array=False)
        identifier, other = _split(suites[name], name)
        outcomes: list[ExpectationOutcome] = []
        for part, expectations, kept in (("identifiers", identifier, 0), ("content", other, VALUES_KEPT)):
            if not expectations:
                continue
            gx_suite = context.suites.add(
                _suite(gx, suites[name], f"{name}.{part}" if identifier else name, expectations)
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{name}.{part}", data=batch, suite=gx_suite)
            )
            result_format = {"result_format": "SUMMARY", "partial_unexpected_count": kept}
            run = definition.run(batch_parameters={"dataframe": data}, result_format=result_format)
            outcomes.extend(_outcome(r, kept, withheld_columns(name)) for r in run.results)
        index = docs_dir / "index.html" if docs_dir is not None else None
        results[name] = SuiteOutcome(name, all(o.success for o in outcomes), tuple(outcomes), index)
    if docs_dir is not None:
        context.build_data_docs(site_names=["rcs"])
        strip_network_assets(docs_dir)
    return results


def _suite(gx: Any, suite: dict[str, Any], name: str, expectations: list[dict[str, Any]]) -> Any:
    """A GX ExpectationSuite named `name` from JSON expectation configs."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_suite = gx.ExpectationSuite(name=name, meta=suite.get("meta", {}))
    for e in expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=e["type"], kwargs=e.get("kwargs", {}), meta=e.get("meta", {}))
        )
    return gx_suite


def _site_config(docs_dir: Path) -> dict[str, Any]:
    """A local Data Docs site written to `docs_dir` (index.html at its root)."""
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }


def _outcome(
    result: Any, kept: int, withheld: frozenset[str] = frozenset(IDENTIFIER_COLUMNS)
) -> ExpectationOutcome:
    """A GX ExpectationValidationResult as plain, identifier-free values."""
    config = result.expectation_config
    details = result.result or {}
    column = config.kwargs.get("column") or config.kwargs.get("column_A")
    values = tuple(str(v) for v in (details.get("partial_unexpected_list") or [])[:kept]) if kept else ()
    observed = details.get("observed_value")
    return ExpectationOutcome(
        expectation=config.type,
        column=column,
        success=bool(result.success),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_values=values if column not in withheld else (),
        observed=None if observed is None or column in withheld else str(observed)[:200],
    )
