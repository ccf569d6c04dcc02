"""The tiny synthetic wave's analysis tables built in process by the library functions the assets call.

generator → parse_delivery → separate → build_link_map → linked_dataset → score_pupils → estimates, three
circles, response rates and linkage quality: the same steps as the Dagster assets, without Dagster, so the
disclosure tests can run several seeds of tiny data at the cost of a few seconds each. Parent-survey
estimates are left out (the pupil tables carry every relation the audit is about).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import polars as pl

from rcs_pipeline.contract import dataset_spec, load_contract
from rcs_pipeline.contract.columns import empty_frame
from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.disclosure import CouncilTables
from rcs_pipeline.estimates import estimate_indicators, indicator_types
from rcs_pipeline.estimates.response_rates import response_rates
from rcs_pipeline.estimates.three_circles import three_circles
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.linkage.keys import linkage_secret
from rcs_pipeline.linkage.linker import PUPIL_SURVEYS, linked_dataset
from rcs_pipeline.linkage.matching import build_link_map
from rcs_pipeline.linkage.quality import linkage_quality
from rcs_pipeline.need import service_group_names
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.schemas import conform
from rcs_pipeline.scoring.score_tables import score_pupils
from rcs_pipeline.separation import SEPARATED_DATASETS, separate
from rcs_pipeline.synthetic import generate


def tiny_wave(root: Path, seed: int) -> dict[str, tuple[CouncilTables, pl.DataFrame]]:
    """la_code → (the council's unsuppressed tables, its public schools list) for tiny data of `seed`."""
    summary = generate(root, scale="tiny", seed=seed)
    key = linkage_secret(secrets.token_bytes(32), summary.deliveries[0][0], per_wave=False)
    return {
        la: council_tables(RcsHome(root).delivery(wave, la), wave, la, key) for wave, la in summary.deliveries
    }


def council_tables(folder: Path, wave: str, la_code: str, key: bytes) -> tuple[CouncilTables, pl.DataFrame]:
    """One delivery's analysis tables, as the landing → analysis assets would write them."""
    parsed, problems = parse_delivery(folder)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise ValueError(f"{folder}: {errors[0]}")
    frames = {
        d: parsed[d].frame if parsed[d].frame is not None else empty_frame(dataset_spec(d))
        for d in load_contract()
    }
    identifiers, content = {}, {}
    for dataset in SEPARATED_DATASETS:
        if frames[dataset].height or dataset == "admin_extract":
            identifiers[dataset], content[dataset] = separate(frames[dataset], dataset)
    link_map = build_link_map(identifiers, key, 0.95)
    linked = linked_dataset(link_map, content, PUPIL_SURVEYS, wave, la_code)
    pupils = score_pupils(linked, frames["schools"], frames["school_roll"])
    types = {i: t for i, t in indicator_types(load_catalogue()).items() if f"ind_{i}" in pupils.columns}
    needs = [c for c in pupils.columns if c.startswith("need_")]
    services = [c for c in service_group_names() if c in pupils.columns]
    tables = CouncilTables(
        conform(estimate_indicators(pupils, types), "estimates"),
        conform(three_circles(pupils, needs, services), "three_circles"),
        conform(response_rates(pupils, frames["schools"], frames["school_roll"]), "response_rates"),
        conform(linkage_quality(link_map, content), "linkage_quality"),
    )
    return tables, frames["schools"]
