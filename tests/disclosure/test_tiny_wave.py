"""Issue 22 at the library level: the tiny synthetic wave of several seeds, protected and audited.

Tables are built in process by the pipeline's own functions (tests/disclosure/tiny_wave.py), not by a
Dagster run, to keep the CPU cost to a few seconds a seed. The audit includes the zero rule (a withheld
cell pinned to 0 fails), breakdown sums, the three-circles cross identities and the service-group and
need unions.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, audit_published, protect_council
from tests.disclosure.tiny_wave import tiny_wave

RULES = DisclosureSettings()


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 7, 8])
def test_tiny_wave_passes_the_audit_of_its_written_tables(tmp_path: Path, seed: int) -> None:
    for la_code, (tables, schools) in tiny_wave(tmp_path, seed).items():
        services = set(tables.three_circles["service"].unique())
        assert services == {"service_social_work", "service_asl", "service_any"}  # never FSM
        result = protect_council(tables, schools, la_code, RULES)
        assert result.audit.passed, (la_code, result.audit.failures[:5])
        assert result.primary_breaches == 0
        audit, breaches = audit_published(tables, schools, la_code, RULES, result.published)
        assert audit.passed and breaches == 0, (la_code, audit.failures[:5])
        assert audit.cells_checked > 0
        shown = result.published["published_estimates"].filter(~pl.col("suppressed"))
        assert shown.height > 0  # the audit passes a publication, not an empty one
