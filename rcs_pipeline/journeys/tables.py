"""Aggregate journey tables of one council from the longitudinal table (docs/methods/journeys.md).

For each earlier wave `from_wave` of the council and the current wave `to_wave`:
- `service_uptake`: of children with need and no service in from_wave, how many had a service in to_wave;
- `need_after_service`: need in both waves of children who received a service between them (and of those
  without a service in either wave, for contrast);
- `wellbeing_change`: the within-child change of WEMWBS and the SDQ total against the cross-sectional change
  (all respondents of each wave);
- `link_rate`: respondents of to_wave in a stage surveyed in from_wave, and how many were followed up (linked
  in both waves), overall and by sex, SIMD quintile, need, service and transfer to secondary school.
Proportions carry a Wilson 95% interval, mean changes a t interval (paired within child, Welch across waves).
"""

from __future__ import annotations

import math

import polars as pl
from scipy import stats

STAGES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "S1", "S2", "S3", "S4", "S5", "S6")
FIRST_SURVEYED, LAST_SURVEYED, FIRST_SECONDARY = 4, 10, 7
SERVICES = ("service_any", "service_asl", "service_social_work")
MEASURES = ("wemwbs", "sdq_total")
LINK_BREAKDOWNS = ("sex", "simd_quintile", "need_any", "service_any", "transition")
UNSTABLE_RATIO = 0.5  # transfer link rate below half the rest: pupil_ref is not stable across the transfer
MIN_STABILITY_BASE = 10
TABLE_SCHEMA = {
    "journey_table": pl.String, "from_wave": pl.String, "to_wave": pl.String, "measure": pl.String,
    "outcome": pl.String, "breakdown": pl.String, "breakdown_value": pl.String, "unit": pl.String,
    "n": pl.Int64, "count": pl.Int64, "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "reference_n": pl.Int64, "reference_estimate": pl.Float64, "pupil_ref_stable": pl.Boolean,
}  # fmt: skip


