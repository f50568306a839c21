"""The reproduction scorecard: the paper's strategy effects beside ours, cell by cell.

Absolute numbers differ by backbone (the paper: XLM-R and LaBSE fine-tuned on GPUs; here:
mE5-small on a CPU), so what must be comparable is the *effect* of the batch composition. For
every (dataset, setting, metric) of the paper's Tables 3-8 and 12-13 and each comparison
(Hybrid − X-X-mono, Hybrid − X-Y, X-Y − X-X-mono) the card sets the paper's effect for XLM-R and
for LaBSE (differences of its printed means) beside ours with a 95% two-level bootstrap CI
(:mod:`hybridlib.analysis.inference`), and a verdict per paper model:

- ``reproduced``: our CI excludes 0 on the paper's side;
- ``reversed``: our CI excludes 0 on the other side;
- ``same sign, n.s.`` / ``opposite sign, n.s.``: our CI includes 0;
- ``paper: no difference``: the paper's two means are equal.

MIRACL: the paper evaluates 18 languages over full corpora; the comparable cell is the mean over
the five languages both have (sw bn hi th te), on our pooled mini-MIRACL (absolute numbers are not
comparable; effects are what is compared).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.analysis.aggregate import group_by_strategy
from hybridlib.analysis.inference import Sample, hierarchical_bootstrap, sample_from
from hybridlib.analysis.paper import paper_results
from hybridlib.runs.store import arrays_of

COMPARISONS = (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"), ("X-Y", "X-X-mono"))
MIRACL_OVERLAP = ("sw", "bn", "hi", "th", "te")
# (dataset, setting, metric) -> paper table per model
LAREQA_TABLES = {"xquad-r": {"XLM-R": 3, "LaBSE": 5}, "mlqa-r": {"XLM-R": 4, "LaBSE": 6}}
RD_TABLES = {"xquad-r": 7, "mlqa-r": 8}
CELLS = [
    (ds, setting, metric)
    for ds in ("xquad-r", "mlqa-r")
    for setting, metric in (
        ("mono", "mAP"),
        ("mono", "R@1"),
        ("cross", "mAP"),
        ("cross", "R@1"),
        ("multi", "mAP"),
        ("multi", "R@10"),
        ("multi", "rank_distance"),
    )
] + [("miracl", "mono", "nDCG@10"), ("miracl", "mono", "R@100")]


def paper_table_of(dataset: str, setting: str, metric: str, model: str) -> int:
    if dataset == "miracl":
        return 12 if metric == "nDCG@10" else 13
    if metric == "rank_distance":
        return RD_TABLES[dataset]
    return LAREQA_TABLES[dataset][model]


def paper_means(dataset: str, setting: str, metric: str, model: str) -> dict[str, float]:
    """The paper's mean per strategy for one cell (MIRACL: mean over the overlapping languages)."""
    df = paper_results()
    t = paper_table_of(dataset, setting, metric, model)
    sel = df[(df.table == t) & (df.model == model) & (df.dataset == dataset) & (df.setting == setting)]
    sel = sel[sel.metric == metric]
    if dataset == "miracl":
        sel = sel[sel.lang.isin(MIRACL_OVERLAP)]
        return sel.groupby("strategy")["value"].mean().to_dict()
    return sel[sel.lang == "mean"].set_index("strategy")["value"].to_dict()


def _series(record: dict, key: str, subdir: str) -> pd.Series:
    arrays = arrays_of(record, subdir)
    return pd.Series(arrays[key].astype(float), index=arrays[key.rsplit("/", 1)[0] + "/query_id"])


POOLED_TASKS = ("miracl-pooled", "miracl-hard", "tydi", "afriqa", "afriqa-translated")  # pooled tasks (nDCG@10, R@100)


def strategy_sample(
    records: list[dict], dataset: str, setting: str, metric: str, subdir: str = "", langs=None
) -> Sample:
    """Per-seed per-query values of one strategy's runs for one cell.

    ``dataset``: ``xquad-r`` / ``mlqa-r`` (``setting`` mono / cross / multi), ``miracl`` (the pooled
    mini-MIRACL over ``langs``, default the five languages the paper's MIRACL tables share with it),
    or a pooled task of :data:`POOLED_TASKS` (over ``langs``, default every language stored)."""
    per_seed = []
    if langs is None and dataset == "miracl":
        langs = MIRACL_OVERLAP
    for r in sorted(records, key=lambda r: r["config"].get("seed", 0)):
        if dataset == "miracl" or dataset in POOLED_TASKS:
            task = "miracl-pooled" if dataset == "miracl" else dataset
            have = arrays_of(r, subdir)
            stored = sorted({k.split("/")[1] for k in have if k.startswith(f"{task}/") and k.endswith(f"/{metric}")})
            present = [g for g in (langs if langs is not None else stored) if f"{task}/{g}/{metric}" in have]
            per_seed.append(pd.concat([_series(r, f"{task}/{g}/{metric}", subdir) for g in present]))
        elif setting == "cross" and f"{dataset}/cross_pair/query_id" in arrays_of(r, subdir):
            per_seed.append(_series(r, f"{dataset}/cross_pair/{metric}", subdir))  # exact: macro over pairs
        else:
            per_seed.append(_series(r, f"{dataset}/{setting}/{metric}", subdir))
    return sample_from(per_seed, clusters_of=clusters_for(dataset))


