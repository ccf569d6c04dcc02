"""Published-like tables made up for developing, testing and benchmarking the reports.

The made-up council is drawn unsuppressed (analysis-like counts and values) and then protected by the real
disclosure zone (`protect_council`, thresholds from rules.yaml through `settings_for`), so every withheld
cell, its symbol and its reason are what the pipeline would publish (docs/tables.md "disclosure").
They are not statistics of anyone: values are drawn at random around plausible levels.

The module stays in the package (the pipeline never imports it) because the README's page images
(`scripts/report_pages.sh sample`) and the report benchmarks (benchmarks/bench_reports.py,
bench_render_ratio.py) render it outside the test tree; the report tests use it through tests/reports/conftest.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from rcs_pipeline.disclosure import CouncilTables, DisclosureSettings, protect_council
from rcs_pipeline.disclosure.comparisons import COMPARISON_SCHEMA, publish_comparisons
from rcs_pipeline.disclosure.settings import settings_for
from rcs_pipeline.reports.inputs import (
    ESTIMATE_SCHEMA,
    LINKAGE_QUALITY_SCHEMA,
    RESPONSE_RATES_SCHEMA,
    SCHOOLS_SCHEMA,
    THREE_CIRCLES_SCHEMA,
    PublishedTables,
    conform,
)
from rcs_pipeline.schemas import conform as conform_analysis

_AT = list(ESTIMATE_SCHEMA).index("unit") + 1
DRAWN_ESTIMATE_SCHEMA = dict(
    [*list(ESTIMATE_SCHEMA.items())[:_AT], ("n", pl.Int64()), *list(ESTIMATE_SCHEMA.items())[_AT:]]
)
"""Estimates as drawn, before disclosure control: the published columns and each row's base `n`, which
publication drops (docs/methods/disclosure.md §4, "Bases")."""
PUPIL_STAGES = {"primary": ("P5", "P6", "P7"), "secondary": ("S1", "S2", "S3", "S4")}
COUNCIL_BREAKDOWNS = {
    "sex": ("F", "M"),
    "simd_quintile": ("1", "2", "3", "4", "5"),
    "urban_rural_2fold": ("urban", "rural"),
    "urban_rural_8fold": ("1", "2", "3", "4", "5", "6", "7", "8"),
    "fsm_p6plus": ("true", "false"),
    "any_asn": ("true", "false"),
    "looked_after_any": ("true", "false"),
    "child_protection_register": ("true", "false"),
}
NEEDS = ("need_any", "need_sdq_high", "need_low_wemwbs")
SERVICES = ("service_any", "service_asn", "service_free_school_meals")
CIRCLES = ("need_with_service", "need_without_service", "service_without_need", "neither")


@dataclass(frozen=True)
class SampleIndicator:
    """An indicator of the sample catalogue with its unit and instrument."""

    indicator_id: str
    unit: str
    instrument: str


def sample_indicators() -> list[SampleIndicator]:
    """The indicator catalogue's indicators, with their units and instruments."""
    from rcs_pipeline.indicators import load_catalogue

    return [
        SampleIndicator(r["indicator_id"], "mean" if r["type"] == "mean" else "percent", r["instrument"])
        for r in load_catalogue().iter_rows(named=True)
    ]


def sample_schools(la_code: str, n_clusters: int, rng: np.random.Generator) -> pl.DataFrame:
    """A council's schools: clusters of one secondary and several feeder primaries, with made-up names."""
    rows = []
    base = int(la_code[-3:]) * 10_000
    for c in range(n_clusters):
        asg = f"{la_code[-2:]}{c + 1:02d}"
        asg_name = f"Cluster {c + 1} ASG"
        rows.append((f"{base + c * 100 + 1:07d}", f"Academy {c + 1}", "Secondary", asg, asg_name))
        for p in range(int(rng.integers(3, 8))):
            rows.append(
                (f"{base + c * 100 + 10 + p:07d}", f"Primary {c + 1}-{p + 1}", "Primary", asg, asg_name)
            )
    return pl.DataFrame(rows, schema=SCHOOLS_SCHEMA, orient="row")


