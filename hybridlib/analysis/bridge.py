"""The bridge to full fine-tuning: do the strategies compare alike when every block is trained
and when only the partial track's top blocks are, at the same step count?

Two readings of the same runs. :func:`bridge_table` orders the strategies by their seed means (an
order can flip on differences far inside the noise). :func:`bridge_differences` answers the same
question with evidence: each pairwise difference within each way of training, with its two-level
bootstrap CI (seeds, then question clusters), and whether the differences that are resolved agree
in sign."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.aggregate import group_by_strategy, order_agreement
from hybridlib.analysis.inference import hierarchical_bootstrap
from hybridlib.analysis.scorecard import strategy_sample
from hybridlib.train.strategy import label

DATASETS = ("xquad-r", "mlqa-r")
SETTINGS = {"Mo_mAP": "mono", "Cr_mAP": "cross", "Mul_mAP": "multi"}
PAIRS = (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"), ("X-X-mono", "X-Y"))
STRATEGIES = frozenset(s for pair in PAIRS for s in pair)


def blocks(k: int) -> str:
    """How a way of training is named in the tables: ``"12 blocks"``, ``"1 block"``."""
    return f"{k} block" if k == 1 else f"{k} blocks"


def bridge_table(records: list[dict], columns=("Mo_mAP", "Cr_mAP", "Mul_mAP")) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bridge runs (same steps, every block vs top-k): per (blocks trained, dataset, strategy) the
    mean over seeds of ``columns``; and per (dataset, column) whether the strategies' order agrees."""
    rows = [
        {
            "blocks": r["config"]["top_layers"],
            "dataset": ds,
            "strategy": label(r["config"]),
            "seed": r["config"]["seed"],
            **{c: r["results"][ds]["summary"][c] for c in columns},
        }
        for r in records
        for ds in DATASETS
        if ds in r["results"]
    ]
    if not rows:
        return pd.DataFrame(), pd.DataFrame()
    means = pd.DataFrame(rows).groupby(["blocks", "dataset", "strategy"])[list(columns)].mean()
    agree = []
    for ds in sorted({r["dataset"] for r in rows}):
        for c in columns:
            of_ds = means.xs(ds, level="dataset")[c]
            agree.append({"dataset": ds, "metric": c, **order_agreement(of_ds, "blocks", blocks)})
    return means, pd.DataFrame(agree)


def agreement(signs: dict[int, int]) -> str:
    """One comparison's verdict across ways of training, from the sign of each CI (+1 above 0, −1
    below, 0 when it holds 0): ``agree`` (every way resolved, one sign), ``disagree`` (two resolved
    with opposite signs), ``resolved with k blocks only`` (the others hold 0), ``neither resolved``."""
    resolved = {k: s for k, s in signs.items() if s != 0}
    if len(set(resolved.values())) > 1:
        return "disagree"
    if not resolved:
        return "neither resolved"
    if len(resolved) == len(signs):
        return "agree"
    return "resolved with " + " and ".join(blocks(k) for k in sorted(resolved)) + " only"


def bridge_differences(records: list[dict], subdir: str = "", n_boot: int = 2000) -> pd.DataFrame:
    """Per (dataset, metric, pair of strategies): A − B within each way of training (column
    :func:`blocks`, with ``<blocks> CI`` the 95% two-level bootstrap interval of the tables' macro mAP), and the
    :func:`agreement` of the two; ``seeds``: the fewest seeds behind any of the strategies compared
    (with one, the bootstrap has no seed level to resample: the CIs then hold question sampling
    only). Only ways of training with runs of all three strategies count; empty unless two of them
    do (a half-run bridge has nothing to compare)."""
    by_blocks: dict[int, list[dict]] = {}
    for r in records:
        by_blocks.setdefault(r["config"]["top_layers"], []).append(r)
    groups = {k: group_by_strategy(rs) for k, rs in sorted(by_blocks.items())}
    complete = {k: g for k, g in groups.items() if STRATEGIES <= set(g)}
    if len(complete) < 2:
        return pd.DataFrame()
    rows = []
    for ds in DATASETS:
        if not all(ds in r["results"] for g in complete.values() for s in STRATEGIES for r in g[s]):
            continue
        for metric, setting in SETTINGS.items():
            for a, b in PAIRS:
                row: dict = {"dataset": ds, "metric": metric, "comparison": f"{a} − {b}"}
                signs = {}
                for k, g in complete.items():
                    sa, sb = (strategy_sample(g[s], ds, setting, "mAP", subdir) for s in (a, b))
                    d = hierarchical_bootstrap(sa, sb, n_boot=n_boot)
                    row[blocks(k)] = d.estimate
                    row[f"{blocks(k)} CI"] = f"[{d.low:+.4f}, {d.high:+.4f}]"
                    signs[k] = 1 if d.low > 0 else -1 if d.high < 0 else 0
                row["seeds"] = min(len(g[s]) for g in complete.values() for s in (a, b))
                row["agreement"] = agreement(signs)
                rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["bridge_table", "bridge_differences", "agreement", "blocks"]
