"""Statistics for seeds and strategies: CIs over seeds, paired tests over queries, Holm correction,
and computed verdicts for the paper's claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st


def mean_ci(values, conf: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval over seeds: ``(mean, low, high)``."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = float(st.t.ppf(0.5 + conf / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


def fmt_ci(values, digits: int = 4) -> str:
    m, lo, hi = mean_ci(values)
    if np.isnan(m):
        return "n/a"
    return f"{m:.{digits}f} ± {(hi - lo) / 2:.{digits}f}" if hi > lo else f"{m:.{digits}f}"


def paired_test(a, b, n_resamples: int = 10000, seed: int = 0) -> dict:
    """Paired comparison of per-query scores ``a`` vs ``b`` (same queries, same order).

    Returns the mean difference ``a - b``, its 95% paired-bootstrap CI and a two-sided
    randomisation (sign-flip) p-value.
    """
    d = np.asarray(a, float) - np.asarray(b, float)
    if len(d) == 0:
        return {"diff": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "p": float("nan"), "n": 0}
    rng = np.random.default_rng(seed)
    boots = np.array([d[rng.integers(len(d), size=len(d))].mean() for _ in range(min(n_resamples, 2000))])
    signs = rng.choice([-1.0, 1.0], size=(n_resamples, len(d)))
    null = (signs * d).mean(1)
    p = float((np.abs(null) >= abs(d.mean()) - 1e-15).mean())
    return {
        "diff": float(d.mean()),
        "ci_low": float(np.percentile(boots, 2.5)),
        "ci_high": float(np.percentile(boots, 97.5)),
        "p": max(p, 1.0 / n_resamples),
        "n": int(len(d)),
    }


def holm(pvalues) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (family-wise error across comparisons)."""
    p = np.asarray(pvalues, float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adj[i] = running
    return adj


def aligned(series: dict[str, pd.Series]) -> pd.DataFrame:
    """Align per-query series (index = query id) on their common queries."""
    return pd.concat(series, axis=1, join="inner")


def paired_rows(series: dict[str, pd.Series], comparisons, **labels) -> list[dict]:
    """:func:`paired_test` of ``series[a]`` vs ``series[b]`` on their common queries, for each
    ``(a, b)`` in ``comparisons``; one dict per comparison, ``labels`` added to each. Collect the rows
    of a whole family of tests, then correct them together with :func:`holm`."""
    rows = []
    for a, b in comparisons:
        df = aligned({"a": series[a], "b": series[b]})
        rows.append({**labels, "comparison": f"{a} − {b}", **paired_test(df.a.to_numpy(), df.b.to_numpy())})
    return rows


def fmt_p(p: float, why_missing: str = "not tested") -> str:
    """A p-value as a reader reads it: ``<0.001``, ``0.004``, ``0.21`` (three decimals below 0.01,
    two above), ``1`` for 1; where no test was run (NaN) the reason instead of ``nan``."""
    if p is None or (isinstance(p, float) and np.isnan(p)):
        return why_missing
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return f"{p:.3f}"
    return "1" if p >= 0.995 else f"{p:.2f}"
