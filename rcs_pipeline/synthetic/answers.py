"""Survey answers drawn from children's latent scores (items.yaml), with item non-response."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from scipy.stats import norm

from rcs_pipeline.synthetic.profiles import item_specs

NOT_ASKED, DONT_KNOW, NOT_ANSWERED = -7, -8, -9


def ordinal(
    latent: np.ndarray,
    loading: float,
    probs: list[float],
    rng: np.random.Generator,
    age: np.ndarray | None = None,
    age_loading: float = 0.0,
) -> np.ndarray:
    """Codes 1..k: cut loading*latent + age_loading*age + noise at the normal quantiles of `probs`."""
    n = latent.size
    noise_sd = np.sqrt(max(0.0, 1 - loading * loading))
    y = loading * latent + noise_sd * rng.normal(0, 1, n)
    spread = 1.0
    if age is not None and age_loading:
        y = y + age_loading * age
        spread = np.sqrt(1 + age_loading * age_loading * float(np.var(age)) if age.size else 1.0)
    cuts = norm.ppf(np.cumsum(probs)[:-1]) * spread
    return np.searchsorted(cuts, y).astype(np.int64) + 1


def _item(
    spec: dict[str, Any], people: pl.DataFrame, age: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One generic item from its spec row (plus a planted shift of this item alone, `shift_<item>`, if any)."""
    latent = people[f"latent_{spec['factor']}"].to_numpy()
    if (
        f"shift_{spec['name']}" in people.columns
    ):  # rcs_pipeline/synthetic/waves.py: one council's planted rise
        latent = latent + people[f"shift_{spec['name']}"].to_numpy()
    return ordinal(
        latent, float(spec["loading"]), spec["probs"], rng, age, float(spec.get("age_loading", 0.0))
    )


def sdq_items(
    people: pl.DataFrame, informant: str, prefix: str, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The 25 SDQ items coherent with the five scales; positively worded items come out reverse-coded."""
    specs = item_specs()
    loading = float(specs["sdq_item_loading"])
    reversed_items = set(specs["sdq_reversed"])
    items: dict[int, np.ndarray] = {}
    for scale, spec in specs["sdq_scales"][informant].items():
        latent = people[f"latent_{scale}"].to_numpy()
        for number in spec["items"]:
            scored = ordinal(latent, loading, spec["probs"], rng) - 1  # 0, 1, 2
            items[number] = 3 - scored if number in reversed_items else scored + 1
    return {f"{prefix}{k:02d}": items[k] for k in range(1, 26)}


def impact_items(people: pl.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`sdq_impact_any` and its five items, `-7` when the child reports no difficulties."""
    specs = item_specs()
    difficulty = people["latent_difficulty"].to_numpy()
    any_spec = specs["sdq_impact_any"]
    impact_any = ordinal(difficulty, any_spec["loading"], any_spec["probs"], rng)
    out = {"sdq_impact_any": impact_any}
    item_spec = specs["sdq_impact_item"]
    for name in specs["sdq_impact_items"]:
        code = ordinal(difficulty + 0.5 * (impact_any - 2), item_spec["loading"], item_spec["probs"], rng)
        out[name] = np.where(impact_any == 1, NOT_ASKED, code)
    return out


def pupil_answers(people: pl.DataFrame, secondary: bool, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All item columns of the secondary or primary survey, in the contract's order, before non-response."""
    specs = item_specs()
    age = people["stage_index"].to_numpy().astype(float) - 8.0
    out = sdq_items(people, "pupil", "sdq_", rng) | impact_items(people, rng)
    if secondary:
        wem = specs["wemwbs"]
        latent = people["latent_wellbeing"].to_numpy()
        for k in range(1, 15):
            out[f"wemwbs_{k:02d}"] = ordinal(latent, wem["loading"], wem["probs"], rng)
    for spec in specs["pupil_items"]:
        if spec.get("secondary_only") and not secondary:
            continue
        out[spec["name"]] = _item(spec, people, age, rng)
    return out


def parent_answers(people: pl.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All item columns of the parent survey, in the contract's order, before non-response."""
    specs = item_specs()
    age = people["child_age"].to_numpy().astype(float) - 4.0
    sdq = sdq_items(people, "parent", "sdq_p_", rng)
    too_young = people["child_age"].to_numpy() < 2
    out = {name: np.where(too_young, NOT_ASKED, values) for name, values in sdq.items()}
    for spec in specs["parent_items_before_swemwbs"]:
        out[spec["name"]] = _item(spec, people, age, rng)
    sw = specs["swemwbs"]
    latent = people["latent_parent_wellbeing"].to_numpy()
    for k in range(1, 8):
        out[f"swemwbs_{k:02d}"] = ordinal(latent, sw["loading"], sw["probs"], rng)
    for spec in specs["parent_items_after_swemwbs"]:
        out[spec["name"]] = _item(spec, people, age, rng)
    return out


def dont_know_items() -> set[str]:
    """Items that allow -8 (don't know)."""
    specs = item_specs()
    rows = specs["pupil_items"] + specs["parent_items_before_swemwbs"] + specs["parent_items_after_swemwbs"]
    return {row["name"] for row in rows if row.get("dk")}


def with_nonresponse(
    answers: dict[str, np.ndarray], rng: np.random.Generator, extra_skip: np.ndarray | None = None
) -> pl.DataFrame:
    """Answers as an Int16 frame with a few percent skipped (blank or -9) and a little -8 where allowed.

    `extra_skip` adds a per-row skip probability (used to make a duplicate response less complete).
    """
    spec = item_specs()["nonresponse"]
    names = list(answers)
    n = answers[names[0]].size
    person = rng.gamma(spec["shape"], 1 / spec["shape"], n) * spec["base"]
    if extra_skip is not None:
        person = person + extra_skip
    dk_items = dont_know_items()
    columns = {}
    for name in names:
        values = answers[name].astype(np.int64)
        if name in dk_items:
            values = np.where(rng.random(n) < spec["dont_know"], DONT_KNOW, values)
        skip = (rng.random(n) < person) & (values != NOT_ASKED)
        minus9 = rng.random(n) < spec["minus9_share"]
        values = np.where(skip & minus9, NOT_ANSWERED, values)
        blank = skip & ~minus9
        columns[name] = pl.Series(name, values, dtype=pl.Int16).scatter(np.flatnonzero(blank), None)
    return pl.DataFrame(columns)
