"""The indicator catalogue (data) and its evaluation on scored respondents."""

from rcs_pipeline.indicators.catalogue import DOMAINS, CatalogueError, catalogue_frame, load_catalogue
from rcs_pipeline.indicators.evaluate import evaluate_indicators

__all__ = ["DOMAINS", "CatalogueError", "catalogue_frame", "evaluate_indicators", "load_catalogue"]
