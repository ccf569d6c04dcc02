"""Services mapping assets: investment, cost per participant, evidence-based comparisons, coordination
opportunities and spend against need, one table each per (wave, council), from the landed register, the
reference costs, the school roll and the published council estimates.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.partitions import wave_and_council, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import write_table
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.services.comparison import compare_with_alternatives
from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.costs import cost_by_level, cost_per_participant
from rcs_pipeline.services.errors import ServicesInputError
from rcs_pipeline.services.investment import investment_by, investment_headlines
from rcs_pipeline.services.need import spend_against_need
from rcs_pipeline.services.validation import validate_services_inputs
from rcs_pipeline.storage.parquet import read_parquet

GROUP = "services"
CODE_VERSION = "services-1"
KINDS = {"polars", "parquet"}

REGISTER = dg.AssetKey("services_register")
EVIDENCE_COSTS = dg.AssetKey("evidence_costs")
SCHOOL_ROLL = dg.AssetKey("school_roll")
PUBLISHED_ESTIMATES = dg.AssetKey("published_estimates")


def services_table(home: RcsHome, name: str, wave: str, la_code: str) -> Path:
    """Where a services-zone table of one (wave, council) lives."""
    return home.table("services", name, wave, la_code)


def _landing(home: RcsHome, dataset: str, wave: str, la_code: str) -> pl.DataFrame:
    """A landed, typed dataset of this partition, from the services zone's copy made at separation."""
    return read_parquet(home.lookup("services", dataset, wave, la_code))


def _checked_inputs(home: RcsHome, wave: str, la_code: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The landed register and reference costs, after the services rules; a bad delivery fails the run."""
    register = _landing(home, "services_register", wave, la_code)
    costs = _landing(home, "evidence_costs", wave, la_code)
    folder = home.delivery(wave, la_code)
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


def _roll_total(home: RcsHome, wave: str, la_code: str) -> int:
    """Children on the council's school roll (sum of the landed roll's `pupils`)."""
    roll = _landing(home, "school_roll", wave, la_code)
    return int(roll["pupils"].sum() or 0)


def _share_meta(value: float | None) -> float | None:
    """A share rounded for metadata (4 dp), None when undefined."""
    return None if value is None else round(value, 4)


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[REGISTER, EVIDENCE_COSTS, SCHOOL_ROLL],
    description="Total annual investment in children's services, per child of the roll, and its split by level, "
    "level group (prevention and early intervention vs targeted and intensive), provider type, domain, "
    "funding department, evidence rating and outcomes in the contract.",
)
def services_investment(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Investment breakdown table with the headline shares as metadata."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    register, _ = _checked_inputs(home, wave, la_code)
    table = investment_by(register, _roll_total(home, wave, la_code))
    h = investment_headlines(table)
    return write_table(
        table,
        services_table(home, "services_investment", wave, la_code),
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


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Cost per participant of every service; a service with spend but no participants has an "
    "undefined (null) cost flagged `no_participants`, never a division by zero.",
)
def services_cost_per_participant(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """One row per service with its cost per participant."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    register, _ = _checked_inputs(home, wave, la_code)
    table = cost_per_participant(register)
    flagged = table.filter(pl.col("cost_flag").is_not_null())
    return write_table(
        table,
        services_table(home, "services_cost_per_participant", wave, la_code),
        services=table.height,
        services_without_participants=flagged.height,
        spend_without_participants_gbp=float(flagged["annual_spend_gbp"].sum()),
    )


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Cost per participant of every level (all domains) and of every level × domain with services; "
    "spend of services without participants is shown beside it, not divided.",
)
def services_cost_by_level(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Level and level × domain cost per participant."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    register, _ = _checked_inputs(home, wave, la_code)
    table = cost_by_level(register)
    levels = table.filter(pl.col("domain") == "all")
    meta = {
        f"cost_per_participant_{r['level'].lower().replace(' ', '_')}_gbp": None
        if r["cost_per_participant_gbp"] is None
        else round(r["cost_per_participant_gbp"], 2)
        for r in levels.iter_rows(named=True)
    }
    return write_table(table, services_table(home, "services_cost_by_level", wave, la_code), **meta)


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=["services_cost_per_participant", "services_cost_by_level", EVIDENCE_COSTS, REGISTER],
    description="Each service's and each level × domain's cost per participant beside the evidence-based "
    "alternatives of the same domain and level: difference, ratio, and participants the same "
    "spend would reach at the alternative's cost.",
)
def services_cost_comparison(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """Comparison rows, one per subject × alternative."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    _, costs = _checked_inputs(home, wave, la_code)
    services = read_parquet(services_table(home, "services_cost_per_participant", wave, la_code))
    levels = read_parquet(services_table(home, "services_cost_by_level", wave, la_code))
    table = compare_with_alternatives(services, levels, costs)
    compared = table.filter((pl.col("scope") == "service") & pl.col("alternative_programme").is_not_null())
    dearer = compared.filter(pl.col("ratio") > 1)
    return write_table(
        table,
        services_table(home, "services_cost_comparison", wave, la_code),
        reference_programmes=costs.height,
        services_with_alternative=compared["service_id"].n_unique(),
        comparisons_dearer_than_alternative=dearer.height,
    )


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[REGISTER, EVIDENCE_COSTS],
    description="Coordination opportunities: services of different providers or departments working in the "
    "same domain, at the same level, with the same target group.",
)
def services_coordination(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """One row per service of each overlapping group."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    register, _ = _checked_inputs(home, wave, la_code)
    table = coordination_opportunities(register)
    groups = table.unique("group_id")
    return write_table(
        table,
        services_table(home, "services_coordination", wave, la_code),
        groups=groups.height,
        services_in_groups=table.height,
        spend_in_groups_gbp=float(groups["group_spend_gbp"].sum()),
    )


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    partitions_def=wave_council_partitions,
    code_version=CODE_VERSION,
    deps=[REGISTER, EVIDENCE_COSTS, PUBLISHED_ESTIMATES],
    description="Per domain, its share of the CPP's investment beside the published share of secondary and "
    "primary pupils with high need in that domain; suppressed figures stay [c].",
)
def services_spend_against_need(
    context: dg.AssetExecutionContext, settings: RcsSettings
) -> dg.MaterializeResult:
    """Spend share beside published high-need share, per domain."""
    wave, la_code = wave_and_council(context)
    home = settings.layout()
    register, _ = _checked_inputs(home, wave, la_code)
    published = read_parquet(home.table("published", "published_estimates", wave, la_code))
    table = spend_against_need(register, published)
    symbols = pl.concat([table["secondary_symbol"], table["primary_symbol"]])
    return write_table(
        table,
        services_table(home, "services_spend_against_need", wave, la_code),
        need_figures_published=int((symbols.is_null()).sum()),
        need_figures_suppressed=int((symbols == "[c]").sum()),
        need_figures_not_available=int((symbols == "[x]").sum()),
    )