def _estimate_row(
    ident: SampleIndicator,
    level: str,
    code: str,
    breakdown: str,
    value: str,
    n: int,
    centre: float,
    rng: np.random.Generator,
) -> dict:
    """One unsuppressed published-like estimate row around `centre` (proportion 0–1 or mean) for a group of n."""
    if ident.unit == "percent":
        p = float(np.clip(centre + rng.normal(0, 0.06), 0.01, 0.99))
        half = 1.96 * np.sqrt(p * (1 - p) / max(n, 1)) * 1.3
        shown = (round(100 * p), round(100 * max(p - half, 0)), round(100 * min(p + half, 1)))
    else:
        p = None
        mean = centre + rng.normal(0, 1.5)
        half = 1.96 * 8.5 / np.sqrt(max(n, 1)) * 1.2
        shown = (round(mean, 1), round(mean - half, 1), round(mean + half, 1))
    return {
        "indicator_id": ident.indicator_id,
        "geography_level": level,
        "geography_code": code,
        "breakdown": breakdown,
        "breakdown_value": value,
        "unit": ident.unit,
        "n": n,
        "value": float(shown[0]),
        "ci_low": float(shown[1]),
        "ci_high": float(shown[2]),
        "suppressed": False,
        "reason": None,
    }


PLANTED_GAPS = {
    ("sex", "F"): 0.25,
    ("simd_quintile", "1"): -0.3,
    ("simd_quintile", "5"): 0.25,
    ("any_asn", "true"): -0.35,
    ("looked_after_any", "true"): -0.35,
}
"""Made-up group gaps planted in every other sample indicator (as proportions; a tenth as much for means), so
that the sample's tests find some clear differences and miss others."""


def _planted(ident: SampleIndicator, code: str, breakdown: str, value: str, academies: set[str]) -> float:
    """The planted shift of one group's or one academy's level for an indicator (0 for most)."""
    if sum(map(ord, ident.indicator_id)) % 2:
        return 0.0
    scale = 1.0 if ident.unit == "percent" else 10.0
    if code in academies:
        return 0.25 * scale
    return PLANTED_GAPS.get((breakdown, value), 0.0) * scale


def _centre(ident: SampleIndicator, base: dict[str, float]) -> float:
    """A plausible level for an indicator (mean scores near their population means)."""
    if ident.unit == "mean":
        if "swemwbs" in ident.indicator_id:
            return 24.0
        return 49.0 if "wemwbs" in ident.indicator_id else 10.5
    return base[ident.indicator_id]


def _first_per_domain(indicators: list[SampleIndicator], k: int) -> list[SampleIndicator]:
    """A smaller catalogue for quick tests: the first k proportions per survey and domain, and every mean score."""
    from rcs_pipeline.reports.catalogue import indicator_labels

    labels = indicator_labels([i.indicator_id for i in indicators])
    taken: dict[tuple[str, str], int] = {}
    out = []
    for ident in indicators:
        key = (ident.instrument, labels[ident.indicator_id].domain)
        if ident.unit == "mean" or taken.get(key, 0) < k:
            out.append(ident)
            taken[key] = taken.get(key, 0) + (ident.unit != "mean")
    return out


def _applies(ident: SampleIndicator, sector: str | None) -> bool:
    """Whether a pupil indicator is asked in a school of this sector (None: cluster or council, all)."""
    return sector is None or ident.instrument in ("pupil", sector.lower())


def _stages(ident: SampleIndicator, sector: str | None) -> tuple[str, ...]:
    """The stages an indicator's survey covers."""
    if ident.instrument in PUPIL_STAGES:
        return PUPIL_STAGES[ident.instrument]
    return PUPIL_STAGES[sector.lower()] if sector else PUPIL_STAGES["primary"] + PUPIL_STAGES["secondary"]


