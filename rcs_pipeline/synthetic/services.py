"""Synthetic services register and evidence-based reference costs for one CPP (docs/methods/input_contract.md).

The register is shaped like a real Scottish CPP's map of children's services: a few dozen services run by
the council (education and social work), the health board, Police Scotland, third-sector and private
providers, with most of the money in targeted and intensive services (care placements, CAMHS, additional
support for learning). It deliberately holds what the services mapping must handle: evidence-based
programmes (PATHS, Triple P, Incredible Years, Family Nurse Partnership, Functional Family Therapy,
Multisystemic Therapy), overlapping services of different providers for the same domain, level and target
group, and two services with spend but no participants in the year. Spend and reach scale with the
council's school roll. Provider names other than the council, health board and Police Scotland are
invented. Reference costs are labelled `synthetic`: they are plausible UK unit costs, not citations.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

from rcs_pipeline.codelists import council_names
from rcs_pipeline.contract.spec import dataset_spec

REGISTER_COLUMNS: tuple[str, ...] = dataset_spec("services_register").column_names
EVIDENCE_COST_COLUMNS: tuple[str, ...] = dataset_spec("evidence_costs").column_names
"""Columns in the input contract's order (rcs_pipeline/contract/datasets/)."""

# Health board of each council area (NHS Scotland's 14 territorial boards).
_HEALTH_BOARDS: dict[str, tuple[str, ...]] = {
    "NHS Ayrshire and Arran": ("S12000008", "S12000021", "S12000028"),
    "NHS Borders": ("S12000026",),
    "NHS Dumfries and Galloway": ("S12000006",),
    "NHS Fife": ("S12000047",),
    "NHS Forth Valley": ("S12000005", "S12000014", "S12000030"),
    "NHS Grampian": ("S12000033", "S12000034", "S12000020"),
    "NHS Greater Glasgow and Clyde": (
        "S12000049",
        "S12000045",
        "S12000011",
        "S12000018",
        "S12000038",
        "S12000039",
    ),
    "NHS Highland": ("S12000017", "S12000035"),
    "NHS Lanarkshire": ("S12000050", "S12000029"),
    "NHS Lothian": ("S12000036", "S12000010", "S12000019", "S12000040"),
    "NHS Orkney": ("S12000023",),
    "NHS Shetland": ("S12000027",),
    "NHS Tayside": ("S12000041", "S12000042", "S12000048"),
    "NHS Western Isles": ("S12000013",),
}


class _Service(NamedTuple):
    """One line of the template register; spend and reach are per child on the school roll."""

    name: str
    provider: str  # "council", "health", "police" or an organisation's name
    provider_type: str
    level: str
    domain: str
    target_group: str
    evidence_rating: str
    programme: str | None
    spend_per_child: float  # GBP a year per child on the roll
    reach_per_1000: float  # children or families reached a year per 1,000 on the roll
    outcomes_in_contract: bool
    funding_department: str


_EDU, _SW, _HB, _POL, _TS, _PRIV = (
    "LA education",
    "LA social work",
    "Health board",
    "Police",
    "Third sector",
    "Private",
)
_ED, _CSW, _HEALTH, _PS, _CLD = (
    "Education",
    "Children's Social Work",
    "Health",
    "Police Scotland",
    "Community Learning and Development",
)

