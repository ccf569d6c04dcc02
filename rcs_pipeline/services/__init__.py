"""Services mapping: what a CPP invests in children's services, where, and how it compares with need and evidence.

Pure functions over Polars frames (landing-typed `services_register` and `evidence_costs`, published
estimates); the Dagster assets in `assets/defs/services/` call them. Method: docs/methods/services.md.
"""

from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.errors import InputProblem, ServicesInputError
from rcs_pipeline.services.investment import InvestmentHeadlines, investment_by, investment_headlines
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.tables import ServicesTables, read_services_tables
from rcs_pipeline.services.validation import validate_services_inputs

__all__ = [
    "InputProblem",
    "InvestmentHeadlines",
    "ServicesInputError",
    "ServicesTables",
    "compare_with_alternatives",
    "coordination_opportunities",
    "cost_by_level",
    "cost_per_participant",
    "investment_by",
    "investment_headlines",
    "read_services_tables",
    "spend_against_need",
    "validate_services_inputs",
]