def sample_published(
    wave: str,
    la_code: str,
    *,
    n_clusters: int = 4,
    seed: int = 2015,
    settings: DisclosureSettings | None = None,
    parent_survey: bool = True,
    previous_wave: str | None = None,
    per_domain: int | None = None,
) -> PublishedTables:
    """A council's published tables for a wave (estimates, three circles, response and linkage rates, tested
    comparisons): `sample_drawn` protected by `protect_council` with `settings` (default: rules.yaml's for
    the wave and council; the made-up previous wave is protected with the same)."""
    settings = settings or settings_for(wave, la_code)
    drawn = sample_drawn(
        wave,
        la_code,
        n_clusters=n_clusters,
        seed=seed,
        settings=settings,
        parent_survey=parent_survey,
        previous_wave=previous_wave,
        per_domain=per_domain,
    )
    return with_sample_comparisons(protected(drawn, settings))


def sample_drawn(
    wave: str,
    la_code: str,
    *,
    n_clusters: int = 4,
    seed: int = 2015,
    settings: DisclosureSettings | None = None,
    parent_survey: bool = True,
    previous_wave: str | None = None,
    per_domain: int | None = None,
) -> PublishedTables:
    """A council's tables for a wave as drawn, before disclosure control: published-like columns, nothing
    withheld (the previous wave's council estimates are already protected with `settings`)."""
    settings = settings or settings_for(wave, la_code)
    rng = np.random.default_rng([seed, int(la_code[-3:]), int(wave[:4])])
    schools = sample_schools(la_code, n_clusters, rng)
    indicators = [i for i in sample_indicators() if parent_survey or i.instrument != "parent"]
    if per_domain is not None:
        indicators = _first_per_domain(indicators, per_domain)
    base = {i.indicator_id: float(rng.uniform(0.15, 0.85)) for i in indicators}
    for band, level in zip(
        ("close_to_average", "slightly_raised", "high", "very_high"), (0.72, 0.1, 0.08, 0.1), strict=True
    ):
        base[f"sdq_total_band4_{band}"] = level
    respondents = {
        row["seed_code"]: int(rng.integers(25, 140) if row["sector"] == "Secondary" else rng.integers(4, 60))
        for row in schools.iter_rows(named=True)
    }
    sector = dict(zip(schools["seed_code"], schools["sector"], strict=True))
    academies = set(schools.filter(pl.col("sector") == "Secondary")["seed_code"].to_list())
    est, rr, circles = [], [], []
    groups: list[tuple[str, str, int, str | None, dict[str, tuple[str, ...]]]] = []
    total = sum(respondents.values())
    groups.append(("council", la_code, total, None, dict(COUNCIL_BREAKDOWNS)))
    for asg, frame in schools.group_by("asg_code", maintain_order=True):
        n = sum(respondents[s] for s in frame["seed_code"])
        groups.append(("cluster", str(asg[0]), n, None, {"sex": ("F", "M")}))
    for seed_code, n in respondents.items():
        groups.append(("school", seed_code, n, sector[seed_code], {"sex": ("F", "M")}))
    for level, code, n, school_sector, breakdowns in groups:
        for ident in indicators:
            if ident.instrument == "parent":
                if level == "council":
                    est.append(
                        _estimate_row(
                            ident,
                            level,
                            code,
                            "all",
                            "all",
                            max(n // 3, 1),
                            _centre(ident, base),
                            rng,
                        )
                    )
                continue
            if not _applies(ident, school_sector):
                continue
            n_ind = n if school_sector else max(n // 2, 1)
            centre = _centre(ident, base) + _planted(ident, code, "all", "all", academies)
            est.append(_estimate_row(ident, level, code, "all", "all", n_ind, centre, rng))
            for breakdown, values in {**breakdowns, "stage": _stages(ident, school_sector)}.items():
                shares = rng.dirichlet(np.full(len(values), 4.0))
                for value, share in zip(values, shares, strict=True):
                    est.append(
                        _estimate_row(
                            ident,
                            level,
                            code,
                            breakdown,
                            value,
                            int(n_ind * share),
                            centre + _planted(ident, code, breakdown, value, set()),
                            rng,
                        )
                    )
        rr.extend(_response_rows(level, code, n, sector.get(code), rng))
        circles.extend(_circle_rows(level, code, n, rng))
    estimates = pl.DataFrame(est, schema=DRAWN_ESTIMATE_SCHEMA)
    comparator = pl.DataFrame(
        [
            _estimate_row(i, "all_councils", "all", "all", "all", 20_000, _centre(i, base), rng)
            for i in indicators
        ],
        schema=DRAWN_ESTIMATE_SCHEMA,
    )
    previous = (
        sample_published(
            previous_wave,
            la_code,
            n_clusters=n_clusters,
            seed=seed + 1,
            settings=settings,
            parent_survey=parent_survey,
            per_domain=per_domain,
        ).estimates.filter(pl.col("geography_level") == "council")
        if previous_wave
        else None
    )
    tables = PublishedTables(
        wave=wave,
        la_code=la_code,
        estimates=estimates,
        previous=previous if previous is not None else estimates.clear(),
        previous_wave=previous_wave,
        three_circles=pl.DataFrame(circles, schema=THREE_CIRCLES_SCHEMA),
        linkage_quality=_linkage_rows(total, rng),
        response_rates=pl.DataFrame(rr, schema=RESPONSE_RATES_SCHEMA),
        comparator=comparator,
        schools=schools,
        councils_in_wave=3,
    )
    if parent_survey:  # the parent design's breakdowns and the equality fields' linkage counts
        from rcs_pipeline.reports.sample_parents import with_sample_parents

        tables = with_sample_parents(tables, seed)
    return tables


def analysis_tables(tables: PublishedTables) -> CouncilTables:
    """The unsuppressed sample tables in the analysis schemas `protect_council` reads (docs/tables.md)."""
    percent = pl.col("unit") == "percent"
    scale = pl.when(percent).then(pl.lit(100.0)).otherwise(pl.lit(1.0))
    estimates = tables.estimates.with_columns(
        estimate=pl.col("value") / scale,
        ci_low=pl.col("ci_low") / scale,
        ci_high=pl.col("ci_high") / scale,
        n_positive=pl.when(percent).then((pl.col("n") * pl.col("value") / 100).round(0).cast(pl.Int64)),
    )
    return CouncilTables(
        conform_analysis(estimates, "estimates"),
        conform_analysis(tables.three_circles, "three_circles"),
        conform_analysis(tables.response_rates, "response_rates"),
        conform_analysis(tables.linkage_quality, "linkage_quality"),
    )


def protected(tables: PublishedTables, settings: DisclosureSettings) -> PublishedTables:
    """The council's tables as the disclosure zone publishes them: primary and secondary suppression and the
    audit of `protect_council` applied to the unsuppressed sample (the comparator, 20,000 pupils, is left as drawn).
    """
    protection = protect_council(analysis_tables(tables), tables.schools, tables.la_code, settings)
    if not protection.audit.passed:
        raise ValueError(f"sample council {tables.la_code} {tables.wave}: the disclosure audit failed")
    out = protection.published
    return replace(
        tables,
        estimates=conform(out["published_estimates"], ESTIMATE_SCHEMA),
        three_circles=conform(out["published_three_circles"], THREE_CIRCLES_SCHEMA),
        response_rates=conform(out["published_response_rates"], RESPONSE_RATES_SCHEMA),
        linkage_quality=conform(out["published_linkage_quality"], LINKAGE_QUALITY_SCHEMA),
    )


def with_sample_comparisons(tables: PublishedTables) -> PublishedTables:
    """The tables with published comparisons: made-up tests of their published values, through the real
    disclosure rule (`publish_comparisons`), so withheld figures withhold the comparisons resting on them."""
    analysis = sample_comparisons(tables)
    earlier = {tables.previous_wave: tables.previous} if tables.previous_wave else {}
    comparator = tables.comparator if tables.councils_in_wave != 1 else tables.comparator.clear()
    published = publish_comparisons(analysis, tables.estimates, comparator, earlier, tables.la_code)
    return replace(tables, comparisons=published)


SAMPLE_GROUP_TESTS = (
    ("group_vs_group", "sex", "F", "M"),
    ("group_vs_group", "simd_quintile", "1", "5"),
    ("group_vs_rest", "any_asn", "true", "false"),
    ("group_vs_rest", "fsm_p6plus", "true", "false"),
    ("group_vs_rest", "looked_after_any", "true", "false"),
)
"""Group comparisons of the sample: (kind, breakdown, first group, the group standing in for the other side)."""


def sample_comparisons(tables: PublishedTables) -> pl.DataFrame:
    """analysis/comparisons-like rows for the sample: each area against the council, the council against the
    comparator and its previous wave, and the council's group gaps, tested by a normal approximation from the
    published intervals and adjusted by Benjamini-Hochberg within each family. Made up, like the sample."""
    la = tables.la_code
    est = {
        (
            r["geography_level"],
            r["geography_code"],
            r["indicator_id"],
            r["breakdown"],
            r["breakdown_value"],
        ): r
        for r in tables.estimates.iter_rows(named=True)
    }
    comparator = {r["indicator_id"]: r for r in tables.comparator.iter_rows(named=True)}
    previous = {
        r["indicator_id"]: r
        for r in tables.previous.filter(pl.col("breakdown") == "all").iter_rows(named=True)
    }
    rows: list[dict] = []
    for (level, code, ident, breakdown, _), row in est.items():
        if level in ("school", "cluster") and breakdown == "all":
            other = est.get(("council", la, ident, "all", "all"))
            rows.append(
                _test(
                    row,
                    other,
                    f"{level}:{code}:vs_rest_of_council",
                    "area_vs_rest_of_council",
                    "rest_of_council",
                )
            )
        if level == "council" and breakdown == "all":
            family = f"council:{la}:vs_rest_of_wave"
            if tables.councils_in_wave != 1:
                rows.append(
                    _test(row, comparator.get(ident), family, "council_vs_rest_of_wave", "rest_of_wave")
                )
            if tables.previous_wave:
                rows.append(
                    _test(
                        row, previous.get(ident), f"council:{la}:trend", "wave_vs_wave", tables.previous_wave
                    )
                )
    areas = sorted({(k[0], k[1]) for k in est if k[0] in ("council", "cluster")})
    for level, code in areas:
        for kind, breakdown, first, second in SAMPLE_GROUP_TESTS:
            for ident in sorted({k[2] for k in est if k[:2] == (level, code)}):
                a = est.get((level, code, ident, breakdown, first))
                b = est.get((level, code, ident, breakdown, second))
                reference = second if kind == "group_vs_group" else "rest"
                if a is not None:
                    rows.append(_test(a, b, f"{level}:{code}:groups", kind, reference))
    frame = pl.DataFrame([r for r in rows if r is not None], schema=COMPARISON_SCHEMA)
    return _adjust(frame)


def _test(a: dict, b: dict | None, family: str, kind: str, reference: str) -> dict | None:
    """One made-up comparison of two published rows (None when the other side has no row)."""
    if b is None:
        return None
    scale = 100.0 if a["unit"] == "percent" else 1.0
    out = {
        "indicator_id": a["indicator_id"],
        "family": family,
        "comparison": kind,
        "geography_level": a["geography_level"],
        "geography_code": a["geography_code"],
        "breakdown": a["breakdown"],
        "breakdown_value": a["breakdown_value"],
        "reference": reference,
        "n": a.get("n"),  # published rows carry no base (docs/methods/disclosure.md §4); never published here
        "reference_n": b.get("n"),
    }
    values = (a["value"], a["ci_low"], a["ci_high"], b["value"], b["ci_low"], b["ci_high"])
    if any(v is None for v in values):
        return {**out, "test_status": "empty_side"}
    se = math.hypot((a["ci_high"] - a["ci_low"]) / 3.92, (b["ci_high"] - b["ci_low"]) / 3.92) / scale
    difference = (a["value"] - b["value"]) / scale
    if se == 0:
        return {**out, "test_status": "no_variance"}
    p = math.erfc(abs(difference / se) / math.sqrt(2))
    return {
        **out,
        "estimate": a["value"] / scale,
        "reference_estimate": b["value"] / scale,
        "difference": difference,
        "se": se,
        "df": 1000,
        "p_value": p,
    }


def _adjust(frame: pl.DataFrame) -> pl.DataFrame:
    """Benjamini-Hochberg adjusted p-values within each family, and the direction they decide."""
    tested = pl.col("p_value").is_not_null()
    ranked = frame.with_columns(
        m=tested.sum().over("family"),
        k=pl.col("p_value").rank("ordinal").over("family"),
    ).with_columns(raw=(pl.col("p_value") * pl.col("m") / pl.col("k")).clip(upper_bound=1.0))
    adjusted = ranked.sort("family", "p_value", descending=[False, True], nulls_last=True).with_columns(
        p_adjusted=pl.col("raw").cum_min().over("family")
    )
    direction = (
        pl.when(pl.col("p_adjusted").is_null())
        .then(None)
        .when(pl.col("p_adjusted") >= 0.05)
        .then(pl.lit("no clear difference"))
        .when(pl.col("difference") > 0)
        .then(pl.lit("higher"))
        .otherwise(pl.lit("lower"))
    )
    return adjusted.with_columns(direction=direction).select(list(COMPARISON_SCHEMA))


def _response_rows(level: str, code: str, n: int, sector: str | None, rng: np.random.Generator) -> list[dict]:
    """Response-rate rows of one geography: totals and stage × sex cells (unsuppressed)."""
    instruments = [sector.lower()] if sector in ("Primary", "Secondary") else ["primary", "secondary"]
    rows = []
    for instrument in instruments:
        stages = PUPIL_STAGES[instrument]
        share = n if len(instruments) == 1 else n // 2
        cells = [("all", "all", share)]
        for stage in stages:
            for sex in ("F", "M"):
                cells.append((stage, sex, max(share // (2 * len(stages)), 0)))
            cells.append((stage, "all", max(share // len(stages), 0)))
        for stage, sex, k in cells:
            roll = int(k / rng.uniform(0.6, 0.9)) + 1
            rows.append(
                {
                    "geography_level": level,
                    "geography_code": code,
                    "instrument": instrument,
                    "stage": stage,
                    "sex": sex,
                    "roll": roll,
                    "respondents": k,
                    "response_rate": float(round(100 * k / roll)),
                    "suppressed": False,
                    "reason": None,
                }
            )
    return rows


def _circle_rows(level: str, code: str, n: int, rng: np.random.Generator) -> list[dict]:
    """Three-circles rows of one geography (breakdown all): need × service × four circles (unsuppressed)."""
    rows = []
    for need, service in ((need, service) for need in NEEDS for service in SERVICES):
        shares = rng.dirichlet((2.0, 1.2, 2.5, 12.0))
        counts = [int(n * s) for s in shares]
        counts[-1] = n - sum(counts[:-1])
        for circle, k in zip(CIRCLES, counts, strict=True):
            rows.append(
                {
                    "geography_level": level,
                    "geography_code": code,
                    "breakdown": "all",
                    "breakdown_value": "all",
                    "need": need,
                    "service": service,
                    "circle": circle,
                    "n": k,
                    "base": n,
                    "percent": float(round(100 * k / n)) if n else None,
                    "suppressed": False,
                    "reason": None,
                }
            )
    return rows


def _linkage_rows(total: int, rng: np.random.Generator) -> pl.DataFrame:
    """Linkage-quality counts per pupil instrument (breakdown all, unsuppressed)."""
    rows = []
    for instrument in ("primary", "secondary"):
        respondents = total // 2
        linked = int(respondents * rng.uniform(0.85, 0.95))
        exact = int(linked * 0.9)
        measures = {
            "respondents": respondents,
            "linked": linked,
            "linked_exact": exact,
            "linked_probabilistic": linked - exact,
            "unlinked_no_reference": (respondents - linked) // 2,
            "unlinked_reference_not_in_extract": respondents - linked - (respondents - linked) // 2,
            "unlinked_below_threshold": int(rng.integers(0, 9)),
            "duplicate": 0,
        }
        for measure, count in measures.items():
            rows.append(
                {
                    "instrument": instrument,
                    "breakdown": "all",
                    "breakdown_value": "all",
                    "measure": measure,
                    "count": count,
                    "suppressed": False,
                    "reason": None,
                }
            )
    return pl.DataFrame(rows, schema=LINKAGE_QUALITY_SCHEMA)
