"""The scaling extension's tables: runs by size (depth of one encoder) × strategy × seed, and the
Hybrid − best-single-strategy difference per size with its two-level bootstrap CI."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.aggregate import group_by_strategy, order_agreement
from hybridlib.analysis.inference import hierarchical_bootstrap
from hybridlib.analysis.scorecard import strategy_sample
from hybridlib.train.strategy import label

SINGLE = ("X-X-mono", "X-Y")
# reader-facing metric -> (task in the results, setting or None for pooled tasks, metric)
CELLS = {
    "MIRACL-hard nDCG@10": ("miracl-hard", None, "nDCG@10"),
    "MIRACL-hard R@100": ("miracl-hard", None, "R@100"),
    "MIRACL nDCG@10": ("miracl-pooled", None, "nDCG@10"),
    "TyDi nDCG@10": ("tydi", None, "nDCG@10"),
    "AfriQA nDCG@10": ("afriqa", None, "nDCG@10"),
    "AfriQA-translated nDCG@10": ("afriqa-translated", None, "nDCG@10"),
    "MLQA-R Cr mAP": ("mlqa-r", "cross", "mAP"),
    "MLQA-R Mo mAP": ("mlqa-r", "mono", "mAP"),
    "XQuAD-R Mo mAP": ("xquad-r", "mono", "mAP"),
    "XQuAD-R Cr mAP": ("xquad-r", "cross", "mAP"),
    "XQuAD-R Mul mAP": ("xquad-r", "multi", "mAP"),
    # low-resource cross-lingual (issue 51): stored beside each run under results/bitext
    "FLORES Cr mAP": ("flores", "cross", "mAP"),
    "FLORES Mul mAP": ("flores", "multi", "mAP"),
    "Tatoeba R@1": ("tatoeba", "pairs", "R@1"),
}
BITEXT_TASKS = ("flores", "tatoeba")
# the language codes a task's query ids use where they are not the study's ISO 639-1 (AfriQA: 639-3)
POOLED_LANG_CODES = {"afriqa": {"yo": "yor", "sw": "swa"}, "afriqa-translated": {"yo": "yor", "sw": "swa"}}
_SUMMARY = {"mono": "Mo_mAP", "cross": "Cr_mAP", "multi": "Mul_mAP", "pairs": "R@1"}


def headline(results: dict) -> dict[str, float]:
    """The extension's metrics from one run's results (those the run has): pooled tasks give the mean
    over languages (pools) of nDCG@10 / R@100; XQuAD-R / MLQA-R their table summaries."""
    out = {}
    for name, (task, setting, metric) in CELLS.items():
        res = results.get(task)
        if res is None:
            continue
        out[name] = res["summary"][_SUMMARY[setting]] if setting else res["per_language"]["mean"][metric]
    return out


def bitext_runs(records: list[dict], references: bool = False) -> list[dict]:
    """Bitext records (``results/bitext``, config ``{"run": <partial-ft config>, ...}``) as run records
    of their partial-track run: the same strategy, seed and model, their own FLORES / Tatoeba arrays.
    The untrained references (``steps`` 0, configured as Hybrid) are left out unless ``references``:
    they are no strategy's run."""
    return [{**r, "config": r["config"]["run"]} for r in records if references or r["config"]["run"]["steps"] > 0]


def variant(config: dict, top_k: int) -> str:
    """Which blocks a run of a depth trained: ``top-k`` (the grid's equal-cost track), ``every block``
    (the extra all-layers runs), or ``head`` (a linear head on a frozen prefix)."""
    if "top_layers" not in config:
        return "head"
    model = str(config["model"])
    depth = int(model.rsplit(":L", 1)[-1]) if ":L" in model else None
    return f"top-{top_k}" if depth is None or config["top_layers"] == min(top_k, depth) else "every block"


def scaling_frame(
    records: list[dict], references: list[dict], bm25: dict | None, size: dict[str, float], top_k: int = 1
) -> pd.DataFrame:
    """One row per run (trained, the untrained reference of each size, BM25 at every size): model,
    non-embedding parameters, strategy, variant, seed and :func:`headline` metrics."""
    rows = [
        {
            "model": r["config"]["model"],
            "strategy": label(r["config"]),
            "variant": variant(r["config"], top_k),
            "seed": r["config"]["seed"],
            **headline(r["results"]),
        }
        for r in records
    ]
    rows += [
        {"model": r["config"]["model"], "strategy": "untrained", "variant": "-", "seed": 0, **headline(r["results"])}
        for r in references
    ]
    if bm25 is not None:
        rows += [{"model": m, "strategy": "BM25", "variant": "-", "seed": 0, **headline(bm25["results"])} for m in size]
    frame = pd.DataFrame(rows, columns=None if rows else ["model", "strategy", "variant", "seed"])
    frame.insert(1, "params", frame.model.map(size))
    return frame


