"""95% confidence intervals from a linearised variance: symmetric t for means, logit for proportions.

Exactly R's survey package: `confint(svymean(...), df=degf(design))` for means and
`svyciprop(method="logit")` for proportions, which for an intercept-only quasibinomial model is
logit(p) ± t·SE(p)/(p(1−p)), back-transformed. No interval (nulls, and `ci_status` says why) when
the variance cannot be estimated, the design has no degrees of freedom, or a proportion is 0 or 1.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

LEVEL = 0.95

CI_STATUS = {
    "single_psu": "a stratum (council) or school design has a single sampling unit: no variance estimate",
    "no_roll": "the school's roll is missing or smaller than its respondents: no finite population correction",
    "no_df": "the domain's respondents come from a single sampling unit: zero degrees of freedom",
    "p_zero_or_one": "the proportion is 0 or 1: the logit interval is undefined",
}


def t_quantile(df: np.ndarray) -> np.ndarray:
    """Two-sided 95% t quantile per degrees of freedom; NaN where df < 1."""
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df >= 1)
    out[ok] = stats.t.ppf(0.5 + LEVEL / 2, df[ok])
    return out


def with_intervals(frame: pl.DataFrame, proportion: pl.Series | pl.Expr) -> pl.DataFrame:
    """Add se, ci_low, ci_high and ci_status to rows holding estimate, var, df, var_status.

    `proportion` marks the rows whose indicator is a proportion (logit interval); others are means.
    """
    frame = frame.with_columns(_is_prop=proportion)
    est = frame["estimate"].to_numpy().astype(float)
    var = frame["var"].fill_null(np.nan).to_numpy().astype(float)
    df = frame["df"].fill_null(-1).to_numpy().astype(float)
    is_prop = frame["_is_prop"].to_numpy().astype(bool)
    se = np.sqrt(var)
    t = t_quantile(df)
    low = est - t * se
    high = est + t * se
    inner = is_prop & (est > 0) & (est < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(est / (1 - est))
        half = t * se / (est * (1 - est))
        p_low = 1 / (1 + np.exp(-(logit - half)))
        p_high = 1 / (1 + np.exp(-(logit + half)))
    low = np.where(is_prop, np.where(inner, p_low, np.nan), low)
    high = np.where(is_prop, np.where(inner, p_high, np.nan), high)
    status = np.where(
        frame["var_status"].is_not_null().to_numpy(),
        frame["var_status"].fill_null("").to_numpy(),
        np.where(np.isnan(t), "no_df", np.where(is_prop & ~inner, "p_zero_or_one", "")),
    )
    return frame.drop("_is_prop").with_columns(
        se=pl.Series(se).fill_nan(None),
        ci_low=pl.Series(low).fill_nan(None),
        ci_high=pl.Series(high).fill_nan(None),
        ci_status=pl.Series(status, dtype=pl.String).replace("", None),
    )
