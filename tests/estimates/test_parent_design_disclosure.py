"""Parent estimates by the new breakdowns go through disclosure control, and the audit covers them.

The tiny synthetic wave (seed 1) built in process (tests/disclosure/tiny_wave.py) with the parent survey's
estimates under its design added, as the estimates asset writes them: protected, written, audited. A
negative control publishes one withheld small parent group and the audit must catch it.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, audit_published, protect_council
from rcs_pipeline.estimates import indicator_types
from rcs_pipeline.estimates.parent_design import estimate_parents, parent_breakdowns
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.schemas import conform
from tests.disclosure.tiny_wave import tiny_wave
from tests.estimates.tiny_frames import tiny_parent_scores

RULES = DisclosureSettings()
NEW = {"child_age_band", "need_sdq_high"}
KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """Per council: (tables with parent estimates, schools, la_code, protection result)."""
    root = tmp_path_factory.mktemp("tiny")
    wave = tiny_wave(root, 1)
    parents = tiny_parent_scores(root)
    types = {i: t for i, t in indicator_types(load_catalogue()).items() if f"ind_{i}" in parents.columns}
    out = []
    for la_code, (tables, schools) in wave.items():
        own = estimate_parents(parents.filter(pl.col("la_code") == la_code), types)
        est = pl.concat([tables.estimates, conform(own, "estimates")], how="diagonal_relaxed")
        tables = replace(tables, estimates=conform(est, "estimates"))
        out.append((tables, schools, la_code, protect_council(tables, schools, la_code, RULES)))
    return out


def test_parent_breakdowns_are_protected_and_pass_the_audit(protected: list[tuple]) -> None:
    """Every council's written tables, parents included, pass the audit; parent groups are both shown and withheld."""
    for tables, schools, la_code, result in protected:
        audit, breaches = audit_published(tables, schools, la_code, RULES, result.published)
        assert audit.passed and breaches == 0, (la_code, audit.failures[:5])
        parents = result.published["published_estimates"].filter(
            pl.col("indicator_id").str.starts_with("par_")
        )
        assert set(parents["breakdown"]) == {"all", *parent_breakdowns()}
        new = parents.filter(pl.col("breakdown").is_in(NEW))
        assert new["suppressed"].any() and (~new["suppressed"]).any()
        small = tables.estimates.filter(pl.col("breakdown").is_in(NEW) & (pl.col("n") < RULES.min_group))
        hidden = new.join(small.select(*KEYS), on=KEYS)  # the groups in the publication scope (council)
        assert hidden.height > 0 and hidden["suppressed"].all() and hidden["value"].is_null().all()


def test_audit_catches_a_published_small_parent_group(protected: list[tuple]) -> None:
    """Negative control: un-withhold one parent age-band group below min_group (its value printed; no n is
    published, docs/methods/disclosure.md §4) and the audit fails."""
    tables, schools, la_code, result = protected[0]
    small = tables.estimates.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == "child_age_band")
        & (pl.col("n") < RULES.min_group)
        & (pl.col("n") > 0)
    ).head(1)
    assert small.height == 1
    key = small.select(KEYS).row(0)
    target = pl.all_horizontal([pl.col(k) == v for k, v in zip(KEYS, key, strict=True)])
    published = dict(result.published)
    published["published_estimates"] = published["published_estimates"].with_columns(
        pl.when(target).then(pl.lit(small["estimate"][0])).otherwise(pl.col("value")).alias("value"),
        pl.when(target).then(pl.lit(False)).otherwise(pl.col("suppressed")).alias("suppressed"),
    )
    audit, breaches = audit_published(tables, schools, la_code, RULES, published)
    assert breaches > 0 or not audit.passed


def test_parent_response_row_is_published_and_audited(protected: list[tuple]) -> None:
    """A parent response row (families issued as its roll) is protected and audited with the other rates."""
    tables, schools, la_code, _ = protected[0]
    parents = tables.linkage_quality.filter(
        (pl.col("instrument") == "parent")
        & (pl.col("breakdown") == "all")
        & (pl.col("measure") == "respondents")
    )["count"][0]
    row = pl.DataFrame(
        {"geography_level": ["council"], "geography_code": [la_code], "instrument": ["parent"], "stage": ["all"],
         "sex": ["all"], "roll": [4 * parents], "respondents": [parents]}
    )  # fmt: skip
    rates = pl.concat([tables.response_rates, row.cast(dict(tables.response_rates.schema))])
    with_rate = replace(tables, response_rates=rates)
    result = protect_council(with_rate, schools, la_code, RULES)
    audit, breaches = audit_published(with_rate, schools, la_code, RULES, result.published)
    assert audit.passed and breaches == 0, audit.failures[:5]
    shown = result.published["published_response_rates"].filter(pl.col("instrument") == "parent")
    assert shown.height == 1 and shown["roll"][0] == 4 * parents
    linked = result.published["published_linkage_quality"].filter(
        (pl.col("instrument") == "parent")
        & (pl.col("breakdown") == "all")
        & (pl.col("measure") == "respondents")
    )
    if shown["suppressed"][0]:  # withheld with the linkage count it equals (an identity of the audit)
        assert linked["suppressed"][0]
    else:
        assert shown["response_rate"][0] == 25.0
