"""Separation at the door: each delivery split into an identifier table and a content table joined by random tokens."""

from rcs_pipeline.separation.split import SEPARATED_DATASETS, separate

__all__ = ["SEPARATED_DATASETS", "separate"]
