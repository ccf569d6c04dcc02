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

DOMAIN_KEYS = "geography_code, breakdown, breakdown_value, indicator"
# A variance within NOISE_ULPS × machine epsilon × the size of the sums it is the difference of is zero.
EPSILON = 2.220446049250313e-16
NOISE_ULPS = 64

# geography level -> SQL of its code over unit_sums (every level is a domain of the same design).
DOMAIN_CODES: dict[str, str] = {
    "council": "la_code",
    "cluster": "asg_code",
    "school": "seed_code",
    COMPARATOR_LEVEL: f"'{COMPARATOR_CODE}'",
}


def _stratum_sums_sql(level: str) -> str:
    """Sums of each domain × stratum at one level.

    A stratum inside one school (`nested`) is a single unit row already, at every level; a pooled cell
    spans schools, so its unit rows are added up per geography (few rows: no large hash table).
    """
    geo = DOMAIN_CODES[level]
    sums = ["n", "n_positive", "sw", "swy", "sw2", "sw2y", "sw2y2"]
    keys = f"{geo} AS geography_code, breakdown, breakdown_value, indicator, sid"
    rows = f"SELECT {keys}, {', '.join(sums)}, centre FROM unit_sums WHERE {geo} IS NOT NULL"
    if level == "school":  # a school × stratum is one unit row
        return rows
    summed = ", ".join(f"SUM(u.{c}) AS {c}" for c in sums) + ", MAX(u.centre) AS centre"
    return f"""{rows} AND sid IN (SELECT sid FROM strata WHERE nested)
        UNION ALL
        SELECT {keys.replace("sid", "u.sid")}, {summed}
        FROM unit_sums u JOIN strata s ON u.sid = s.sid AND NOT s.nested
        WHERE {geo} IS NOT NULL
        GROUP BY {geo}, breakdown, breakdown_value, indicator, u.sid"""


def domain_sql(level: str) -> str:
    """SQL of one geography level's domain estimates (n, n_positive, estimate, var, df, var_status).

    With c_h = (1 − n_h/N_h) n_h/(n_h − 1) and, per stratum of the domain, S = Σw, Y = Σwy, Q2 = Σw²,
    Q1 = Σw²y, Q0 = Σw²y², the variance expands so that R comes out of the sums over strata:
      v · W² = Σ c_h (Q0 − 2R Q1 + R² Q2) − Σ c_h/n_h (Y − R S)²
             = [A − 2R B + R² C] − [D − 2R E + R² F]
    with A = Σ c_h Q0, B = Σ c_h Q1, C = Σ c_h Q2, D = Σ c_h/n_h Y², E = Σ c_h/n_h Y S, F = Σ c_h/n_h S²:
    one GROUP BY per level, no join back to the domain's ratio. y is centred (R here is the ratio of
    y − c; the estimate adds c back: c = 0 for proportions, so 0 and 1 stay exact).
    """
    return f"""
        WITH d AS (
            SELECT {DOMAIN_KEYS}, SUM(sd.n) AS n, SUM(sd.n_positive) AS n_positive, SUM(sd.sw) AS w,
                   SUM(sd.swy) AS y, SUM(sd.n) - COUNT(*) AS df,
                   SUM(u.c * sd.sw2y2) AS a, SUM(u.c * sd.sw2y) AS b, SUM(u.c * sd.sw2) AS cc,
                   SUM(u.c_n * sd.swy * sd.swy) AS dd, SUM(u.c_n * sd.swy * sd.sw) AS e,
                   SUM(u.c_n * sd.sw * sd.sw) AS f,
                   BOOL_OR(u.lonely) AS lonely, BOOL_OR(u.over_roll) AS over_roll, MAX(sd.centre) AS centre
            FROM ({_stratum_sums_sql(level)}) sd JOIN strata u USING (sid)
            GROUP BY {DOMAIN_KEYS}
        )
        , v AS (
            SELECT *, y / w AS r,
                   (a - 2 * (y / w) * b + (y / w) * (y / w) * cc - (dd - 2 * (y / w) * e + (y / w) * (y / w) * f))
                       / (w * w) AS raw,
                   -- rounding noise of that difference: a variance below it is zero (e.g. one respondent)
                   {NOISE_ULPS} * {EPSILON} * (ABS(a) + 2 * ABS((y / w) * b) + (y / w) * (y / w) * cc + ABS(dd)
                       + 2 * ABS((y / w) * e) + (y / w) * (y / w) * f) / (w * w) AS noise
            FROM d
        )
        SELECT '{level}' AS geography_level, {DOMAIN_KEYS}, n, n_positive, centre + r AS estimate,
               CASE WHEN lonely OR over_roll THEN NULL WHEN raw <= noise THEN 0.0 ELSE raw END AS var,
               df,
               CASE WHEN over_roll THEN 'no_roll' WHEN lonely THEN 'single_psu' END AS var_status
        FROM v
    """


def domain_estimates(con: duckdb.DuckDBPyConnection, levels: tuple[str, ...]) -> duckdb.DuckDBPyRelation:
    """Union of the domain estimates (n, n_positive, estimate, var, df, var_status) of `levels`."""
    return con.sql(" UNION ALL ".join(f"({domain_sql(level)})" for level in levels))
