"""95% confidence intervals and reliability flags from a linearised variance (docs/methods/estimates.md).

- Proportions: R's `svyciprop(method="logit")`, i.e. logit(p) ± t·SE(p)/(p(1−p)) back-transformed, t on
  the domain's degrees of freedom. Where that interval does not exist (p = 0 or 1, no degrees of freedom,
  or no variance estimate) the interval is Clopper–Pearson on the unweighted base (n_positive of n), as
  the NCHS Data Presentation Standards for Proportions (2017) do at 0% and 100%: every proportion with
  n >= 1 has an interval.
- Means: estimate ± t·SE as `confint(svymean(...), df=degf(design))`; none (with `ci_status`) when the
  variance or the degrees of freedom are missing.
- Every interval is clamped to contain its estimate (see `contain`).
- `reliability` is 'low' by the NCHS standards for proportions (effective sample size < 30, absolute
  width >= 0.30, or width in (0.05, 0.30) with relative width > 130%) and, for means, n < 30 or a
  relative standard error >= 30% or no interval; else null.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

LEVEL = 0.95

CI_STATUS = {
    "single_psu": "a stratum of the design touched by the group has a single respondent: no variance estimate",
    "no_roll": "a weighting cell has more respondents than its roll: no finite population correction",
    "no_df": "the group's answers have no degrees of freedom (one respondent per stratum)",
}
CI_METHODS = ("logit", "clopper_pearson", "t")

# NCHS Data Presentation Standards for Proportions (2017); the means' rule is this project's choice.
MIN_EFFECTIVE_N = 30
MAX_ABSOLUTE_WIDTH = 0.30
NARROW_WIDTH = 0.05
MAX_RELATIVE_WIDTH = 1.30
MIN_MEAN_N = 30
MAX_MEAN_RSE = 0.30


def t_quantile(df: np.ndarray) -> np.ndarray:
    """Two-sided 95% t quantile per degrees of freedom; NaN where df < 1."""
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df >= 1)
    out[ok] = stats.t.ppf(0.5 + LEVEL / 2, df[ok])
    return out


def clopper_pearson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial 95% interval of x successes in n trials (R: binom.test(x, n)$conf.int)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - LEVEL
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    bad = ~(np.isfinite(x) & np.isfinite(n) & (n >= 1))
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def logit_interval(p: np.ndarray, se: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """svyciprop's logit interval: expit(logit(p) ± t·SE/(p(1−p))); NaN outside 0 < p < 1."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logit = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        return 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))


def contain(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval widened, where needed, to contain its estimate exactly.

    Why: expit(logit(p)) is not p in floating point (it can come back 1 ulp below, so an interval with
    SE = 0 would end just under its own estimate, which the estimates gate rightly refuses), and the
    Clopper–Pearson fallback is computed on the unweighted base, so it may not contain a weighted
    estimate. Moving an end to the estimate never narrows a true interval. NaN ends stay NaN.
    """
    with np.errstate(invalid="ignore"):
        low = np.where(np.isnan(low), np.nan, np.fmin(low, estimate))
        high = np.where(np.isnan(high), np.nan, np.fmax(high, estimate))
    return low, high


def proportion_reliability(
    p: np.ndarray, se: np.ndarray, n: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """True where an NCHS (2017) criterion marks a proportion as of low reliability.

    Effective sample size p(1−p)/SE², capped at n (n itself where SE is 0 or missing or p is 0 or 1),
    below 30; or absolute interval width >= 0.30; or width in (0.05, 0.30) and relative width
    (width / p) above 130% (not defined, so not applied, at p = 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where((se > 0) & (p > 0) & (p < 1), p * (1 - p) / (se * se), n)
        n_eff = np.fmin(n_eff, n)
        width = high - low
        relative = np.where(p > 0, width / p, 0.0)
    too_few = ~(n_eff >= MIN_EFFECTIVE_N)
    too_wide = ~(width < MAX_ABSOLUTE_WIDTH)
    too_relative = (width > NARROW_WIDTH) & (width < MAX_ABSOLUTE_WIDTH) & (relative > MAX_RELATIVE_WIDTH)
    return too_few | too_wide | too_relative


def mean_reliability(estimate: np.ndarray, se: np.ndarray, n: np.ndarray, low: np.ndarray) -> np.ndarray:
    """True where a mean is of low reliability: n < 30, RSE = SE/|mean| >= 30%, or no interval."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.where(estimate != 0, se / np.abs(estimate), np.where(se > 0, np.inf, 0.0))
    return (n < MIN_MEAN_N) | ~(rse < MAX_MEAN_RSE) | np.isnan(low)


def with_intervals(frame: pl.DataFrame, proportion: pl.Series | pl.Expr) -> pl.DataFrame:
    """Add se, ci_low, ci_high, ci_status, ci_method and reliability to rows of estimate, var, df, var_status.

    `proportion` marks the rows whose indicator is a proportion (logit or Clopper–Pearson); others are means.
    """
    frame = frame.with_columns(_is_prop=proportion)
    est = frame["estimate"].to_numpy().astype(float)
    var = frame["var"].fill_null(np.nan).to_numpy().astype(float)
    df = frame["df"].fill_null(-1).to_numpy().astype(float)
    n = frame["n"].to_numpy().astype(float)
    x = frame["n_positive"].fill_null(np.nan).to_numpy().astype(float)
    is_prop = frame["_is_prop"].to_numpy().astype(bool)
    se = np.sqrt(var)
    t = t_quantile(df)
    designed = np.isfinite(se) & np.isfinite(t)
    logit_ok = is_prop & designed & (est > 0) & (est < 1)
    exact = is_prop & ~logit_ok
    p_low, p_high = logit_interval(est, se, t)
    cp_low, cp_high = clopper_pearson(np.where(exact, x, 0.0), np.where(exact, n, 1.0))
    m_ok = ~is_prop & designed
    low = np.where(logit_ok, p_low, np.where(exact, cp_low, np.where(m_ok, est - t * se, np.nan)))
    high = np.where(logit_ok, p_high, np.where(exact, cp_high, np.where(m_ok, est + t * se, np.nan)))
    low, high = contain(est, low, high)
    method = np.where(logit_ok, "logit", np.where(exact, "clopper_pearson", np.where(m_ok, "t", "")))
    status = np.where(
        np.isnan(low),
        np.where(
            frame["var_status"].is_not_null().to_numpy(),
            frame["var_status"].fill_null("").to_numpy(),
            "no_df",
        ),
        "",
    )
    low_reliability = np.where(
        is_prop, proportion_reliability(est, se, n, low, high), mean_reliability(est, se, n, low)
    )
    return frame.drop("_is_prop").with_columns(
        se=pl.Series(se).fill_nan(None),
        ci_low=pl.Series(low).fill_nan(None),
        ci_high=pl.Series(high).fill_nan(None),
        ci_status=pl.Series(status, dtype=pl.String).replace("", None),
        ci_method=pl.Series(method, dtype=pl.String).replace("", None),
        reliability=pl.Series(np.where(low_reliability, "low", ""), dtype=pl.String).replace("", None),
    )
