"""One (wave, council) partition's tables under RCS_HOME: the one place assets read and write Parquet through.

Paths come from `RcsHome` (the layout `<zone>/<table>/<wave>/<la_code>.parquet`, docs/architecture.md,
"Storage"), writes are atomic (`write_parquet_atomic`), and reads of a missing upstream file say which
asset to materialise first. Assets hold a `Partition`, never build paths themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rcs_pipeline.paths import RcsHome, is_wave
from rcs_pipeline.storage.parquet import read_parquet, write_parquet_atomic


@dataclass(frozen=True)
class Partition:
    """The files of one (wave, council) partition.

    Example: Partition(RcsHome(Path("data")), "2015-16", "S12000005").path("analysis", "pupil_scores")
    -> data/analysis/pupil_scores/2015-16/S12000005.parquet
    """

    home: RcsHome
    wave: str
    la_code: str

    def path(self, zone: str, name: str) -> Path:
        """The file of table `name` in `zone` for this partition."""
        return self.home.table(zone, name, self.wave, self.la_code)

    def read(self, zone: str, name: str) -> pl.DataFrame:
        """The table (FileNotFoundError naming the upstream asset's file when it was not materialised)."""
        return read_parquet(self.path(zone, name))

    def read_if_any(self, zone: str, name: str) -> pl.DataFrame | None:
        """The table, or None when its file does not exist (an optional input such as the parent survey)."""
        path = self.path(zone, name)
        return pl.read_parquet(path) if path.exists() else None

    def write(self, zone: str, name: str, frame: pl.DataFrame) -> Path:
        """Write the table atomically (a killed run never leaves half a file); its path."""
        return write_parquet_atomic(frame, self.path(zone, name))

    def lookup(self, zone: str, dataset: str) -> pl.DataFrame:
        """A role's copy of a landing lookup table (`<zone>/lookup_<dataset>`, RcsHome.lookup)."""
        return read_parquet(self.home.lookup(zone, dataset, self.wave, self.la_code))

    def separated(self, part: str, dataset: str) -> Path:
        """Separation's `identifiers` or `content` table of a dataset (read by the key holder or the linker)."""
        if part not in ("identifiers", "content"):
            raise ValueError(f"separation writes 'identifiers' and 'content' tables, not {part!r}")
        return self.path("separation", f"{part}/{dataset}")

    def other_councils(self, zone: str, name: str) -> list[Path]:
        """Files of the same table for every other council of the wave (cross-council comparators)."""
        return [p for p in self.home.wave_tables(zone, name, self.wave) if p.stem != self.la_code]

    def wave_paths(self, zone: str, name: str, *, this_wave: bool = False) -> dict[str, Path]:
        """This council's files of the table in every earlier wave (and this one if `this_wave`), by wave."""
        folder = self.home.root / zone / name
        if not folder.is_dir():
            return {}
        waves = sorted(p.name for p in folder.iterdir() if p.is_dir() and is_wave(p.name))
        wanted = [w for w in waves if w < self.wave or (this_wave and w == self.wave)]
        paths = {w: self.home.table(zone, name, w, self.la_code) for w in wanted}
        return {w: p for w, p in paths.items() if p.exists()}

    def this_and_earlier_waves(self, zone: str, name: str) -> dict[str, pl.DataFrame]:
        """This council's table in this wave and every earlier wave that has one on disk, by wave."""
        return {w: read_parquet(p) for w, p in self.wave_paths(zone, name, this_wave=True).items()}
