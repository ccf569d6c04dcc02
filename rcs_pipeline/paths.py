"""Where every zone keeps its files under RCS_HOME, and where the project's own assets live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Every name that becomes part of a path is matched whole (re.fullmatch: a trailing newline does not pass).
WAVE_PATTERN = r"\d{4}-\d{2}"
LA_CODE_PATTERN = r"S12\d{6}"
# Codes of areas that name report files (a cluster's asg_code, a school's seed_code): letters, digits, - and _.
AREA_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"
_PATTERN_TEXT = {
    WAVE_PATTERN: "a wave YYYY-YY",
    LA_CODE_PATTERN: "a council code S12 and 6 digits",
    AREA_CODE_PATTERN: "a code of at most 32 letters, digits, '-' or '_'",
}


# Landing lookup tables (no pupil rows) copied at separation into the zone of each role that needs them,
# so no step after separation opens landing/ (docs/deploy.md, section 4).
LOOKUP_COPIES: dict[str, tuple[str, ...]] = {
    "schools": ("analysis", "published"),
    "school_roll": ("analysis", "services"),
    "services_register": ("services",),
    "evidence_costs": ("services",),
}


class UnsafePathError(ValueError):
    """A name that would not stay a single plain file or folder name inside its folder (never quoted)."""


def checked_name(value: object, pattern: str, what: str) -> str:
    """`value` when it fully matches `pattern`; UnsafePathError naming `what` (not the value) otherwise.

    Example: checked_name("S12000005", LA_CODE_PATTERN, "la_code") -> "S12000005";
    checked_name("../x", AREA_CODE_PATTERN, "asg_code") raises.
    """
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        expected = _PATTERN_TEXT.get(pattern, f"a name matching {pattern}")
        raise UnsafePathError(f"{what} is not {expected}; it cannot name a file or folder")
    return value


def inside(folder: Path, *parts: str) -> Path:
    """`folder / parts`, refused unless the resolved path stays inside the resolved `folder` (links followed)."""
    base = folder.resolve()
    path = folder.joinpath(*parts)
    if not path.resolve().is_relative_to(base):
        raise UnsafePathError(f"a path under {folder.name}/ would resolve outside it; refused")
    return path


def is_wave(name: str) -> bool:
    """True when `name` is a whole wave label YYYY-YY."""
    return re.fullmatch(WAVE_PATTERN, name) is not None


def is_la_code(name: str) -> bool:
    """True when `name` is a whole council code S12 and 6 digits (no trailing newline or space)."""
    return re.fullmatch(LA_CODE_PATTERN, name) is not None


def project_root() -> Path:
    """The repository root: templates, expectations and docs are found from here, never from the cwd."""
    return Path(__file__).resolve().parent.parent


def report_templates_dir() -> Path:
    """Folder of the Jinja2 report templates and their stylesheet."""
    return project_root() / "report_templates"


def expectations_dir() -> Path:
    """Folder of the Great Expectations suites kept as JSON."""
    return project_root() / "expectations"


@dataclass(frozen=True)
class RcsHome:
    """The storage layout of docs/architecture.md §5: one folder per zone, tables as `<zone>/<table>/<wave>/<la_code>.parquet`.

    Example: RcsHome(Path("data")).table("analysis", "pupil_scores", "2015-16", "S12000005")
    -> data/analysis/pupil_scores/2015-16/S12000005.parquet
    """

    root: Path

    # Zone folders. The first three are the only places identifier columns may be written.
    ZONES = (
        "landing",
        "separation",
        "key_holder",
        "linkage",
        "analysis",
        "published",
        "disclosure",  # internal output-checking tables (why each cell was suppressed): never published
        "reports",
        "services",
        "quality",
        "dagster_home",
    )
    IDENTIFIER_AREAS = ("landing", "separation/identifiers", "key_holder")

    def delivery(self, wave: str, la_code: str) -> Path:
        """Folder where the contractors and the council drop one wave's files for one council."""
        names = checked_name(wave, WAVE_PATTERN, "wave"), checked_name(la_code, LA_CODE_PATTERN, "la_code")
        return inside(self.root / "landing", *names)

    def table(self, zone: str, name: str, wave: str, la_code: str | None = None) -> Path:
        """Parquet file of one table for a (wave, council) partition, or a wave-wide file when la_code is None."""
        if zone not in self.ZONES:
            raise ValueError(f"unknown zone {zone!r}; expected one of {self.ZONES}")
        checked_name(wave, WAVE_PATTERN, "wave")
        file = f"{checked_name(la_code, LA_CODE_PATTERN, 'la_code') if la_code else '_all'}.parquet"
        return inside(self.root / zone, name, wave, file)

    LOOKUP_COPIES = LOOKUP_COPIES

    def lookup(self, zone: str, dataset: str, wave: str, la_code: str) -> Path:
        """A role's copy of a landing lookup table, `<zone>/lookup_<dataset>/...`, written at separation.

        Until separation has written it (a partition materialised before the copies existed, or a test that
        builds its inputs by hand) this is the landing file; under per-role permissions that read then fails.
        """
        if zone not in self.LOOKUP_COPIES.get(dataset, ()):
            raise ValueError(f"no {zone} copy of {dataset}; copies: {self.LOOKUP_COPIES}")
        copy = self.table(zone, f"lookup_{dataset}", wave, la_code)
        return copy if copy.exists() else self.table("landing", dataset, wave, la_code)

    def wave_tables(self, zone: str, name: str, wave: str) -> list[Path]:
        """Every council's file of one table for a wave (for cross-council comparators)."""
        folder = inside(self.root / zone, name, checked_name(wave, WAVE_PATTERN, "wave"))
        return sorted(p for p in folder.glob("S12*.parquet") if is_la_code(p.stem) and not p.is_symlink())

    def reports(self, wave: str, la_code: str) -> Path:
        """Folder of one council's PDFs and spreadsheets for a wave."""
        names = checked_name(wave, WAVE_PATTERN, "wave"), checked_name(la_code, LA_CODE_PATTERN, "la_code")
        return inside(self.root / "reports", *names)

    def quality(self) -> Path:
        """Folder of Great Expectations Data Docs and validation results."""
        return self.root / "quality"

    def dagster_home(self) -> Path:
        """The Dagster instance folder used by `rcs run` and `make dev`."""
        return self.root / "dagster_home"

    def waves(self) -> list[str]:
        """Waves with a landing folder, oldest first (symbolic links to folders are not followed)."""
        landing = self.root / "landing"
        if not landing.is_dir() or landing.is_symlink():
            return []
        return sorted(p.name for p in landing.iterdir() if _plain_dir(p) and is_wave(p.name))

    def deliveries(self) -> list[tuple[str, str]]:
        """(wave, la_code) pairs with a landing folder whose names match whole (symbolic links not followed)."""
        return [
            (wave, p.name)
            for wave in self.waves()
            for p in sorted((self.root / "landing" / wave).iterdir())
            if _plain_dir(p) and is_la_code(p.name)
        ]


def area_report_file(folder: str, code: object, suffix: str) -> str:
    """`<folder>/<code><suffix>` relative to a council's report folder, refused unless `code` is a plain code.

    The code comes from a delivered table (a cluster's asg_code, a school's seed_code), so it is matched
    whole against AREA_CODE_PATTERN; writers still place the file with `inside(report_folder, ...)`.
    Example: area_report_file("clusters", "S12000005A02", ".pdf") -> "clusters/S12000005A02.pdf".
    """
    return f"{folder}/{checked_name(code, AREA_CODE_PATTERN, f'the {folder} report code')}{suffix}"


def _plain_dir(path: Path) -> bool:
    """A real folder, not a symbolic link to one."""
    return path.is_dir() and not path.is_symlink()
