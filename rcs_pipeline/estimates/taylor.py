"""Domain ratios and their Taylor-linearised variances under a stratified design (DuckDB SQL).

The census design: respondents are a sample without replacement within strata (the final weighting cells),
each stratum h with n_h respondents of N_h pupils (R: svydesign(ids=~1, strata=~weight_cell,
fpc=~cell_roll)). Every geography (council, cluster, school, the all-councils comparator) and breakdown
group is a domain of that one design: z_i = w_i (y_i − R) / W_D on D, 0 elsewhere, and

  v = Σ_h (1 − n_h/N_h) · n_h/(n_h − 1) · (Σ_h z² − (Σ_h z)² / n_h),

with n_h the stratum's full respondent count (not only the domain's). Without fpc (N_h unknown) the
factor (1 − n_h/N_h) is 1. Degrees of freedom as R's degf() of the domain subset: respondents in D with a
value minus strata holding any of them. A stratum touched by D with n_h = 1 and N_h > 1 has no variance
estimate (R stops: "Stratum has only one PSU"); with n_h = N_h = 1 it contributes 0 (fully enumerated).
"""

from __future__ import annotations

import duckdb

from rcs_pipeline.estimates.domains import COMPARATOR_CODE, COMPARATOR_LEVEL

DOMAIN_KEYS = "geography_code, breakdown, breakdown_value, indicator_id"

# geography level -> SQL of its code over unit_sums (every level is a domain of the same design).
DOMAIN_CODES: dict[str, str] = {
    "council": "la_code",
    "cluster": "asg_code",
    "school": "seed_code",
    COMPARATOR_LEVEL: f"'{COMPARATOR_CODE}'",
}


def domain_sql(level: str) -> str:
    """SQL of one geography level's domain estimates (n, n_positive, estimate, var, df, var_status)."""
    geo = DOMAIN_CODES[level]
    return f"""
        WITH sd AS (
            SELECT {geo} AS geography_code, breakdown, breakdown_value, indicator_id, stratum,
                   SUM(n) AS n, SUM(n_positive) AS n_positive, SUM(sw) AS sw, SUM(swy) AS swy,
                   SUM(sw2) AS sw2, SUM(sw2y) AS sw2y, SUM(sw2y2) AS sw2y2
            FROM unit_sums WHERE {geo} IS NOT NULL
            GROUP BY {geo}, breakdown, breakdown_value, indicator_id, stratum
        ),
        dom AS (
            SELECT {DOMAIN_KEYS}, SUM(n) AS n, SUM(n_positive) AS n_positive, SUM(sw) AS w,
                   SUM(swy) / SUM(sw) AS estimate, SUM(n) - COUNT(*) AS df
            FROM sd GROUP BY {DOMAIN_KEYS}
        ),
        z AS (
            SELECT sd.geography_code, sd.breakdown, sd.breakdown_value, sd.indicator_id, sd.stratum,
                   (sd.swy - dom.estimate * sd.sw) / dom.w AS s1,
                   (sd.sw2y2 - 2 * dom.estimate * sd.sw2y + dom.estimate * dom.estimate * sd.sw2)
                       / (dom.w * dom.w) AS s2
            FROM sd JOIN dom USING ({DOMAIN_KEYS})
        ),
        v AS (
            SELECT {DOMAIN_KEYS},
                   BOOL_OR(u.n_h < 2 AND (u.fpc_h IS NULL OR u.fpc_h > u.n_h)) AS lonely,
                   BOOL_OR(u.fpc_h IS NOT NULL AND u.fpc_h < u.n_h) AS over_roll,
                   SUM(CASE WHEN u.n_h < 2 THEN 0.0
                            ELSE COALESCE(1.0 - u.n_h / u.fpc_h, 1.0) * u.n_h / (u.n_h - 1.0)
                                 * GREATEST(z.s2 - z.s1 * z.s1 / u.n_h, 0.0) END) AS var
            FROM z JOIN strata u USING (stratum)
            GROUP BY {DOMAIN_KEYS}
        )
        SELECT '{level}' AS geography_level, {DOMAIN_KEYS}, n, n_positive, estimate,
               CASE WHEN lonely OR over_roll THEN NULL ELSE GREATEST(var, 0.0) END AS var, df,
               CASE WHEN over_roll THEN 'no_roll' WHEN lonely THEN 'single_psu' END AS var_status
        FROM dom JOIN v USING ({DOMAIN_KEYS})
    """


def domain_estimates(con: duckdb.DuckDBPyConnection, levels: tuple[str, ...]) -> duckdb.DuckDBPyRelation:
    """Union of the domain estimates (n, n_positive, estimate, var, df, var_status) of `levels`."""
    return con.sql(" UNION ALL ".join(f"({domain_sql(level)})" for level in levels))
