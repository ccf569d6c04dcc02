"""Synthetic deliveries that follow the input contract, with planted effects and linkage ground truth.

`generate(home, scale, seed)` writes CSV landing folders and `home/synthetic_truth/`; `write_delivery`
writes the same frames as XLSX or SAV; `rcs_pipeline.synthetic.effects` documents the planted effects.
"""

from rcs_pipeline.synthetic.deliveries import write_delivery
from rcs_pipeline.synthetic.generator import SyntheticSummary, generate, truth_path

__all__ = ["SyntheticSummary", "generate", "truth_path", "write_delivery"]
