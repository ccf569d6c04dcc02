"""Made-up earlier waves for the sample published tables (reports' trends and journeys tests, benchmarks).

From one council's sample tables of a wave (`sample_tables.sample_published`), earlier waves are made by
moving each published value a little (planted indicators a lot), with the same disclosure flags; one school
is new in the latest wave, one closed after the first wave and one changed its code. The wave_vs_wave
comparisons of every council, cluster and school against every earlier wave are made-up tests of those
published values, adjusted within `<level>:<code>:trend` and published through the real disclosure rule.
Not statistics of anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from rcs_pipeline.disclosure.comparisons import COMPARISON_SCHEMA, publish_comparisons
from rcs_pipeline.disclosure.settings import DisclosureSettings
from rcs_pipeline.journeys.protect import protect_journeys
from rcs_pipeline.journeys.tables import journey_tables
from rcs_pipeline.reports.inputs import (
    ESTIMATE_SCHEMA,
    HISTORY_SCHEMA,
    HISTORY_SCHOOLS_SCHEMA,
    JOURNEYS_SCHEMA,
    PublishedTables,
    conform,
)
from rcs_pipeline.reports.sample_tables import _adjust, _test


@dataclass(frozen=True)
class SchoolChanges:
    """The codes of the schools planted as changed between waves."""

    opened: str
    """Listed in the latest wave only (its series starts there)."""
    recoded: str
    """Listed under another code (`old_code`) in earlier waves."""
    old_code: str
    closed: str
    """Listed (with figures) in the earliest wave only, in the first cluster."""
    closed_name: str = "Closed Primary"


def _shifted(frame: pl.DataFrame, planted: dict[str, float], rng: np.random.Generator) -> pl.DataFrame:
    """The estimates moved down by the planted rise (percentage points, or score points for means) and a
    jitter of up to a point, intervals moved with them, kept within 0–100 for percentages."""
    n = frame.height
    jitter = pl.Series("jitter", np.round(rng.uniform(-1.0, 1.0, n), 1))
    shift = pl.col("indicator_id").replace_strict(planted, default=0.0, return_dtype=pl.Float64)
    move = (pl.lit(jitter) - shift).alias("move")
    moved = frame.with_columns(move).with_columns(
        [
            pl.when(pl.col("unit") == "percent")
            .then((pl.col(c) + pl.col("move")).round(0).clip(0, 100))
            .otherwise((pl.col(c) + pl.col("move") / 10).round(1))
            .alias(c)
            for c in ("value", "ci_low", "ci_high")
        ]
    )
    return moved.drop("move")


def _rename_school(frame: pl.DataFrame, code: str, new: str) -> pl.DataFrame:
    """Estimates with one school's rows moved to another code."""
    school = (pl.col("geography_level") == "school") & (pl.col("geography_code") == code)
    return frame.with_columns(
        geography_code=pl.when(school).then(pl.lit(new)).otherwise(pl.col("geography_code"))
    )


def pick_changes(tables: PublishedTables) -> SchoolChanges:
    """Two primaries with published figures (opened, re-coded) and a made-up closed school's code."""
    shown = tables.estimates.filter(
        (pl.col("geography_level") == "school") & (pl.col("breakdown") == "all") & ~pl.col("suppressed")
    )
    primaries = tables.schools.filter(
        (pl.col("sector") == "Primary") & pl.col("seed_code").is_in(shown["geography_code"].implode())
    )["seed_code"].to_list()
    opened, recoded = primaries[0], primaries[1]
    closed = f"{int(tables.schools['seed_code'].max()) + 1:07d}"
    return SchoolChanges(opened, recoded, f"{int(recoded) + 5000:07d}", closed)


