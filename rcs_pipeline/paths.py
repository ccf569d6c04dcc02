"""Where every zone keeps its files under RCS_HOME, and where the project's own assets live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WAVE_PATTERN = r"^\d{4}-\d{2}$"
LA_CODE_PATTERN = r"^S12\d{6}$"


def project_root() -> Path:
    """The repository root: templates, expectations and docs are found from here, never from the cwd."""
    return Path(__file__).resolve().parent.parent


def report_templates_dir() -> Path:
    """Folder of the Jinja2 report templates and their stylesheet."""
    return project_root() / "report_templates"


def expectations_dir() -> Path:
    """Folder of the Great Expectations suites kept as JSON."""
    return project_root() / "expectations"


def default_home() -> Path:
    """RCS_HOME from the environment, else ./data."""
    return Path(os.environ.get("RCS_HOME", "data")).resolve()


@dataclass(frozen=True)
class RcsHome:
    """The storage layout of DESIGN §5: one folder per zone, tables as `<zone>/<table>/<wave>/<la_code>.parquet`.

    Example: RcsHome(Path("data")).table("analysis", "pupil_scores", "2015-16", "S12000005")
    -> data/analysis/pupil_scores/2015-16/S12000005.parquet
    """

    root: Path

    # Zone folders. The first three are the only places identifier columns may be written.
    ZONES = ("landing", "separation", "key_holder", "linkage", "analysis", "published", "reports",
             "services", "quality", "dagster_home")
    IDENTIFIER_AREAS = ("landing", "separation/identifiers", "key_holder")

    def delivery(self, wave: str, la_code: str) -> Path:
        """Folder where the contractors and the council drop one wave's files for one council."""
        return self.root / "landing" / wave / la_code

    def table(self, zone: str, name: str, wave: str, la_code: str | None = None) -> Path:
        """Parquet file of one table for a (wave, council) partition, or a wave-wide file when la_code is None."""
        if zone not in self.ZONES:
            raise ValueError(f"unknown zone {zone!r}; expected one of {self.ZONES}")
        folder = self.root / zone / name / wave
        return folder / f"{la_code or '_all'}.parquet"

    def wave_tables(self, zone: str, name: str, wave: str) -> list[Path]:
        """Every council's file of one table for a wave (for cross-council comparators)."""
        folder = self.root / zone / name / wave
        return sorted(p for p in folder.glob("S12*.parquet"))

    def reports(self, wave: str, la_code: str) -> Path:
        """Folder of one council's PDFs and spreadsheets for a wave."""
        return self.root / "reports" / wave / la_code

    def quality(self) -> Path:
        """Folder of Great Expectations Data Docs and validation results."""
        return self.root / "quality"

    def dagster_home(self) -> Path:
        """The Dagster instance folder used by `rcs run` and `make dev`."""
        return self.root / "dagster_home"

    def waves(self) -> list[str]:
        """Waves with a landing folder, oldest first."""
        import re

        landing = self.root / "landing"
        if not landing.exists():
            return []
        return sorted(p.name for p in landing.iterdir() if p.is_dir() and re.match(WAVE_PATTERN, p.name))

    def deliveries(self) -> list[tuple[str, str]]:
        """(wave, la_code) pairs with a landing folder."""
        import re

        return [
            (wave, p.name)
            for wave in self.waves()
            for p in sorted((self.root / "landing" / wave).iterdir())
            if p.is_dir() and re.match(LA_CODE_PATTERN, p.name)
        ]
