"""The study's headline: the effect of batch composition, with 95% CIs, beside the paper's.

For each LAReQA dataset (XQuAD-R, MLQA-R) and each comparison (Hybrid − X-X-mono, Hybrid − X-Y,
X-Y − X-X-mono) one row per quantity:

- ``Mo mAP``, ``Cr mAP``, ``Mul mAP``: the difference of the two strategies' macro mAP (the
  trec_eval ``map`` of each query, averaged within each language or language pair, then over
  them), with the two-level bootstrap 95% CI of :func:`~hybridlib.analysis.inference.hierarchical_bootstrap`
  (seeds, then parallel-question clusters) that the claims use;
- ``RD change``: the relative change of the multilingual rank distance, (RD_A − RD_B) / RD_B, its
  CI the quantiles of the same ratio over the bootstrap draws (negative: A places the relevant
  passages of other languages closer to those of the query's language, i.e. cuts language bias).

Beside ours, the paper's effect for XLM-R and LaBSE: the same difference (or relative change) of
the means its Tables 3-8 print (``data/paper/``). Absolute levels differ by backbone; these
differences are what the paper's claims are about. No torch here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.analysis.aggregate import group_by_strategy
from hybridlib.analysis.inference import hierarchical_bootstrap, relative_change
from hybridlib.analysis.scorecard import COMPARISONS, paper_means, strategy_sample

QUANTITIES = {  # label -> (setting, metric)
    "Mo mAP": ("mono", "mAP"),
    "Cr mAP": ("cross", "mAP"),
    "Mul mAP": ("multi", "mAP"),
    "RD change": ("multi", "rank_distance"),
}
PAPER_MODELS = ("XLM-R", "LaBSE")


def _paper_effect(dataset: str, setting: str, metric: str, model: str, a: str, b: str) -> float:
    means = paper_means(dataset, setting, metric, model)
    pa, pb = means.get(a, np.nan), means.get(b, np.nan)
    return (pa - pb) / pb if metric == "rank_distance" else pa - pb


def effect_table(
    records: list[dict], datasets: tuple[str, ...] = ("xquad-r", "mlqa-r"), subdir: str = "", n_boot: int = 2000
) -> pd.DataFrame:
    """One row per (dataset, quantity, comparison): ``effect``, ``ci_low``, ``ci_high`` (ours),
    ``seeds`` (per strategy, A/B) and ``paper XLM-R`` / ``paper LaBSE``.

    ``records``: one track's runs of the three strategies on one protocol (any seeds); datasets
    the runs did not evaluate are left out."""
    groups = group_by_strategy(records)
    missing = {s for pair in COMPARISONS for s in pair} - set(groups)
    if missing:
        raise ValueError(f"the effect table needs runs of every strategy; missing {sorted(missing)}")
    rows = []
    for dataset in datasets:
        if not all(dataset in r["results"] for g in groups.values() for r in g):
            continue
        for quantity, (setting, metric) in QUANTITIES.items():
            samples = {s: strategy_sample(g, dataset, setting, metric, subdir) for s, g in groups.items()}
            for a, b in COMPARISONS:
                d = hierarchical_bootstrap(samples[a], samples[b], n_boot=n_boot, seed=len(rows))
                if metric == "rank_distance":
                    effect, ratio = relative_change(d, samples[b])
                    low, high = np.quantile(ratio, [0.025, 0.975])
                else:
                    effect, low, high = d.estimate, d.low, d.high
                row = {
                    "dataset": dataset,
                    "quantity": quantity,
                    "comparison": f"{a} − {b}",
                    "effect": float(effect),
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "seeds": f"{d.n_seeds[0]}/{d.n_seeds[1]}",
                }
                for m in PAPER_MODELS:
                    row[f"paper {m}"] = _paper_effect(dataset, setting, metric, m, a, b)
                rows.append(row)
    return pd.DataFrame(rows)


def display_scale(quantity: str) -> tuple[int, str]:
    """How a quantity's effect is printed: ``(100, " %")`` for the relative rank-distance change,
    ``(1, "")`` for mAP differences."""
    return (100, " %") if quantity == "RD change" else (1, "")


def resolved(table: pd.DataFrame) -> pd.Series:
    """Whether each row's 95% CI excludes 0."""
    return (table.ci_low > 0) | (table.ci_high < 0)


def headline_sentences(table: pd.DataFrame) -> list[str]:
    """The answer to "does Hybrid beat X-X-mono and X-Y, and by how much", one sentence per
    comparison involving Hybrid, from the numbers: each quantity's effect and CI on each dataset,
    "resolved" where the CI excludes 0 (mAP: higher is better; RD change: lower is better)."""
    out = []
    for comparison in ("Hybrid − X-X-mono", "Hybrid − X-Y"):
        parts = []
        for r in table[table.comparison == comparison].itertuples():
            scale, unit = display_scale(r.quantity)
            better = r.ci_high < 0 if r.quantity == "RD change" else r.ci_low > 0
            worse = r.ci_low > 0 if r.quantity == "RD change" else r.ci_high < 0
            word = "better" if better else "worse" if worse else "not resolved"
            parts.append(
                f"{r.dataset} {r.quantity} {r.effect * scale:+.3f}{unit} "
                f"[{r.ci_low * scale:+.3f}, {r.ci_high * scale:+.3f}] ({word})"
            )
        if parts:
            out.append(f"{comparison}: " + "; ".join(parts) + ".")
    return out


__all__ = ["QUANTITIES", "effect_table", "display_scale", "resolved", "headline_sentences"]
