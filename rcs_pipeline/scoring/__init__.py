"""Instrument scoring (SDQ, WEMWBS, SWEMWBS) by the published rules, as pure Polars functions."""

from rcs_pipeline.scoring.sdq import score_sdq
from rcs_pipeline.scoring.wemwbs import score_swemwbs, swemwbs_metric, wemwbs_score

__all__ = ["score_sdq", "score_swemwbs", "swemwbs_metric", "wemwbs_score"]
