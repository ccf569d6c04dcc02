"""The published scoring tables, kept as CSV files beside this module and read by one loader.

- `sdq_items.csv`: which of the five scales each of the 25 SDQ items belongs to, and the five reversed
  items (7, 11, 14, 21, 25). Source: Youthinmind, "Scoring the Strengths & Difficulties Questionnaire for
  age 4-17" (sdqinfo.org, version of 19 August 2014), Table 1.
- `sdq_bands.csv`: the cut-offs of the 4-band categorisation (close to average / slightly raised / high /
  very high; prosocial: close to average / slightly lowered / low / very low) and of the original 3-band
  categorisation (normal / borderline / abnormal), for the self-report (age 11-17) and the parent report
  (age 4-17). Source: the same Youthinmind scoring document, the tables "Categorising SDQ scores for
  4-17 year olds" (4-band, "Parent completed" and "Self completed") and the original three-band cut-offs
  (Goodman 1997; Goodman, Meltzer & Bailey 1998).
- `swemwbs_metric.csv`: the Rasch raw-to-metric conversion of SWEMWBS (7-35). Source: Warwick Medical
  School, "SWEMWBS conversion table" (warwick.ac.uk/fac/med/research/platform/wemwbs/researchers/guidance/).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

SDQ_SCALES: tuple[str, ...] = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
DIFFICULTY_SCALES: tuple[str, ...] = ("emotional", "conduct", "hyperactivity", "peer")
INFORMANTS: tuple[str, ...] = ("self", "parent")


@cache
def read_reference(name: str) -> pl.DataFrame:
    """The packaged scoring table `<name>.csv` as a frame (cached: the files never change at run time)."""
    text = resources.files(__package__).joinpath(f"{name}.csv").read_bytes()
    return pl.read_csv(text)


def sdq_items() -> pl.DataFrame:
    """SDQ items 1-25 with their scale and whether they are reverse-scored."""
    return read_reference("sdq_items")


def sdq_bands() -> pl.DataFrame:
    """Band cut-offs: informant, scale, scheme (band4|band3), band, low, high (inclusive)."""
    return read_reference("sdq_bands")


def swemwbs_metric_table() -> pl.DataFrame:
    """SWEMWBS raw total (7-35) to metric score."""
    return read_reference("swemwbs_metric")


BAND_LABELS: dict[str, str] = {
    "close_to_average": "Close to average",
    "slightly_raised": "Slightly raised",
    "high": "High",
    "very_high": "Very high",
    "slightly_lowered": "Slightly lowered",
    "low": "Low",
    "very_low": "Very low",
    "normal": "Normal",
    "borderline": "Borderline",
    "abnormal": "Abnormal",
}
"""Plain-words labels of the band codes stored in the analysis tables (for reports)."""
