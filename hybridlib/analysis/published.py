"""SHIFT and LIR as their papers apply them, beside the study's re-normalised variants (issue 52).

The study's ``shift-ntrex`` / ``lir-ntrex`` re-normalise each embedding after shifting it or removing
its language subspace, and score by cosine; the published methods score the shifted / projected
vectors by dot product (:mod:`hybridlib.train.neutrality`). A candidate's length after the shift
depends on its language, so the two can rank the same candidates differently across languages:
exactly what Mul mAP, rank distance and LPR measure. This module pairs each published run with its
study variant on the same queries and says how far apart they are.
"""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.aggregate import per_query
from hybridlib.analysis.inference import hierarchical_bootstrap, sample_from
from hybridlib.analysis.preference import metric_series

# metric -> the per-query array of a transform record on a LAReQA task (None: from the preference record)
LAREQA_ARRAYS = {"Mo mAP": "mono/mAP", "Cr mAP": "cross/mAP", "Mul mAP": "multi/mAP", "RD": "multi/rank_distance"}
PREFERENCE_METRICS = ("LPR", "1 − MRC")


def _series(record: dict, dataset: str, metric: str, subdir: str) -> pd.Series:
    if metric in LAREQA_ARRAYS:
        return per_query([record], f"{dataset}/{LAREQA_ARRAYS[metric]}", subdir)
    return metric_series(record, dataset, metric, subdir)


def published_vs_study(
    pairs: dict[str, tuple[dict, dict]],
    preference: dict[str, tuple[dict, dict]],
    dataset: str = "xquad-r",
    subdir: str = "",
    n_boot: int = 1000,
) -> pd.DataFrame:
    """Published − study variant per metric on ``dataset``: ``pairs[name] = (published transform
    record, study transform record)``, ``preference[name]`` the same for their language-preference
    records (LPR, 1 − MRC; may lack a name). Each run is deterministic (one "seed"), so the 95% CI
    is the question-cluster bootstrap alone. Columns: published, metric, published value, study
    value, diff, ci_low, ci_high, resolved. Mo/Cr/Mul mAP: larger is better; RD, LPR, 1 − MRC:
    larger = more query-language bias."""
    rows = []
    for name, (pub, study) in pairs.items():
        sources = [(m, pub, study) for m in LAREQA_ARRAYS]
        if name in preference:
            sources += [(m, *preference[name]) for m in PREFERENCE_METRICS]
        for metric, a, b in sources:
            sa, sb = (sample_from([_series(r, dataset, metric, subdir)]) for r in (a, b))
            d = hierarchical_bootstrap(sa, sb, n_boot=n_boot)
            rows.append(
                {
                    "published": name,
                    "metric": metric,
                    "published value": sa.estimate(),
                    "study value": sb.estimate(),
                    "diff": d.estimate,
                    "ci_low": d.low,
                    "ci_high": d.high,
                    "resolved": bool(d.low > 0 or d.high < 0),
                }
            )
    return pd.DataFrame(rows)


def published_sentence(table: pd.DataFrame) -> str:
    """One sentence per published method: which metrics move resolvedly from the study's variant."""
    if table.empty:
        return "No published SHIFT / LIR run is stored yet (python scripts/run_experiments.py shift-lir-published)."
    out = []
    for name, g in table.groupby("published", sort=False):
        moved = g[g.resolved]
        if moved.empty:
            out.append(f"{name}: no metric differs resolvedly from the re-normalised variant.")
            continue
        parts = ", ".join(f"{r.metric} {r.diff:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}]" for r in moved.itertuples())
        out.append(f"{name} − re-normalised: {parts} ({len(moved)} of {len(g)} metrics resolved).")
    return " ".join(out)


__all__ = ["LAREQA_ARRAYS", "PREFERENCE_METRICS", "published_sentence", "published_vs_study"]
