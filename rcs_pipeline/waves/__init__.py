"""Rules that change between waves (free school meals, SIMD edition, min_group, fieldwork), as data per wave."""

from rcs_pipeline.waves.rules import WaveRules, fieldwork_problems, fsm_universal_expr, wave_rules

__all__ = ["WaveRules", "fieldwork_problems", "fsm_universal_expr", "wave_rules"]
