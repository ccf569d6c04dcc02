"""Blocking Great Expectations checks on every landing table (`<dataset>_expectations`)."""

from assets.defs.landing.assets import LANDING_DATASETS
from assets.quality import expectations_check

landing_expectations = [expectations_check(dataset, "landing") for dataset in LANDING_DATASETS]
