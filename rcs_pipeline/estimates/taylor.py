"""Domain ratios and their Taylor-linearised variances from the per-school sums (DuckDB SQL).

Council and cluster: stratified cluster design, schools as PSUs, councils as strata, with replacement
(R: svydesign(ids=~seed_code, strata=~la_code, weights=~weight)). Over a domain, the PSU totals of the
linearised variable z are zero outside it, and each stratum keeps all n_h PSUs of the full design:
  v = Σ_h n_h/(n_h − 1) · (Σ_c z_hc² − (Σ_c z_hc)² / n_h).
Degrees of freedom as R's degf() of the domain subset: PSUs with data in it minus strata with data in it.
A stratum of the full design with a single PSU has no variance estimate (R stops: lonely PSU).

School: pupils as units without replacement from the roll N (R: svydesign(ids=~1, weights=~weight,
fpc=~roll)) over the school's n respondents: v = (1 − n/N) · n/(n − 1) · Σ_i z_i²; df = domain n − 1.
"""

from __future__ import annotations

import duckdb

from rcs_pipeline.estimates.domains import COMPARATOR_CODE, COMPARATOR_LEVEL
from rcs_pipeline.estimates.linearisation import OWN_UNIT_MARKER

DOMAIN_KEYS = "geography_code, breakdown, breakdown_value, indicator_id"

# geography level -> SQL of its code over unit_sums (a domain of the council designs).
CLUSTER_DESIGN_DOMAINS: dict[str, str] = {
    "council": "la_code",
    "cluster": "asg_code",
    COMPARATOR_LEVEL: f"'{COMPARATOR_CODE}'",
}


def cluster_design_sql(level: str) -> str:
    """SQL of one geography level's domain estimates under the stratified cluster design."""
    geo = CLUSTER_DESIGN_DOMAINS[level]
    return f"""
        WITH d AS (
            SELECT {geo} AS geography_code, la_code AS stratum, seed_code AS psu,
                   breakdown, breakdown_value, indicator_id, n, n_positive, sw, swy
            FROM unit_sums WHERE {geo} IS NOT NULL
        ),
        dom AS (
            SELECT {DOMAIN_KEYS}, SUM(n) AS n, SUM(n_positive) AS n_positive, SUM(sw) AS w,
                   SUM(swy) / SUM(sw) AS estimate,
                   COUNT(DISTINCT psu) - COUNT(DISTINCT stratum) AS df
            FROM d GROUP BY {DOMAIN_KEYS}
        ),
        z AS (
            SELECT d.geography_code, d.breakdown, d.breakdown_value, d.indicator_id, d.stratum,
                   (d.swy - dom.estimate * d.sw) / dom.w AS z
            FROM d JOIN dom USING ({DOMAIN_KEYS})
        ),
        strat AS (
            SELECT {DOMAIN_KEYS}, stratum, SUM(z) AS s1, SUM(z * z) AS s2
            FROM z GROUP BY {DOMAIN_KEYS}, stratum
        ),
        v AS (
            SELECT {DOMAIN_KEYS}, BOOL_OR(u.n_psu < 2) AS lonely,
                   SUM(u.n_psu / (u.n_psu - 1.0) * (s2 - s1 * s1 / u.n_psu)) AS var
            FROM strat JOIN stratum_units u ON strat.stratum = u.la_code
            GROUP BY {DOMAIN_KEYS}
        )
        SELECT '{level}' AS geography_level, {DOMAIN_KEYS}, n, n_positive, estimate,
               CASE WHEN lonely THEN NULL ELSE GREATEST(var, 0.0) END AS var, df,
               CASE WHEN lonely THEN 'single_psu' END AS var_status
        FROM dom JOIN v USING ({DOMAIN_KEYS})
    """


def school_design_sql(fpc: bool = True) -> str:
    """SQL of the school estimates: pupils as units, finite population correction from the roll.

    Without `fpc` (parents: no population count is delivered) the units are taken with replacement
    (R: svydesign(ids=~1, weights=~weight)) and no roll is needed.
    """
    ratio = "(s.swy / s.sw)"
    marker = OWN_UNIT_MARKER
    if not fpc:
        return f"""
        SELECT 'school' AS geography_level, s.seed_code AS geography_code, s.breakdown, s.breakdown_value,
               s.indicator_id, s.n, s.n_positive, {ratio} AS estimate,
               CASE WHEN u.n_units >= 2 THEN u.n_units / (u.n_units - 1.0) * GREATEST(
                   (s.sw2y2 - 2 * {ratio} * s.sw2y + {ratio} * {ratio} * s.sw2) / (s.sw * s.sw), 0.0) END AS var,
               s.n - 1 AS df, CASE WHEN u.n_units < 2 THEN 'single_psu' END AS var_status
        FROM unit_sums s JOIN school_units u USING (seed_code)
        WHERE s.seed_code NOT LIKE '{marker}%'
        """
    sum_z2 = f"(s.sw2y2 - 2 * {ratio} * s.sw2y + {ratio} * {ratio} * s.sw2) / (s.sw * s.sw)"
    return f"""
        SELECT 'school' AS geography_level, s.seed_code AS geography_code, s.breakdown, s.breakdown_value,
               s.indicator_id, s.n, s.n_positive, {ratio} AS estimate,
               CASE WHEN u.n_units < 2 OR r.roll IS NULL OR r.roll < u.n_units THEN NULL
                    ELSE (r.roll - u.n_units) / r.roll * u.n_units / (u.n_units - 1.0) * GREATEST({sum_z2}, 0.0)
               END AS var,
               s.n - 1 AS df,
               CASE WHEN u.n_units < 2 THEN 'single_psu'
                    WHEN r.roll IS NULL OR r.roll < u.n_units THEN 'no_roll' END AS var_status
        FROM unit_sums s JOIN school_units u USING (seed_code)
        LEFT JOIN school_rolls r USING (seed_code)
        WHERE s.seed_code NOT LIKE '{marker}%'
    """


def domain_estimates(
    con: duckdb.DuckDBPyConnection, levels: tuple[str, ...], fpc: bool = True
) -> duckdb.DuckDBPyRelation:
    """Union of the domain estimates (n, n_positive, estimate, var, df, var_status) of `levels`."""
    parts = [school_design_sql(fpc) if level == "school" else cluster_design_sql(level) for level in levels]
    return con.sql(" UNION ALL ".join(f"({p})" for p in parts))
