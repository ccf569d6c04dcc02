"""Design-based estimates, need-versus-services circles, response rates, comparator and trend (docs/methods/estimates.md)."""

from rcs_pipeline.estimates.survey_estimates import (
    ESTIMATE_SCHEMA,
    IndicatorColumnError,
    estimate_comparator,
    estimate_indicators,
    indicator_types,
)

__all__ = [
    "ESTIMATE_SCHEMA",
    "IndicatorColumnError",
    "estimate_comparator",
    "estimate_indicators",
    "indicator_types",
]
