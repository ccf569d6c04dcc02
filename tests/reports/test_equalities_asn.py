"""ASN reason groups (issue 18): the code-to-group mapping as data, per-child flags, estimates per group under
the census design, their disclosure control and audit (subset and union inequalities, no margin equality), and
the tiny council publishing them with the audit passing."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from rcs_pipeline.contract import load_contract
from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.disclosure import DisclosureSettings, audit_published, protect_council
from rcs_pipeline.disclosure.audit import attacker_intervals
from rcs_pipeline.disclosure.families import add_estimates, geography_parents
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.system import SystemBuilder
from rcs_pipeline.estimates import estimate_indicators, indicator_types
from rcs_pipeline.estimates.asn_group_estimates import estimate_asn_groups
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.linkage.keys import linkage_secret
from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, linked_dataset
from rcs_pipeline.linkage.matching import build_link_map
from rcs_pipeline.need.asn_groups import asn_groups, code_groups, group_columns, group_flags
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.schemas import conform
from rcs_pipeline.scoring.score_tables import score_pupils
from rcs_pipeline.separation import SEPARATED_DATASETS, separate
from tests.disclosure.tiny_wave import tiny_wave
from tests.estimates.sample import TYPES, clustered_sample

RULES = DisclosureSettings()
KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]


def test_every_contract_code_is_in_exactly_one_group() -> None:
    """The 25 ASN reason codes of the contract map to one group each; the programme's named groups exist."""
    codes = set(load_contract_codes())
    mapping = code_groups()
    assert set(mapping) == codes and len(codes) == 25
    ids = {g["id"] for g in asn_groups()}
    assert {"seb", "learning", "physical_sensory", "young_carer", "looked_after"} <= ids


def load_contract_codes() -> list[str]:
    """The contract's ASN code list (codes.yaml `asn`)."""
    from importlib import resources

    import yaml

    text = resources.files("rcs_pipeline.contract").joinpath("codes.yaml").read_text("utf-8")
    return list(yaml.safe_load(text)["asn"])


def test_flags_by_hand() -> None:
    """Several codes: several groups; blank: no group; not linked: unknown (null)."""
    frame = pl.DataFrame({"link_id": ["a", "b", None, "c"], "asn_types": ["EAL;SEBD", "", None, " YC "]})
    flags = frame.select(group_flags(pl.col("link_id").is_not_null(), pl.col("asn_types")))
    assert flags["asn_seb"].to_list() == [True, False, None, False]
    assert flags["asn_learning"].to_list() == [True, False, None, False]
    assert flags["asn_young_carer"].to_list() == [False, False, None, True]


def test_group_estimates_are_the_engine_domains() -> None:
    """A group identical to any_asn reproduces the engine's any_asn = true rows; a group's estimate is Σwy/Σw."""
    frame = clustered_sample().with_columns(
        pl.col("looked_after_any").alias("any_asn"),
        pl.col("looked_after_any").alias("asn_seb"),
        (pl.col("simd_quintile") <= 2).alias("asn_learning"),
    )
    ours = estimate_asn_groups(frame, TYPES)
    engine = estimate_indicators(frame, TYPES, levels=("council",)).filter(
        (pl.col("breakdown") == "any_asn") & (pl.col("breakdown_value") == "true")
    )
    seb = ours.filter(pl.col("breakdown") == "asn_seb").drop("breakdown")
    assert seb.equals(engine.drop("breakdown"))
    learning = ours.filter((pl.col("breakdown") == "asn_learning") & (pl.col("indicator_id") == "happy"))
    for la_code, est, n in learning.select("geography_code", "estimate", "n").iter_rows():
        rows = frame.filter(
            (pl.col("la_code") == la_code) & pl.col("asn_learning") & pl.col("ind_happy").is_not_null()
        ).filter(pl.col("weight") > 0)
        assert n == rows.height
        assert est == pytest.approx(
            (rows["weight"] * rows["ind_happy"]).sum() / rows["weight"].sum(), rel=1e-12
        )


def tiny_council(root: Path) -> tuple[object, pl.DataFrame, str, pl.DataFrame]:
    """The tiny wave's first council as the assets would build it, with ASN group estimates (and only those)."""
    la_code, (tables, schools) = next(iter(tiny_wave(root, 1).items()))
    wave = next(p.name for p in (root / "landing").iterdir())
    pupils = tiny_pupils(RcsHome(root).delivery(wave, la_code), wave, la_code)
    types = {i: t for i, t in indicator_types(load_catalogue()).items() if f"ind_{i}" in pupils.columns}
    groups = conform(estimate_asn_groups(pupils, types), "estimates")
    est = pl.concat([conform(estimate_indicators(pupils, types), "estimates"), groups])
    return replace(tables, estimates=est), schools, la_code, groups


def tiny_pupils(folder: Path, wave: str, la_code: str) -> pl.DataFrame:
    """pupil_scores of one tiny delivery (exact and probabilistic linkage, as the linker does)."""
    parsed, _ = parse_delivery(folder)
    frames = {d: parsed[d].frame for d in load_contract() if parsed[d].frame is not None}
    identifiers, content = {}, {}
    for dataset in SEPARATED_DATASETS:
        if dataset in frames and frames[dataset].height:
            identifiers[dataset], content[dataset] = separate(frames[dataset], dataset)
    key = linkage_secret(secrets.token_bytes(32), wave, per_wave=False)
    linked = linked_dataset(build_link_map(identifiers, key, 0.95), content, PUPIL_SURVEYS, wave, la_code)
    return score_pupils(linked, frames["schools"], frames["school_roll"])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """The tiny council's tables with ASN group estimates."""
    return tiny_council(tmp_path_factory.mktemp("asn"))