def earlier_wave(
    tables: PublishedTables,
    wave: str,
    planted: dict[str, float],
    changes: SchoolChanges,
    seed: int,
    first: bool,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One earlier wave's published estimates and list of schools, with the planted school changes."""
    rng = np.random.default_rng([seed, int(wave[:4])])
    est = _shifted(tables.estimates, planted, rng)
    est = est.filter(
        ~((pl.col("geography_level") == "school") & (pl.col("geography_code") == changes.opened))
    )
    est = _rename_school(est, changes.recoded, changes.old_code)
    schools = tables.schools.filter(pl.col("seed_code") != changes.opened).with_columns(
        seed_code=pl.when(pl.col("seed_code") == changes.recoded)
        .then(pl.lit(changes.old_code))
        .otherwise(pl.col("seed_code"))
    )
    if first:
        donor = est.filter(
            (pl.col("geography_level") == "school") & (pl.col("geography_code") == changes.old_code)
        )
        est = pl.concat([est, donor.with_columns(geography_code=pl.lit(changes.closed))])
        first_cluster = tables.schools.sort("asg_code")[0]
        schools = pl.concat(
            [
                schools,
                pl.DataFrame(
                    [
                        {
                            "seed_code": changes.closed,
                            "school_name": changes.closed_name,
                            "sector": "Primary",
                            "asg_code": first_cluster["asg_code"][0],
                            "asg_name": first_cluster["asg_name"][0],
                        }
                    ],
                    schema=schools.schema,
                ),
            ]
        )
    return conform(est, ESTIMATE_SCHEMA), schools


def wave_comparisons(tables: PublishedTables, earlier: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Made-up wave_vs_wave tests (every council, cluster and school, breakdown all, against every earlier wave),
    adjusted by Benjamini-Hochberg within each `<level>:<code>:trend` family (analysis/comparisons columns)."""
    rows = []
    for wave, frame in sorted(earlier.items()):
        before = {
            (r["geography_level"], r["geography_code"], r["indicator_id"]): r
            for r in frame.filter(pl.col("breakdown") == "all").iter_rows(named=True)
        }
        for r in tables.estimates.filter(pl.col("breakdown") == "all").iter_rows(named=True):
            other = before.get((r["geography_level"], r["geography_code"], r["indicator_id"]))
            family = f"{r['geography_level']}:{r['geography_code']}:trend"
            test = _test(r, other, family, "wave_vs_wave", wave)
            if test is not None:
                rows.append(test)
    return _adjust(pl.DataFrame(rows, schema=COMPARISON_SCHEMA))


def with_earlier_waves(
    tables: PublishedTables,
    waves: list[str],
    *,
    planted: dict[str, float] | None = None,
    seed: int = 17,
) -> tuple[PublishedTables, SchoolChanges]:
    """The tables with earlier waves (history, their school lists, previous wave) and every area's published
    wave_vs_wave comparisons; `planted` rises (points since each earlier wave) by indicator."""
    changes = pick_changes(tables)
    planted = planted or {}
    earlier, lists = {}, []
    for k, wave in enumerate(sorted(waves)):
        est, schools = earlier_wave(tables, wave, planted, changes, seed, first=k == 0)
        earlier[wave] = est
        lists.append(schools.with_columns(wave=pl.lit(wave)))
    analysis = wave_comparisons(tables, earlier)
    comparator = tables.comparator if tables.councils_in_wave != 1 else tables.comparator.clear()
    published = publish_comparisons(analysis, tables.estimates, comparator, earlier, tables.la_code)
    kept = tables.comparisons.filter(pl.col("comparison") != "wave_vs_wave")
    latest = max(earlier)
    history = pl.concat(
        [conform(f.with_columns(wave=pl.lit(w)), HISTORY_SCHEMA) for w, f in sorted(earlier.items())]
    )
    out = replace(
        tables,
        comparisons=pl.concat([kept, published]).sort(kept.columns[:8]) if kept.height else published,
        history=history,
        history_schools=conform(pl.concat(lists), HISTORY_SCHOOLS_SCHEMA),
        previous=earlier[latest].filter(pl.col("geography_level") == "council"),
        previous_wave=latest,
    )
    return out, changes


def sample_journeys(
    from_wave: str, to_wave: str, *, stable: bool = True, pupils: int = 900, seed: int = 5
) -> pl.DataFrame:
    """A published_journeys table made by the real journey and disclosure code (rcs_pipeline.journeys) from
    made-up children of two waves: a share gain a service, wellbeing falls a little with age, and children
    moving to secondary school are followed at a tenth of the rate of the rest when `stable` is False."""
    rng = np.random.default_rng(seed)
    years = int(to_wave[:4]) - int(from_wave[:4])
    stages = ("P5", "P6", "P7", "S1", "S2", "S3", "S4")
    order = ("P1", "P2", "P3", "P4", *stages, "S5", "S6")

    def wave_frame(
        wave: str, ids: list[str], stage_of: list[str], base: dict[str, np.ndarray] | None
    ) -> pl.DataFrame:
        """Respondents of one wave (need, services, scores), following `base` children where given."""
        n = len(ids)
        need = (
            rng.random(n) < 0.25
            if base is None
            else np.where(rng.random(n) < 0.8, base["need"], rng.random(n) < 0.25)
        )
        asl = rng.random(n) < 0.2 if base is None else base["asl"] | (rng.random(n) < 0.15)
        social = rng.random(n) < 0.05
        wemwbs = np.clip(np.round(rng.normal(48, 8, n) - (0 if base is None else 1.5)), 14, 70)
        return pl.DataFrame(
            {
                "link_id": ids,
                "wave": [wave] * n,
                "instrument": ["secondary" if s.startswith("S") else "primary" for s in stage_of],
                "stage": stage_of,
                "sex": rng.choice(["F", "M"], n).tolist(),
                "simd_quintile": rng.choice(["1", "2", "3", "4", "5"], n).tolist(),
                "need_any": need,
                "service_social_work": social,
                "service_asl": asl,
                "service_any": social | asl,
                "wemwbs": wemwbs,
                "sdq_total": np.clip(np.round(rng.normal(11, 5, n)), 0, 40),
            }
        )

    earlier_stages = [stages[k] for k in rng.integers(0, len(stages), pupils)]
    before_ids = [f"L{k:06d}" for k in range(pupils)]
    before = wave_frame(from_wave, before_ids, earlier_stages, None)
    later_stages, later_ids, base_rows = [], [], []
    for k, stage in enumerate(earlier_stages):
        moved = order[order.index(stage) + years] if order.index(stage) + years < len(order) else None
        if moved not in stages:
            continue
        crossing = stage.startswith("P") and moved.startswith("S")
        rate = 0.07 if crossing and not stable else 0.7
        later_stages.append(moved)
        later_ids.append(before_ids[k] if rng.random() < rate else f"N{k:06d}")
        base_rows.append(k)
    base = {
        "need": before["need_any"].to_numpy()[base_rows],
        "asl": before["service_asl"].to_numpy()[base_rows],
    }
    after = wave_frame(to_wave, later_ids, later_stages, base)
    both = pl.concat([before, after])
    longitudinal = both.filter(pl.col("link_id").is_in(before_ids) & pl.col("link_id").is_in(later_ids))
    table = journey_tables(longitudinal, {from_wave: before, to_wave: after}, to_wave)
    published, audit = protect_journeys(table, DisclosureSettings())
    assert audit.passed, "the sample journeys must pass the disclosure audit"
    return conform(published, JOURNEYS_SCHEMA)
