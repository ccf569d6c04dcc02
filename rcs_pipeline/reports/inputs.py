"""The published (disclosure-controlled) tables a council's reports are made from, and their data version.

Reports read nothing else: `published_*` tables of the council and wave (the all-councils comparator and the
tested comparisons among them, the journeys of children followed from earlier waves), the published estimates
of every earlier wave of the same council (never an unsuppressed table), how many councils of the wave have
published estimates, and school and cluster NAMES from the landing `schools` table of this and earlier waves
(names only, no statistics).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field, fields, replace

import polars as pl

from rcs_pipeline import schemas
from rcs_pipeline.paths import RcsHome, is_wave
from rcs_pipeline.schemas import schema

ESTIMATE_SCHEMA = schema("published_estimates")
COMPARISONS_SCHEMA = schema("published_comparisons")
THREE_CIRCLES_SCHEMA = schema("published_three_circles")
LINKAGE_QUALITY_SCHEMA = schema("published_linkage_quality")
RESPONSE_RATES_SCHEMA = schema("published_response_rates")
SCHOOLS_SCHEMA = schema("schools")
HISTORY_SCHEMA = schema("history")
"""Earlier waves' PUBLISHED estimates of the council (every level), one `wave` column added."""
HISTORY_SCHOOLS_SCHEMA = schema("history_schools")
"""Earlier waves' school names, codes and clusters (landing `schools`, names only), one `wave` column added."""
JOURNEYS_SCHEMA = schema("published_journeys")
"""published_journeys: children linked in an earlier wave and this one, disclosure-controlled (docs/methods/journeys.md)."""
# The declarations are rcs_pipeline/schemas.py's, shared with the disclosure zone that writes the tables.


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the given schema (a table that was not published, e.g. no previous wave)."""
    return pl.DataFrame(schema=schema)


def conform(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly the table's columns and types; a missing column raises (rcs_pipeline.schemas.conform)."""
    return schemas.conform(frame, schemas.table_of(columns))


@dataclass(frozen=True)
class PublishedTables:
    """Everything one council's reports of one wave may show."""

    wave: str
    la_code: str
    estimates: pl.DataFrame
    three_circles: pl.DataFrame
    linkage_quality: pl.DataFrame
    response_rates: pl.DataFrame
    comparator: pl.DataFrame = field(default_factory=lambda: empty(ESTIMATE_SCHEMA))
    previous: pl.DataFrame = field(default_factory=lambda: empty(ESTIMATE_SCHEMA))
    previous_wave: str | None = None
    schools: pl.DataFrame = field(default_factory=lambda: empty(SCHOOLS_SCHEMA))
    comparisons: pl.DataFrame = field(default_factory=lambda: empty(COMPARISONS_SCHEMA))
    councils_in_wave: int | None = None
    """Councils of the wave with published estimates (None when not known): 1 means no all-councils comparison."""
    history: pl.DataFrame = field(default_factory=lambda: empty(HISTORY_SCHEMA))
    history_schools: pl.DataFrame = field(default_factory=lambda: empty(HISTORY_SCHOOLS_SCHEMA))
    journeys: pl.DataFrame = field(default_factory=lambda: empty(JOURNEYS_SCHEMA))

    def conformed(self) -> PublishedTables:
        """The same tables reduced to the published contract's columns and types."""
        return replace(
            self,
            estimates=conform(self.estimates, ESTIMATE_SCHEMA),
            three_circles=conform(self.three_circles, THREE_CIRCLES_SCHEMA),
            linkage_quality=conform(self.linkage_quality, LINKAGE_QUALITY_SCHEMA),
            response_rates=conform(self.response_rates, RESPONSE_RATES_SCHEMA),
            comparator=conform(self.comparator, ESTIMATE_SCHEMA),
            previous=conform(self.previous, ESTIMATE_SCHEMA),
            schools=conform(self.schools, SCHOOLS_SCHEMA),
            comparisons=conform(self.comparisons, COMPARISONS_SCHEMA),
            history=conform(self.history, HISTORY_SCHEMA),
            history_schools=conform(self.history_schools, HISTORY_SCHOOLS_SCHEMA),
            journeys=conform(self.journeys, JOURNEYS_SCHEMA),
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """The tables by name, in a fixed order."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pl.DataFrame)
        }


def frame_digest(frame: pl.DataFrame) -> str:
    """SHA-256 of a frame's content (column names, types and values in row order)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, null_value="<null>")
    header = ",".join(f"{name}:{dtype}" for name, dtype in frame.schema.items())
    return hashlib.sha256(header.encode() + b"\n" + buffer.getvalue()).hexdigest()


def data_version(frames: dict[str, pl.DataFrame], *extra: str) -> str:
    """Hash of a set of published frames (and labels such as the wave): the report's data version."""
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode() + b"\0")
    for name in sorted(frames):
        digest.update(name.encode() + b"=" + frame_digest(frames[name]).encode() + b"\0")
    return digest.hexdigest()