def test_pupil_scores_carry_the_group_flags(tiny) -> None:
    """Group flags are in pupil_scores' estimates: every group with children gives council rows."""
    *_, groups = tiny
    assert set(groups["breakdown"]) <= set(group_columns())
    assert groups.height > 0 and (groups["breakdown_value"] == "true").all()
    assert set(groups["geography_level"]) == {"council"}


def test_the_audit_models_asn_groups_and_the_tiny_council_publishes_them(tiny) -> None:
    """The audit's system holds group ⊂ any ASN ⊆ union (inequalities) and no margin equality for a group; the
    tiny council's protected tables pass the audit with some ASN-group figures shown, and so do the tables as
    written (issue 18: the margin made 'not in the group' public and the audit failed)."""
    tables, schools, la_code, _ = tiny
    built = council_system(tables, schools, la_code, RULES)
    plain = replace(tables, estimates=tables.estimates.filter(~pl.col("breakdown").is_in(group_columns())))
    without = council_system(plain, schools, la_code, RULES).system
    assert built.system.inequalities.shape[0] > without.inequalities.shape[0]
    est = built.tables["estimates"].filter(pl.col("breakdown").is_in(group_columns()))
    group_vars = np.concatenate([est["n_var"].to_numpy(), est["p_var"].drop_nulls().to_numpy()])
    assert built.system.equalities[:, group_vars].nnz == 0  # no equality holds a group's count
    result = protect_council(tables, schools, la_code, RULES)
    assert result.audit.passed and result.primary_breaches == 0
    audit, breaches = audit_published(tables, schools, la_code, RULES, result.published)
    assert audit.passed and breaches == 0
    shown = result.published["published_estimates"].filter(
        pl.col("breakdown").is_in(group_columns()) & ~pl.col("suppressed")
    )
    keys = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
    bases = shown.select(keys).join(tables.estimates.select(*keys, "n"), on=keys, how="left")
    assert shown.height > 0 and (bases["n"] >= RULES.min_group).all()


def hand_estimates() -> pl.DataFrame:
    """One indicator at council level: all (n 100, 40 positive), any ASN true/false, two reason groups."""
    cells = [
        ("all", "all", 100, 40),
        ("any_asn", "false", 60, 25),
        ("any_asn", "true", 40, 15),
        ("asn_learning", "true", 30, 12),
        ("asn_seb", "true", 25, 9),
    ]
    rows = [
        {"indicator_id": "ind_x", "geography_level": "council", "geography_code": "S1", "breakdown": b,
         "breakdown_value": v, "n": n, "n_positive": p, "estimate": p / n, "ci_low": 0.0, "ci_high": 1.0}
        for b, v, n, p in cells
    ]  # fmt: skip
    return conform(pl.DataFrame(rows), "estimates")


def test_by_hand_a_published_total_does_not_pin_a_withheld_group() -> None:
    """All published (100, 40), everything else withheld. By hand: learning's count c ≤ any ASN's ≤ 40 and can be
    0 (seb alone covers any ASN's 15 ≤ 25), so c ∈ [0, 40]; no ASN's count is 40 − any ASN's, any ASN's ∈ [0, 40]
    (0 when no child has ASN and every group is 0), so [0, 40]. With the old margin 'all = learning + known
    remainder' learning's count was pinned to 12."""
    est = hand_estimates()
    builder = SystemBuilder()
    cells = add_estimates(builder, est, geography_parents(pl.DataFrame(), "S1"))
    system = builder.build()
    var = {
        (r["breakdown"], r["breakdown_value"], k): r[k]
        for r in cells.iter_rows(named=True)
        for k in ("n_var", "p_var")
    }
    hidden = np.ones(system.size, bool)
    hidden[[var[("all", "all", "n_var")], var[("all", "all", "p_var")]]] = False
    result = attacker_intervals(system, hidden, 10)
    assert result.passed
    ranges = {f.var: (f.low, f.high) for f in result.failures}
    assert not ranges
    for key in (
        ("asn_learning", "true", "p_var"),
        ("any_asn", "false", "p_var"),
        ("any_asn", "true", "p_var"),
    ):
        low, high = exact_range(system, hidden, var[key])
        assert (low, high) == (0, 40), key


def exact_range(system, hidden: np.ndarray, variable: int) -> tuple[int, int]:
    """min and max of one hidden variable under the system (every other hidden one free), by the audit's LP."""
    from rcs_pipeline.disclosure.audit import _Problem
    from rcs_pipeline.disclosure.lp import WarmLP

    columns = np.flatnonzero(hidden)
    problem = _Problem.build(system, hidden, columns)
    lp = WarmLP(problem.a_eq, problem.b_eq, problem.a_ub, problem.b_ub, problem.lower, problem.upper)
    cost = np.zeros(columns.size)
    cost[int(np.flatnonzero(columns == variable)[0])] = 1.0
    low = lp.solve(cost) @ cost
    high = lp.solve(-cost) @ cost
    return round(low), round(high)


def test_the_estimates_suite_accepts_every_group_breakdown() -> None:
    """expectations/estimates.json lists every asn_<group> breakdown (else the gate refuses published groups)."""
    import json

    from rcs_pipeline.paths import project_root

    suite = json.loads((project_root() / "expectations" / "estimates.json").read_text("utf-8"))
    sets = [
        e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "breakdown"
    ]
    assert len(sets) == 1 and set(group_columns()) <= set(sets[0])