def wilson(count: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """Wilson score 95% interval of count/n (None when n is 0).

    Example: wilson(5, 10) → (0.2366, 0.7634).
    """
    if n <= 0:
        return None, None
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _row(
    table: str,
    measure: str,
    outcome: str,
    n: int,
    count: int | None = None,
    *,
    breakdown: str = "all",
    value: str = "all",
    unit: str = "percent",
    estimate: float | None = None,
    interval: tuple[float | None, float | None] = (None, None),
    reference_n: int | None = None,
    reference_estimate: float | None = None,
) -> dict[str, object]:
    """One table row (waves and stability filled in by the caller); a proportion when `count` is given."""
    if count is not None and estimate is None and n > 0:
        estimate, interval = count / n, wilson(count, n)
    return {
        "journey_table": table, "measure": measure, "outcome": outcome, "breakdown": breakdown,
        "breakdown_value": value, "unit": unit, "n": n, "count": count, "estimate": estimate,
        "ci_low": interval[0], "ci_high": interval[1], "reference_n": reference_n,
        "reference_estimate": reference_estimate,
    }  # fmt: skip


def pairs(longitudinal: pl.DataFrame, from_wave: str, to_wave: str) -> pl.DataFrame:
    """One row per child linked in both waves: the from_wave columns, and the to_wave ones suffixed `_to`."""
    before = longitudinal.filter(pl.col("wave") == from_wave)
    after = longitudinal.filter(pl.col("wave") == to_wave)
    return before.join(after, on="link_id", suffix="_to")


def service_uptake(pair: pl.DataFrame) -> list[dict[str, object]]:
    """Of children with need and no service in from_wave: how many had each service group in to_wave."""
    base = pair.filter(pl.col("need_any").fill_null(False) & ~pl.col("service_any").fill_null(True))
    return [
        _row("service_uptake", s, "has_service", base.height, int(base[f"{s}_to"].fill_null(False).sum()))
        for s in SERVICES
    ]


def need_after_service(pair: pl.DataFrame) -> list[dict[str, object]]:
    """Need before and after for children who received a service between the waves, and for those who had none."""
    none_before = ~pl.col("service_any").fill_null(True)
    groups = {
        "received_service": pair.filter(none_before & pl.col("service_any_to").fill_null(False)),
        "no_service": pair.filter(none_before & ~pl.col("service_any_to").fill_null(True)),
    }
    rows = []
    for name, group in groups.items():
        known = group.filter(pl.col("need_any").is_not_null() & pl.col("need_any_to").is_not_null())
        for outcome, column in (("before", "need_any"), ("after", "need_any_to")):
            rows.append(
                _row(
                    "need_after_service",
                    "need_any",
                    outcome,
                    known.height,
                    int(known[column].sum()),
                    breakdown="group",
                    value=name,
                )
            )
    return rows


def _mean_interval(values: pl.Series) -> tuple[float | None, tuple[float | None, float | None]]:
    """Mean and t 95% interval of a sample (no interval below 2 values)."""
    n = values.len()
    if n == 0:
        return None, (None, None)
    mean = float(values.mean())
    if n < 2:
        return mean, (None, None)
    half = float(stats.t.ppf(0.975, n - 1)) * float(values.std()) / math.sqrt(n)
    return mean, (mean - half, mean + half)


def _welch(after: pl.Series, before: pl.Series) -> tuple[float | None, tuple[float | None, float | None]]:
    """Difference of means (after − before) with a Welch 95% interval."""
    if after.len() < 2 or before.len() < 2:
        return None, (None, None)
    diff = float(after.mean()) - float(before.mean())
    va, vb = float(after.var()) / after.len(), float(before.var()) / before.len()
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, (diff, diff)
    df = (va + vb) ** 2 / (va * va / (after.len() - 1) + vb * vb / (before.len() - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return diff, (diff - half, diff + half)


def wellbeing_change(
    pair: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame
) -> list[dict[str, object]]:
    """Within-child change of each measure (children with it in both waves) and the cross-sectional change."""
    rows = []
    for measure in MEASURES:
        both = pair.filter(pl.col(measure).is_not_null() & pl.col(f"{measure}_to").is_not_null())
        diff = (both[f"{measure}_to"].cast(pl.Float64) - both[measure].cast(pl.Float64)).alias("d")
        mean, interval = _mean_interval(diff)
        rows.append(
            _row(
                "wellbeing_change",
                measure,
                "within_child",
                both.height,
                unit="points",
                estimate=mean,
                interval=interval,
            )
        )
        a, b = (f[measure].drop_nulls().cast(pl.Float64) for f in (after, before))
        cross, interval = _welch(a, b)
        rows.append(
            _row(
                "wellbeing_change",
                measure,
                "cross_sectional",
                a.len(),
                unit="points",
                estimate=cross,
                interval=interval,
                reference_n=b.len(),
            )
        )
    return rows


def _stage_index(column: str) -> pl.Expr:
    """Index of a stage label in P1..S6 (null when unknown)."""
    return pl.col(column).replace_strict(list(STAGES), list(range(len(STAGES))), default=None)


def eligible(after: pl.DataFrame, pair: pl.DataFrame, years: int) -> pl.DataFrame:
    """Respondents of to_wave in a stage surveyed `years` earlier, with `followed` and `transition` columns."""
    stage = _stage_index("stage")
    followed = pair.select("link_id").unique()
    return (
        after.filter((stage - years).is_between(FIRST_SURVEYED, LAST_SURVEYED))
        .with_columns(
            followed=pl.col("link_id").is_in(followed["link_id"].implode()).fill_null(False),
            transition=pl.when((stage >= FIRST_SECONDARY) & (stage - years < FIRST_SECONDARY))
            .then(pl.lit("primary_to_secondary"))
            .otherwise(pl.lit("same_sector")),
        )
        .with_columns(pl.col(c).cast(pl.String) for c in LINK_BREAKDOWNS)
    )


def link_rate(base: pl.DataFrame) -> list[dict[str, object]]:
    """Followed-up share of eligible respondents, overall and by subgroup against the rest of that breakdown."""
    rows = [_row("link_rate", "followed_up", "linked_both_waves", base.height, int(base["followed"].sum()))]
    for breakdown in LINK_BREAKDOWNS:
        known = base.filter(pl.col(breakdown).is_not_null())
        for value in sorted(known[breakdown].unique().to_list()):
            group = known.filter(pl.col(breakdown) == value)
            rest = known.filter(pl.col(breakdown) != value)
            rows.append(
                _row(
                    "link_rate",
                    "followed_up",
                    "linked_both_waves",
                    group.height,
                    int(group["followed"].sum()),
                    breakdown=breakdown,
                    value=value,
                    reference_n=rest.height,
                    reference_estimate=float(rest["followed"].mean()) if rest.height else None,
                )
            )
    return rows


def pupil_ref_stable(base: pl.DataFrame) -> bool | None:
    """False when children who moved to secondary link at under half the rate of the rest (None: too few)."""
    rates = {}
    for value in ("primary_to_secondary", "same_sector"):
        group = base.filter(pl.col("transition") == value)
        if group.height < MIN_STABILITY_BASE:
            return None
        rates[value] = float(group["followed"].mean())
    return not rates["primary_to_secondary"] < UNSTABLE_RATIO * rates["same_sector"]


def journey_tables(longitudinal: pl.DataFrame, scores: dict[str, pl.DataFrame], to_wave: str) -> pl.DataFrame:
    """Every journey table from each earlier wave in `scores` to `to_wave` (TABLE_SCHEMA; empty without one).

    `scores`: per wave, the respondents with link_id, stage, sex, simd_quintile, need_any, service_any, wemwbs,
    sdq_total (pupil_scores columns).
    """
    out = []
    after = scores[to_wave]
    for from_wave in sorted(w for w in scores if w < to_wave):
        pair = pairs(longitudinal, from_wave, to_wave)
        years = int(to_wave[:4]) - int(from_wave[:4])
        base = eligible(after, pair, years)
        rows = [
            *service_uptake(pair),
            *need_after_service(pair),
            *wellbeing_change(pair, scores[from_wave], after),
            *link_rate(base),
        ]
        stable = pupil_ref_stable(base)
        out += [r | {"from_wave": from_wave, "to_wave": to_wave, "pupil_ref_stable": stable} for r in rows]
    return pl.DataFrame(out, schema=TABLE_SCHEMA, orient="row") if out else pl.DataFrame(schema=TABLE_SCHEMA)