def previous_wave_of(home: RcsHome, wave: str, la_code: str) -> str | None:
    """The latest earlier wave with published estimates for this council, if any."""
    folder = home.root / "published" / "published_estimates"
    if not folder.exists():
        return None
    earlier = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and p.name < wave and (p / f"{la_code}.parquet").exists()
    )
    return earlier[-1] if earlier else None


def earlier_waves_of(home: RcsHome, wave: str, la_code: str) -> list[str]:
    """Every earlier wave with published estimates for this council, oldest first."""
    folder = home.root / "published" / "published_estimates"
    if not folder.exists():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and is_wave(p.name) and p.name < wave and (p / f"{la_code}.parquet").exists()
    )


def _history(home: RcsHome, waves: list[str], la_code: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier waves' published estimates and landing school names of the council, each with a `wave` column."""
    estimates, schools = [empty(HISTORY_SCHEMA)], [empty(HISTORY_SCHOOLS_SCHEMA)]
    for earlier in waves:
        frame = _read(home.table("published", "published_estimates", earlier, la_code), ESTIMATE_SCHEMA)
        estimates.append(conform(frame.with_columns(wave=pl.lit(earlier)), HISTORY_SCHEMA))
        names = _read(home.lookup("published", "schools", earlier, la_code), SCHOOLS_SCHEMA)
        schools.append(conform(names.with_columns(wave=pl.lit(earlier)), HISTORY_SCHOOLS_SCHEMA))
    return pl.concat(estimates), pl.concat(schools)


def _read(path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A published table conformed to its schema, or an empty one when the file does not exist."""
    return conform(pl.read_parquet(path), schema) if path.exists() else empty(schema)


def load_published(home: RcsHome, wave: str, la_code: str) -> PublishedTables:
    """Read one council's published tables for a wave (plus comparator, previous wave and school names)."""
    previous = previous_wave_of(home, wave, la_code)
    history, history_schools = _history(home, earlier_waves_of(home, wave, la_code), la_code)
    schools_path = home.lookup("published", "schools", wave, la_code)
    schools = _read(schools_path, SCHOOLS_SCHEMA)
    return PublishedTables(
        wave=wave,
        la_code=la_code,
        estimates=_read(home.table("published", "published_estimates", wave, la_code), ESTIMATE_SCHEMA),
        three_circles=_read(
            home.table("published", "published_three_circles", wave, la_code), THREE_CIRCLES_SCHEMA
        ),
        linkage_quality=_read(
            home.table("published", "published_linkage_quality", wave, la_code), LINKAGE_QUALITY_SCHEMA
        ),
        response_rates=_read(
            home.table("published", "published_response_rates", wave, la_code), RESPONSE_RATES_SCHEMA
        ),
        comparator=_read(
            home.table("published", "published_comparator_estimates", wave, la_code), ESTIMATE_SCHEMA
        ),
        previous=(
            _read(home.table("published", "published_estimates", previous, la_code), ESTIMATE_SCHEMA)
            if previous
            else empty(ESTIMATE_SCHEMA)
        ),
        previous_wave=previous,
        schools=schools,
        comparisons=_read(
            home.table("published", "published_comparisons", wave, la_code), COMPARISONS_SCHEMA
        ),
        councils_in_wave=len(home.wave_tables("published", "published_estimates", wave)),
        history=history,
        history_schools=history_schools,
        journeys=_read(home.table("published", "published_journeys", wave, la_code), JOURNEYS_SCHEMA),
    )
