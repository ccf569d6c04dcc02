"""Services mapping assets: investment, cost per participant, evidence-based comparisons, coordination
opportunities and spend against need, one table each per (wave, council), from the landed register, the
reference costs, the school roll and the published council estimates.
"""

from functools import partial

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.errors import ServicesInputError
from rcs_pipeline.services.investment import investment_by, investment_headlines
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.validation import validate_services_inputs
from rcs_pipeline.storage import Partition

GROUP = "services"
CODE_VERSION = "services-1"
KINDS = {"polars", "parquet"}

REGISTER = dg.AssetKey("services_register")
EVIDENCE_COSTS = dg.AssetKey("evidence_costs")
SCHOOL_ROLL = dg.AssetKey("school_roll")
PUBLISHED_ESTIMATES = dg.AssetKey("published_estimates")
PUBLISHED_RESPONSE_RATES = dg.AssetKey("published_response_rates")
services_asset = partial(
    dg.asset, group_name=GROUP, kinds=KINDS, partitions_def=wave_council_partitions, code_version=CODE_VERSION
)
"""`dg.asset` with what every services table shares: group, kinds, wave × council partitions, code version."""


def _checked_inputs(part: Partition) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The landed register and reference costs (the services zone's copies made at separation), after the
    services rules; a bad delivery fails the run."""
    register = part.lookup("services", "services_register")
    costs = part.lookup("services", "evidence_costs")
    folder = part.home.delivery(part.wave, part.la_code)
    try:
        validate_services_inputs(
            register,
            costs,
            register_file=str(folder / "services_register"),
            costs_file=str(folder / "evidence_costs"),
        )
    except ServicesInputError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    return register, costs


def _roll_total(part: Partition) -> int:
    """Children on the council's school roll (sum of the landed roll's `pupils`)."""
    roll = part.lookup("services", "school_roll")
    return int(roll["pupils"].sum() or 0)


def _share_meta(value: float | None) -> float | None:
    """A share rounded for metadata (4 dp), None when undefined."""
    return None if value is None else round(value, 4)


@services_asset(
    deps=[REGISTER, EVIDENCE_COSTS, SCHOOL_ROLL],
    description="Total annual investment in children's services, per child of the roll, and its split by level, "
    "level group (prevention and early intervention vs targeted and intensive), provider type, domain, "
    "funding department, evidence rating and outcomes in the contract.",
)
def services_investment(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Investment breakdown table with the headline shares as metadata."""
    part = partition(context, settings)
    register, _ = _checked_inputs(part)
    table = investment_by(register, _roll_total(part))
    h = investment_headlines(table)
    return write(
        part,
        "services",
        "services_investment",
        table,
        register_delivered=register.height > 0,
        services=h.services,
        total_spend_gbp=h.total_spend_gbp,
        roll_total=h.roll_total,
        spend_per_child_gbp=None if h.spend_per_child_gbp is None else round(h.spend_per_child_gbp, 2),
        prevention_share=_share_meta(h.prevention_share),
        targeted_intensive_share=_share_meta(h.targeted_intensive_share),
        evidence_based_share=_share_meta(h.evidence_based_share),
        outcomes_in_contract_share=_share_meta(h.outcomes_in_contract_share),
    )


@services_asset(
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Cost per participant of every service; a service with spend but no participants has an "
    "undefined (null) cost flagged `no_participants`, never a division by zero.",
)
def services_cost_per_participant(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """One row per service with its cost per participant."""
    part = partition(context, settings)
    register, _ = _checked_inputs(part)
    table = cost_per_participant(register)
    flagged = table.filter(pl.col("cost_flag").is_not_null())
    return write(
        part,
        "services",
        "services_cost_per_participant",
        table,
        services=table.height,
        services_without_participants=flagged.height,
        spend_without_participants_gbp=float(flagged["annual_spend_gbp"].sum()),
    )


@services_asset(
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Cost per participant of every level (all domains) and of every level × domain with services; "
    "spend of services without participants is shown beside it, not divided.",
)
def services_cost_by_level(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Level and level × domain cost per participant."""
    part = partition(context, settings)
    register, _ = _checked_inputs(part)
    table = cost_by_level(register)
    levels = table.filter(pl.col("domain") == "all")
    meta = {
        f"cost_per_participant_{r['level'].lower().replace(' ', '_')}_gbp": None
        if r["cost_per_participant_gbp"] is None
        else round(r["cost_per_participant_gbp"], 2)
        for r in levels.iter_rows(named=True)
    }
    return write(part, "services", "services_cost_by_level", table, **meta)


@services_asset(
    deps=["services_cost_per_participant", "services_cost_by_level", EVIDENCE_COSTS, REGISTER],
    description="Each service's and each level × domain's cost per participant beside the evidence-based "
    "alternatives of the same domain and level: difference, ratio, and participants the same "
    "spend would reach at the alternative's cost.",
)
def services_cost_comparison(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """Comparison rows, one per subject × alternative."""
    part = partition(context, settings)
    _, costs = _checked_inputs(part)
    services = part.read("services", "services_cost_per_participant")
    levels = part.read("services", "services_cost_by_level")
    table = compare_with_alternatives(services, levels, costs)
    compared = table.filter((pl.col("scope") == "service") & pl.col("alternative_programme").is_not_null())
    dearer = compared.filter(pl.col("ratio") > 1)
    return write(
        part,
        "services",
        "services_cost_comparison",
        table,
        reference_programmes=costs.height,
        services_with_alternative=compared["service_id"].n_unique(),
        comparisons_dearer_than_alternative=dearer.height,
    )


@services_asset(
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Coordination opportunities: services of different providers or departments working in the "
    "same domain, at the same level, with the same target group.",
)
def services_coordination(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """One row per service of each overlapping group."""
    part = partition(context, settings)
    register, _ = _checked_inputs(part)
    table = coordination_opportunities(register)
    groups = table.unique("group_id")
    return write(
        part,
        "services",
        "services_coordination",
        table,
        groups=groups.height,
        services_in_groups=table.height,
        spend_in_groups_gbp=float(groups["group_spend_gbp"].sum()),
    )


@services_asset(
    deps=[REGISTER, EVIDENCE_COSTS, PUBLISHED_ESTIMATES, PUBLISHED_RESPONSE_RATES],
    description="Per domain, its share of the CPP's investment beside the published share of secondary and "
    "primary pupils with high need in that domain, with the survey's published council respondents as its "
    "base; suppressed figures stay [c].",
)
def services_spend_against_need(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """Spend share beside published high-need share, per domain."""
    part = partition(context, settings)
    register, _ = _checked_inputs(part)
    published = part.read("published", "published_estimates")
    rates = part.read("published", "published_response_rates")
    table = spend_against_need(register, published, rates)
    symbols = pl.concat([table["secondary_symbol"], table["primary_symbol"]])
    return write(
        part,
        "services",
        "services_spend_against_need",
        table,
        need_figures_published=int((symbols.is_null()).sum()),
        need_figures_suppressed=int((symbols == "[c]").sum()),
        need_figures_not_available=int((symbols == "[x]").sum()),
    )
