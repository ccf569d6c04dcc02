"""Plain words for a disclosure audit's result, for `rcs run`, run failure messages and the Dagster UI.

The words name cells by table, indicator, geography and breakdown, and say how narrow the attacker's
interval is (pinned exactly, or how many values stay possible); never the interval's bounds, which would
print a suppressed count.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.audit import AuditResult, Failure

EXAMPLES = 3
# Per table: (variable id column, what the variable counts), and the columns naming its cell.
VARIABLES = {
    "estimates": (("n_var", "base n"), ("p_var", "count")),
    "three_circles": (("c_var", "count"), ("b_var", "base")),
    "response_rates": (("var", "respondents"),),
    "linkage_quality": (("var", "count"),),
}
NAMES = {
    "estimates": ("indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"),
    "three_circles": (
        "need",
        "service",
        "circle",
        "geography_level",
        "geography_code",
        "breakdown",
        "breakdown_value",
    ),
    "response_rates": ("instrument", "geography_level", "geography_code", "stage", "sex"),
    "linkage_quality": ("instrument", "measure", "breakdown", "breakdown_value"),
}


def cell_names(tables: dict[str, pl.DataFrame]) -> dict[int, str]:
    """Variable id → 'table: key=value …, what' for every variable of the given tables (keys only, no counts)."""
    names: dict[int, str] = {}
    for table, frame in tables.items():
        plain = table.removeprefix("published_")
        for column, what in VARIABLES.get(plain, ()):
            if column not in frame.columns:
                continue
            keys = [c for c in NAMES[plain] if c in frame.columns]
            for row in frame.select(column, *keys).drop_nulls(column).iter_rows(named=True):
                label = " ".join(str(row[k]) for k in keys if row[k] is not None)
                names[int(row[column])] = f"{plain} {label}, {what}"
    return names


def narrowness(failure: Failure, min_cell: int) -> str:
    """How narrow the interval is, in words: never its bounds."""
    if failure.kind == "unproven":
        return "not proven wide enough within the audit's budget of rounds"
    what = "its complement (base minus count)" if failure.kind == "complement" else "the count"
    if failure.high == failure.low:
        return f"{what} is pinned exactly"
    return f"{what} is narrowed to {failure.high - failure.low + 1} possible values (needs {min_cell + 1})"


def audit_summary(
    audit: AuditResult,
    breaches: int,
    min_cell: int,
    names: dict[int, str] | None = None,
    examples: int = EXAMPLES,
) -> str:
    """One paragraph: passed with what was checked, or how many cells failed and how, with a few examples.

    Example: "disclosure audit failed: 2015 of 5489 suppressed cells can be narrowed below min_cell 10
    (2015 pinned exactly); e.g. estimates sec_bullied all_councils all sex F, count: the count is pinned exactly".
    """
    if audit.passed and breaches == 0:
        narrow = f", narrowest interval {audit.narrowest:g}" if audit.narrowest is not None else ""
        return f"disclosure audit passed: {audit.cells_checked} suppressed cell(s) checked{narrow}"
    parts = []
    if audit.failures:
        cells = len({f.var for f in audit.failures})
        pinned = len({f.var for f in audit.failures if f.low == f.high and f.kind != "unproven"})
        unproven = sum(f.kind == "unproven" for f in audit.failures)
        detail = f"{pinned} pinned exactly" + (f", {unproven} not proven in time" if unproven else "")
        shown = [
            f"{(names or {}).get(f.var, f'cell {f.var}')}: {narrowness(f, min_cell)}"
            for f in audit.failures[:examples]
        ]
        parts.append(
            f"{cells} of {audit.cells_checked} suppressed cell(s) can be narrowed below min_cell "
            f"{min_cell} ({detail}); e.g. " + "; ".join(shown)
        )
    if breaches:
        parts.append(f"{breaches} published cell(s) break a primary rule (a small count or group shown)")
    return "disclosure audit failed: " + "; ".join(parts)
