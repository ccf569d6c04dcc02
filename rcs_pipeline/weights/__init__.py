"""Survey weights: post-stratification of respondents to the school roll."""

from rcs_pipeline.weights.poststratification import WEIGHT_LEVELS, covered_roll, poststratification_weights

__all__ = ["WEIGHT_LEVELS", "covered_roll", "poststratification_weights"]