def clusters_for(dataset: str):
    """How queries cluster in the bootstrap: LAReQA queries by parallel question (the default, the id
    after ``lang/``); pooled tasks are not parallel (``sw/12`` and ``yo/12`` are unrelated
    questions), so each query is its own cluster."""
    return (lambda q: q) if dataset == "miracl" or dataset in POOLED_TASKS else None


def cross_estimand(records: list[dict], dataset: str, subdir: str = "") -> str:
    """Which Cr estimand the runs allow: the tables' mean over ordered pairs (runs that store every
    (query, target) value, or mark that every pair holds the same questions, as in XQuAD-R: then
    the per-query target means give it exactly) or the macro over query languages of per-query
    target means (older runs of unbalanced data)."""
    exact = (f"{dataset}/cross_pair/query_id", f"{dataset}/cross/pairs_balanced")
    if all(any(k in arrays_of(r, subdir) for k in exact) for r in records):
        return "mean over ordered language pairs (as the tables)"
    return "mean over query languages of per-query target averages"


def _verdict(paper: float, low: float, high: float) -> str:
    if paper == 0 or np.isnan(paper):
        return "paper: no difference"
    if low > 0 or high < 0:
        return "reproduced" if (low > 0) == (paper > 0) else "reversed"
    mid = (low + high) / 2
    return "same sign, n.s." if (mid > 0) == (paper > 0) else "opposite sign, n.s."


def scorecard(records: list[dict], subdir: str = "", n_boot: int = 2000, track: str = "") -> pd.DataFrame:
    """One row per (cell, comparison): the paper's effects and ours with CI and verdicts.

    ``records``: runs of the three strategies (any number of seeds each) of one track and protocol.
    """
    groups = group_by_strategy(records)
    missing = {"X-X-mono", "X-Y", "Hybrid"} - set(groups)
    if missing:
        raise ValueError(f"the scorecard needs runs of every strategy; missing {sorted(missing)}")
    rows = []
    for dataset, setting, metric in CELLS:
        key_ds = "miracl-pooled" if dataset == "miracl" else dataset
        if not all(key_ds in r["results"] for g in groups.values() for r in g):
            continue
        samples = {
            s: strategy_sample(groups[s], dataset, setting, metric, subdir) for s in ("X-X-mono", "X-Y", "Hybrid")
        }
        paper = {m: paper_means(dataset, setting, metric, m) for m in ("XLM-R", "LaBSE")}
        for a, b in COMPARISONS:
            d = hierarchical_bootstrap(samples[a], samples[b], n_boot=n_boot, seed=len(rows))
            row = {
                "track": track,
                "dataset": dataset,
                "setting": setting,
                "metric": metric,
                "comparison": f"{a} − {b}",
                "ours": d.estimate,
                "ci_low": d.low,
                "ci_high": d.high,
                "p": d.p_two_sided,
                "seeds": f"{d.n_seeds[0]}/{d.n_seeds[1]}",
                "clusters": d.n_clusters,
                "langs": d.n_langs,
            }
            for m in ("XLM-R", "LaBSE"):
                pe = paper[m].get(a, np.nan) - paper[m].get(b, np.nan)
                row[f"paper {m}"] = pe
                row[f"verdict vs {m}"] = _verdict(pe, d.low, d.high)
            rows.append(row)
    return pd.DataFrame(rows)


def scorecard_summary(card: pd.DataFrame) -> dict:
    """How many of the paper's effects we reproduce in sign, and how many significantly."""
    out = {}
    for m in ("XLM-R", "LaBSE"):
        v = card[f"verdict vs {m}"]
        testable = v != "paper: no difference"
        same = v.isin(["reproduced", "same sign, n.s."])
        out[m] = {
            "cells": int(testable.sum()),
            "same_sign": int((same & testable).sum()),
            "reproduced": int((v == "reproduced").sum()),
            "reversed": int((v == "reversed").sum()),
        }
    return out


def summary_line(card: pd.DataFrame) -> str:
    s = scorecard_summary(card)
    parts = [
        f"vs {m}: {d['same_sign']}/{d['cells']} effects with the paper's sign, {d['reproduced']} of them "
        f"significantly (95% CI excludes 0), {d['reversed']} significantly reversed"
        for m, d in s.items()
    ]
    return "; ".join(parts)


__all__ = ["CELLS", "COMPARISONS", "paper_means", "strategy_sample", "scorecard", "scorecard_summary", "summary_line"]