_TEMPLATE: tuple[_Service, ...] = (
    # Universal
    _Service(
        "Health visiting universal pathway",
        "health",
        _HB,
        "Universal",
        "physical_health",
        "Families with children aged 0-5",
        "Promising",
        None,
        120,
        350,
        False,
        _HEALTH,
    ),
    _Service(
        "School nursing service",
        "health",
        _HB,
        "Universal",
        "physical_health",
        "All school pupils",
        "Unevaluated",
        None,
        40,
        900,
        False,
        _HEALTH,
    ),
    _Service(
        "Active Schools",
        "council",
        _EDU,
        "Universal",
        "physical_health",
        "All pupils P1-S6",
        "Unevaluated",
        None,
        25,
        600,
        False,
        _ED,
    ),
    _Service(
        "PATHS social and emotional learning in primary schools",
        "council",
        _EDU,
        "Universal",
        "mental_wellbeing",
        "Primary pupils P1-P7",
        "Evidence-based",
        "PATHS",
        18,
        450,
        True,
        _ED,
    ),
    _Service(
        "Youth clubs and detached youth work",
        "Youth Connect Scotland",
        _TS,
        "Universal",
        "local_area",
        "Young people aged 11-18",
        "Unevaluated",
        None,
        15,
        180,
        False,
        _CLD,
    ),
    _Service(
        "Campus police officers",
        "police",
        _POL,
        "Universal",
        "local_area",
        "Secondary pupils",
        "Unevaluated",
        None,
        12,
        700,
        False,
        _PS,
    ),
    _Service(
        "Triple P parenting seminars",
        "Thrive Families Scotland",
        _TS,
        "Universal",
        "family",
        "Parents of children aged 0-12",
        "Evidence-based",
        "Triple P",
        6,
        120,
        True,
        _CSW,
    ),
    _Service(
        "Bookbug and early reading sessions",
        "council",
        _EDU,
        "Universal",
        "learning",
        "Children aged 0-5 and their parents",
        "Promising",
        None,
        4,
        300,
        False,
        _CLD,
    ),
    # Prevention
    _Service(
        "Nurture groups in primary schools",
        "council",
        _EDU,
        "Prevention",
        "learning",
        "Primary pupils with social and emotional needs",
        "Promising",
        None,
        35,
        40,
        False,
        _ED,
    ),
    _Service(
        "Anti-bullying programme",
        "council",
        _EDU,
        "Prevention",
        "peers",
        "Secondary pupils S1-S4",
        "Unevaluated",
        None,
        8,
        400,
        False,
        _ED,
    ),
    _Service(
        "Befriending and mentoring",
        "Pathways Mentoring",
        _TS,
        "Prevention",
        "peers",
        "Young people aged 10-16 at risk of isolation",
        "Promising",
        None,
        10,
        25,
        True,
        _CSW,
    ),
    _Service(
        "Healthy weight programme",
        "health",
        _HB,
        "Prevention",
        "physical_health",
        "Children aged 5-12 above a healthy weight",
        "Unevaluated",
        None,
        9,
        20,
        False,
        _HEALTH,
    ),
    _Service(
        "Youth diversion scheme",
        "police",
        _POL,
        "Prevention",
        "local_area",
        "Young people aged 12-17 at risk of offending",
        "Unevaluated",
        None,
        14,
        30,
        False,
        _PS,
    ),
    _Service(
        "Family learning",
        "council",
        _EDU,
        "Prevention",
        "learning",
        "Families with children in P1-P3",
        "Unevaluated",
        None,
        7,
        40,
        False,
        _CLD,
    ),
    _Service(
        "Substance misuse education",
        "Clear Choices Trust",
        _TS,
        "Prevention",
        "physical_health",
        "Secondary pupils S1-S4",
        "Unevaluated",
        None,
        5,
        350,
        False,
        _ED,
    ),
    _Service(
        "Digital wellbeing app (procured, not launched)",
        "Appwell Digital Ltd",
        _PRIV,
        "Prevention",
        "mental_wellbeing",
        "Secondary pupils",
        "Unevaluated",
        None,
        3,
        0,
        False,
        _ED,
    ),
    # Early intervention
    _Service(
        "Family Nurse Partnership",
        "health",
        _HB,
        "Early intervention",
        "family",
        "First-time mothers aged 19 and under",
        "Evidence-based",
        "Family Nurse Partnership",
        45,
        6,
        True,
        _HEALTH,
    ),
    _Service(
        "Incredible Years parenting groups",
        "council",
        _SW,
        "Early intervention",
        "family",
        "Parents of children aged 3-8 with behaviour difficulties",
        "Evidence-based",
        "Incredible Years",
        15,
        10,
        True,
        _CSW,
    ),
    _Service(
        "Family support team",
        "council",
        _SW,
        "Early intervention",
        "family",
        "Families with children aged 0-12 under stress",
        "Unevaluated",
        None,
        60,
        25,
        False,
        _CSW,
    ),
    _Service(
        "Family support service",
        "Thrive Families Scotland",
        _TS,
        "Early intervention",
        "family",
        "Families with children aged 0-12 under stress",
        "Unevaluated",
        None,
        40,
        15,
        False,
        _CSW,
    ),
    _Service(
        "School counselling",
        "Cedar Counselling Ltd",
        _PRIV,
        "Early intervention",
        "mental_wellbeing",
        "Secondary pupils with emotional difficulties",
        "Unevaluated",
        None,
        30,
        25,
        True,
        _ED,
    ),
    _Service(
        "Primary mental health workers",
        "health",
        _HB,
        "Early intervention",
        "mental_wellbeing",
        "Secondary pupils with emotional difficulties",
        "Promising",
        None,
        35,
        18,
        False,
        _HEALTH,
    ),
    _Service(
        "Educational psychology consultation",
        "council",
        _EDU,
        "Early intervention",
        "learning",
        "Pupils with additional support needs",
        "Unevaluated",
        None,
        40,
        30,
        False,
        _ED,
    ),
    _Service(
        "Young carers support",
        "Carers Link",
        _TS,
        "Early intervention",
        "family",
        "Young carers aged 8-18",
        "Promising",
        None,
        6,
        8,
        True,
        _CSW,
    ),
    # Targeted
    _Service(
        "Looked after at home: social work supervision",
        "council",
        _SW,
        "Targeted",
        "family",
        "Children looked after at home",
        "Unevaluated",
        None,
        110,
        8,
        False,
        _CSW,
    ),
    _Service(
        "Kinship care allowances and support",
        "council",
        _SW,
        "Targeted",
        "family",
        "Children in kinship care",
        "Unevaluated",
        None,
        120,
        9,
        False,
        _CSW,
    ),
    _Service(
        "Triple P group parenting",
        "council",
        _SW,
        "Targeted",
        "family",
        "Parents of children aged 3-12 with behaviour difficulties",
        "Evidence-based",
        "Triple P",
        12,
        12,
        True,
        _CSW,
    ),
    _Service(
        "Functional Family Therapy",
        "Thrive Families Scotland",
        _TS,
        "Targeted",
        "family",
        "Young people aged 11-17 with behaviour problems and their families",
        "Evidence-based",
        "Functional Family Therapy",
        20,
        4,
        True,
        _CSW,
    ),
    _Service(
        "Child and adolescent mental health service (outpatient)",
        "health",
        _HB,
        "Targeted",
        "mental_wellbeing",
        "Children and young people referred with mental health problems",
        "Promising",
        None,
        130,
        20,
        False,
        _HEALTH,
    ),
    _Service(
        "Additional support for learning bases",
        "council",
        _EDU,
        "Targeted",
        "learning",
        "Pupils with additional support needs",
        "Unevaluated",
        None,
        320,
        60,
        False,
        _ED,
    ),
    _Service(
        "Behaviour outreach team",
        "council",
        _EDU,
        "Targeted",
        "learning",
        "Secondary pupils at risk of exclusion",
        "Unevaluated",
        None,
        25,
        12,
        False,
        _ED,
    ),
    _Service(
        "Alternative curriculum group work",
        "Pathways Mentoring",
        _TS,
        "Targeted",
        "learning",
        "Secondary pupils at risk of exclusion",
        "Promising",
        None,
        15,
        8,
        True,
        _ED,
    ),
    _Service(
        "Youth justice service",
        "council",
        _SW,
        "Targeted",
        "local_area",
        "Young people aged 12-17 who have offended",
        "Unevaluated",
        None,
        45,
        5,
        False,
        _CSW,
    ),
    _Service(
        "Peer support for care leavers (started March)",
        "Carers Link",
        _TS,
        "Targeted",
        "peers",
        "Young people leaving care",
        "Unevaluated",
        None,
        4,
        0,
        False,
        _CSW,
    ),
    # Intensive
    _Service(
        "Foster care",
        "council",
        _SW,
        "Intensive",
        "family",
        "Looked after children in foster care",
        "Unevaluated",
        None,
        250,
        7,
        False,
        _CSW,
    ),
    _Service(
        "Independent fostering agency placements",
        "Brightwater Fostering Ltd",
        _PRIV,
        "Intensive",
        "family",
        "Looked after children in foster care",
        "Unevaluated",
        None,
        130,
        2.5,
        False,
        _CSW,
    ),
    _Service(
        "Residential children's houses",
        "council",
        _SW,
        "Intensive",
        "family",
        "Looked after children in residential care",
        "Unevaluated",
        None,
        260,
        1.5,
        False,
        _CSW,
    ),
    _Service(
        "Out-of-authority residential schools",
        "Highfield Schools Ltd",
        _PRIV,
        "Intensive",
        "learning",
        "Children with complex needs placed in residential schools",
        "Unevaluated",
        None,
        300,
        1.2,
        False,
        _ED,
    ),
    _Service(
        "Secure care placements",
        "Kestrel Secure Care",
        _TS,
        "Intensive",
        "local_area",
        "Young people at risk to themselves or others",
        "Unevaluated",
        None,
        60,
        0.2,
        False,
        _CSW,
    ),
    _Service(
        "Multisystemic Therapy",
        "Thrive Families Scotland",
        _TS,
        "Intensive",
        "family",
        "Young people aged 11-17 at risk of care",
        "Evidence-based",
        "Multisystemic Therapy",
        30,
        3,
        True,
        _CSW,
    ),
    _Service(
        "Child protection team",
        "council",
        _SW,
        "Intensive",
        "family",
        "Children on the child protection register",
        "Unevaluated",
        None,
        150,
        5,
        False,
        _CSW,
    ),
    _Service(
        "Intensive CAMHS and inpatient care",
        "health",
        _HB,
        "Intensive",
        "mental_wellbeing",
        "Young people with severe mental illness",
        "Unevaluated",
        None,
        70,
        1,
        False,
        _HEALTH,
    ),
    _Service(
        "Complex health needs nursing",
        "health",
        _HB,
        "Intensive",
        "physical_health",
        "Children with complex health needs",
        "Unevaluated",
        None,
        50,
        1,
        False,
        _HEALTH,
    ),
)

