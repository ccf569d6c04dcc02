"""The geographies and breakdowns every estimate is published for (docs/tables.md "analysis")."""

from __future__ import annotations

# Breakdown name -> column of pupil_scores. `all` is the whole group (breakdown_value 'all').
# Values are published as text: numbers as digits, booleans as 'true'/'false'. A respondent whose
# breakdown value is null (sex not given, unlinked, below P6 for free school meals) counts in `all`
# and in every other breakdown, but in no group of that breakdown.
BREAKDOWNS: tuple[str, ...] = (
    "sex",
    "stage",
    "simd_quintile",
    "urban_rural_8fold",
    "urban_rural_2fold",
    "fsm_p6plus",
    "any_asn",
    "looked_after_any",
    "child_protection_register",
)

# Geography levels of one council's design; the wave-wide comparator adds `all_councils`.
GEOGRAPHY_LEVELS: tuple[str, ...] = ("council", "cluster", "school")
COMPARATOR_LEVEL = "all_councils"
COMPARATOR_CODE = "all"

# Stages each pupil instrument surveys (docs/methods/input_contract.md): the population whose roll bounds a school.
SURVEYED_STAGES: dict[str, tuple[str, ...]] = {
    "primary": ("P5", "P6", "P7"),
    "secondary": ("S1", "S2", "S3", "S4"),
}


def stage_instrument() -> dict[str, str]:
    """Map each surveyed stage to its instrument (P5–P7 primary, S1–S4 secondary)."""
    return {stage: instrument for instrument, stages in SURVEYED_STAGES.items() for stage in stages}


def breakdown_text_sql(column: str) -> str:
    """SQL casting one breakdown column to its published text value (booleans 'true'/'false')."""
    return f'CAST("{column}" AS VARCHAR)'


def breakdown_grouping_sets(keys: list[str], breakdowns: tuple[str, ...] = BREAKDOWNS) -> str:
    """GROUPING SETS clause: `keys` alone (breakdown all) and `keys` + each breakdown column `b_<name>`."""
    base = ", ".join(keys)
    sets = [f"({base})"] + [f"({base}, b_{name})" for name in breakdowns]
    return "GROUPING SETS (" + ", ".join(sets) + ")"


def breakdown_label_sql(breakdowns: tuple[str, ...] = BREAKDOWNS) -> tuple[str, str]:
    """SQL expressions naming the breakdown and its value of a GROUPING SETS row (GROUPING() = 0 is grouped)."""
    names = " ".join(f"WHEN GROUPING(b_{name}) = 0 THEN '{name}'" for name in breakdowns)
    values = " ".join(f"WHEN GROUPING(b_{name}) = 0 THEN b_{name}" for name in breakdowns)
    return f"CASE {names} ELSE 'all' END", f"CASE {values} ELSE 'all' END"


def breakdown_projection_sql(breakdowns: tuple[str, ...] = BREAKDOWNS) -> str:
    """SELECT list turning each breakdown column into its text column `b_<name>`."""
    return ", ".join(f"{breakdown_text_sql(name)} AS b_{name}" for name in breakdowns)
