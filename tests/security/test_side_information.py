"""Finding 4, audit side: rounded percentages and counts printed anywhere cannot narrow a withheld cell.

Tiny synthetic data, seed 7, Clackmannanshire (S12000005), built by the pipeline's own functions
(tests/disclosure/tiny_wave.py). Hand-made cases of each source are in tests/disclosure/test_audit.py.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, audit_published, protect_council, side_information
from rcs_pipeline.disclosure.audit import attacker_intervals
from rcs_pipeline.disclosure.protect import CouncilTables, council_system, hidden_from_published
from rcs_pipeline.disclosure.publish import round_half_up
from tests.disclosure.tiny_wave import tiny_wave

LA_CODE = "S12000005"
RULES = DisclosureSettings()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[CouncilTables, pl.DataFrame]:
    """Clackmannanshire's unsuppressed tables and schools list of tiny data, seed 7."""
    return tiny_wave(tmp_path_factory.mktemp("tiny"), 7)[LA_CODE]


def test_the_publication_passes_the_audit_with_every_published_side_information_source(
    tiny: tuple[CouncilTables, pl.DataFrame],
) -> None:
    """The tables as written give the audit no rounding rows (no rate or percentage is printed beside a withheld
    count) and no count both printed and withheld; the audit with each source, and with all, passes.

    Printed bases within respondents are a relation switched by rules.yaml `base_within_respondents` (false
    for now: a known gap, docs/methods/disclosure.md §4); tests/disclosure/test_audit.py shows both settings.
    """
    tables, schools = tiny
    protection = protect_council(tables, schools, LA_CODE, RULES)
    audit, breaches = audit_published(tables, schools, LA_CODE, RULES, protection.published)
    assert audit.passed and breaches == 0 and protection.audit.passed
    built = council_system(tables, schools, LA_CODE, RULES)
    hidden = hidden_from_published(built, protection.published)
    side = side_information.published_side_information(
        built.system, built.tables, hidden, protection.published
    )
    assert side.rows.shape[0] == 0
    for source in ("rounding", "shown"):
        assert attacker_intervals(built.system, hidden, RULES.min_cell, side=side.only(source)).passed
    assert protection.published["published_estimates"].filter(~pl.col("suppressed")).height > 0


def test_percentages_printed_beside_withheld_counts_would_be_caught(
    tiny: tuple[CouncilTables, pl.DataFrame],
) -> None:
    """A careless publication printing every rate and circle percentage, withheld counts or not, gives the
    audit rounding rows and it fails (a rounded percentage of a small published base pins its count)."""
    tables, schools = tiny
    protection = protect_council(tables, schools, LA_CODE, RULES)
    rates = tables.response_rates.select(
        "geography_level", "geography_code", "instrument", "stage", "sex", "roll", "respondents"
    )
    careless_rates = (
        protection.published["published_response_rates"]
        .drop("response_rate")
        .join(
            rates.select(
                "geography_level",
                "geography_code",
                "instrument",
                "stage",
                "sex",
                pl.when(pl.col("roll") > 0)
                .then(round_half_up(pl.col("respondents") / pl.col("roll") * 100, 0))
                .alias("response_rate"),
            ),
            on=["geography_level", "geography_code", "instrument", "stage", "sex"],
            how="left",
            nulls_equal=True,
        )
    )
    published = {**protection.published, "published_response_rates": careless_rates}
    audit, _ = audit_published(tables, schools, LA_CODE, RULES, published)
    assert not audit.passed
    built = council_system(tables, schools, LA_CODE, RULES)
    hidden = hidden_from_published(built, published)
    side = side_information.rounding_information(built.system, built.tables, hidden, published)
    assert side.rows.shape[0] > 0 and np.all(side.source == "rounding")