# Plausible UK unit costs (GBP per child or family) of evidence-based programmes, by domain and level.
_EVIDENCE_COSTS: tuple[tuple[str, str, str, float], ...] = (
    ("PATHS", "mental_wellbeing", "Universal", 45),
    ("Good Behaviour Game", "learning", "Universal", 40),
    ("Triple P", "family", "Universal", 30),
    ("KiVa", "peers", "Prevention", 30),
    ("FRIENDS resilience", "mental_wellbeing", "Prevention", 60),
    ("Communities That Care", "local_area", "Prevention", 35),
    ("Big Brothers Big Sisters mentoring", "peers", "Prevention", 1500),
    ("Family Nurse Partnership", "family", "Early intervention", 3200),
    ("Incredible Years", "family", "Early intervention", 1800),
    ("Cool Kids anxiety programme", "mental_wellbeing", "Early intervention", 900),
    ("Catch Up Literacy", "learning", "Early intervention", 400),
    ("Triple P", "family", "Targeted", 1200),
    ("Functional Family Therapy", "family", "Targeted", 3500),
    ("Trauma-focused CBT", "mental_wellbeing", "Targeted", 2200),
    ("Check and Connect", "learning", "Targeted", 1800),
    ("Multisystemic Therapy", "family", "Intensive", 8500),
    ("Treatment Foster Care Oregon", "family", "Intensive", 52000),
)