def hybrid_vs_best(
    records: list[dict], cell: str, subdir: str = "", n_boot: int = 2000
) -> dict[str, float | str] | None:
    """Hybrid minus the better single strategy (by point estimate) on one cell, two-level bootstrap
    (seeds, then question clusters) of the macro over languages. ``None`` without all three
    strategies. The better single strategy is chosen on the same data (a mild selection bias toward
    a negative difference: stated wherever this is shown)."""
    task, setting, metric = CELLS[cell]
    groups = group_by_strategy(records)
    if not {"Hybrid", *SINGLE} <= set(groups):
        return None
    samples = {s: strategy_sample(groups[s], task, setting or "mono", metric, subdir) for s in ("Hybrid", *SINGLE)}
    best = max(SINGLE, key=lambda s: samples[s].estimate())
    d = hierarchical_bootstrap(samples["Hybrid"], samples[best], n_boot=n_boot)
    return {
        "cell": cell,
        "best single": best,
        "Hybrid": samples["Hybrid"].estimate(),
        "best": samples[best].estimate(),
        "diff": d.estimate,
        "ci_low": d.low,
        "ci_high": d.high,
        "p": d.p_two_sided,
        "seeds": f"{d.n_seeds[0]}/{d.n_seeds[1]}",
    }


def blocks_order(frame: pd.DataFrame, model: str, cells: tuple[str, ...]) -> pd.DataFrame:
    """Does the answer depend on how many blocks move? For one size (``model``) of a
    :func:`scaling_frame`, per cell: the three strategies ordered best first by their mean over seeds,
    once per variant (``top-k``, ``every block``), and ``same order`` when every variant ranks them
    alike. Empty unless at least two variants have runs of all three strategies."""
    g = frame[(frame.model == model) & frame.strategy.isin(("Hybrid", *SINGLE))]
    variants = [v for v, d in g.groupby("variant") if set(d.strategy) == {"Hybrid", *SINGLE}]
    if len(variants) < 2:
        return pd.DataFrame()
    rows = []
    for cell in cells:
        if cell not in g:
            continue
        means = g[g.variant.isin(variants)].groupby(["variant", "strategy"])[cell].mean()
        rows.append({"cell": cell, **order_agreement(means, "variant")})
    return pd.DataFrame(rows)


# monolingual cells: the monolingual sets (MIRACL, TyDi) and the Mo setting of XQuAD-R / MLQA-R
MONO_CELLS = tuple(
    c for c, (task, setting, _) in CELLS.items() if setting == "mono" or task.startswith(("miracl", "tydi"))
)


def answer(diffs: pd.DataFrame) -> str:
    """The scaling question answered from the Hybrid − better-single-strategy table (one row per size ×
    cell: ``model``, ``params``, ``cell``, ``diff``, ``ci_low``, ``ci_high``). Per size, smallest first,
    what Hybrid does against the better single strategy, counting only CIs that exclude 0: "costs
    monolingual" / "gains monolingual" (a cell of ``MONO_CELLS``), "gains cross-lingual" / "loses
    cross-lingual" (any other cell), each naming its sets, or "no resolved difference"; a size that
    costs monolingual and gains cross-lingual is said to trade one for the other. Then whether the
    answer at the largest size differs from the smallest."""
    if diffs.empty:
        return "No size has runs of every strategy yet."
    verdicts = {}
    for model, d in diffs.sort_values("params").groupby("model", sort=False):
        mono = d.cell.isin(MONO_CELLS)
        effects = {
            "costs monolingual": d[mono & (d.ci_high < 0)],
            "gains monolingual": d[mono & (d.ci_low > 0)],
            "gains cross-lingual": d[~mono & (d.ci_low > 0)],
            "loses cross-lingual": d[~mono & (d.ci_high < 0)],
        }
        named = [f"{k} ({', '.join(c.rsplit(' ', 1)[0] for c in e.cell)})" for k, e in effects.items() if len(e)]
        trades = len(effects["costs monolingual"]) and len(effects["gains cross-lingual"])
        verdicts[model] = ("trades monolingual for cross-lingual: " if trades else "") + (
            " and ".join(named) or "no resolved difference"
        )
    sizes = list(verdicts)
    text = "Hybrid against the better single strategy, by size: " + "; ".join(f"{m} {v}" for m, v in verdicts.items())
    if len(sizes) > 1 and verdicts[sizes[0]] != verdicts[sizes[-1]]:
        return text + f". The answer changes with size from {sizes[0]} to {sizes[-1]}."
    return text + ". The answer is the same at the smallest and the largest size."


__all__ = ["CELLS", "headline", "variant", "scaling_frame", "hybrid_vs_best", "blocks_order", "answer", "MONO_CELLS"]