def health_board(la_code: str) -> str:
    """The NHS board covering a council area."""
    for board, councils in _HEALTH_BOARDS.items():
        if la_code in councils:
            return board
    raise ValueError(f"no health board known for council {la_code!r}")


def council_provider(la_code: str) -> str:
    """How a council names itself as a provider (Na h-Eileanan Siar's council is Comhairle nan Eilean Siar)."""
    if la_code == "S12000013":
        return "Comhairle nan Eilean Siar"
    return f"{council_names()[la_code]} Council"


def _provider_name(service: _Service, la_code: str) -> str:
    """Resolve the template's provider to the organisation that delivers it in this council area."""
    return {
        "council": council_provider(la_code),
        "health": health_board(la_code),
        "police": "Police Scotland",
    }.get(service.provider, service.provider)


def services_register(la_code: str, roll_total: int, rng: np.random.Generator) -> pl.DataFrame:
    """A realistic services register for one CPP, spend and reach scaled to its school roll.

    Spend is rounded to the nearest £100 (budget lines), reach to whole children with at least one for a
    service that reaches anyone; the two template services with no reach keep 0 participants.
    Columns and codes as docs/methods/input_contract.md `services_register`; `outcomes_in_contract` is `Y`/`N` as delivered.
    """
    if roll_total <= 0:
        raise ValueError(f"roll_total must be positive, got {roll_total}")
    n = len(_TEMPLATE)
    spend_noise = rng.lognormal(0.0, 0.15, n)
    reach_noise = rng.lognormal(0.0, 0.10, n)
    rows = []
    for i, (service, s_noise, r_noise) in enumerate(zip(_TEMPLATE, spend_noise, reach_noise, strict=True)):
        spend = max(100.0, round(service.spend_per_child * roll_total * s_noise / 100) * 100.0)
        reach = (
            0
            if service.reach_per_1000 == 0
            else max(1, round(service.reach_per_1000 * roll_total / 1000 * r_noise))
        )
        rows.append(
            {
                "service_id": f"SRV{i + 1:03d}",
                "service_name": service.name,
                "provider": _provider_name(service, la_code),
                "provider_type": service.provider_type,
                "level": service.level,
                "domain": service.domain,
                "target_group": service.target_group,
                "evidence_rating": service.evidence_rating,
                "programme": service.programme,
                "annual_spend_gbp": spend,
                "participants": reach,
                "outcomes_in_contract": "Y" if service.outcomes_in_contract else "N",
                "funding_department": service.funding_department,
            }
        )
    schema = {c: pl.String for c in REGISTER_COLUMNS} | {
        "annual_spend_gbp": pl.Float64,
        "participants": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema).select(REGISTER_COLUMNS)


def evidence_costs(rng: np.random.Generator) -> pl.DataFrame:
    """Reference unit costs of evidence-based alternatives, varied by up to ±10 % and labelled `synthetic`."""
    noise = rng.uniform(0.9, 1.1, len(_EVIDENCE_COSTS))
    rows = [
        {
            "programme": programme,
            "domain": domain,
            "level": level,
            "cost_per_participant_gbp": float(round(cost * factor / 10) * 10),
            "source": "synthetic",
        }
        for (programme, domain, level, cost), factor in zip(_EVIDENCE_COSTS, noise, strict=True)
    ]
    schema = {
        "programme": pl.String,
        "domain": pl.String,
        "level": pl.String,
        "cost_per_participant_gbp": pl.Float64,
        "source": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).select(EVIDENCE_COST_COLUMNS)
