# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 — Extension: model size × batch composition on low-resource languages
#
# When the encoder grows, how does hybrid batch training trade monolingual against cross-lingual
# retrieval on low-resource languages, compared with X-X-mono and X-Y?
#
# **Size axis (deviation).** No multilingual model family in several sizes is available offline.
# We use the first L layers of mE5-small, L ∈ {2, 4, 6, 8, 10, 12}, sized by non-embedding
# parameters: a *same-initialisation depth axis*, not independently pretrained models. One encoding
# pass yields every depth. With a network, pass any list of model names (`models`) instead.
#
# **Tasks.** Monolingual: pooled mini-MIRACL yo sw te bn th hi (nDCG@10, R@100; pooled ⇒ inflated)
# and TyDi GoldP dev pooled (sw te bn). Cross-lingual: AfriQA (African-language question →
# English/French passage) and MLQA-R Cr for comparison with high-resource languages. Every size ×
# strategy × seed is a head trained on MLQA-test pairs (5 seeds); the untrained encoder and
# BM25 are shown at every size so the gain from training is visible.

# %% tags=["parameters"]
preset = "cpu"
seeds = None  # None: the extension seeds of the preset; e.g. [0] for a quick look (printed below)
models = None  # e.g. ["intfloat/multilingual-e5-small", "intfloat/multilingual-e5-base"] with a network

# %%
import pandas as pd

from hybridlib.runs import grids
from hybridlib.analysis.aggregate import group_by_strategy
from hybridlib.runs.baselines import run_baseline
from hybridlib.models.registry import depth_family_params, parse_name
from hybridlib.notebook.plots import STRATEGY_COLORS, plt, save
from hybridlib.presets import get_preset
from hybridlib.notebook.report import record
from hybridlib.analysis.inference import level_ci
from hybridlib.analysis.scorecard import strategy_sample
from hybridlib.analysis.stats import fmt_ci, mean_ci
from hybridlib.analysis.tables import finetune_summary, finetune_table

P = get_preset(preset)
print(f"seeds: {list(seeds or P.ext_seeds)}")
names = list(models) if models else [f"{P.model}:L{d}" for d in P.depths]
records = grids.run_grid(grids.scaling_grid(P, names, seeds), P, "scaling grid")
zero = {m: run_baseline("dense", P, m, tasks=grids.SCALING_TASKS) for m in names}
bm25 = run_baseline("bm25", P, tasks=grids.SCALING_TASKS)
if models:
    from hybridlib.models.registry import load_model, non_embedding_params

    size = {m: non_embedding_params(load_model(m)) for m in names}
else:
    fam = depth_family_params(P.model)
    size = {m: fam[parse_name(m)[1]] for m in names}


def headline(res: dict) -> dict:
    """The study's low-resource metrics from one run's results."""
    return {"MIRACL nDCG@10": res["miracl-pooled"]["per_language"]["mean"]["nDCG@10"],
            "MIRACL R@100": res["miracl-pooled"]["per_language"]["mean"]["R@100"],
            "TyDi nDCG@10": res["tydi"]["per_language"]["mean"]["nDCG@10"],
            "AfriQA nDCG@10": res["afriqa"]["per_language"]["mean"]["nDCG@10"],
            "AfriQA-translated nDCG@10": res["afriqa-translated"]["per_language"]["mean"]["nDCG@10"],
            "MLQA-R Cr mAP": res["mlqa-r"]["summary"]["Cr_mAP"], "MLQA-R Mo mAP": res["mlqa-r"]["summary"]["Mo_mAP"]}


rows = [{"model": r["config"]["model"], "strategy": grids.label(r["config"]), "seed": r["config"]["seed"],
         **headline(r["results"])} for r in records]
rows += [{"model": m, "strategy": "zero-shot", "seed": 0, **headline(z["results"])} for m, z in zero.items()]
rows += [{"model": m, "strategy": "BM25", "seed": 0, **headline(bm25["results"])} for m in names]
runs = pd.DataFrame(rows)
runs["params"] = runs.model.map(size)
METRICS = [c for c in runs.columns if "@" in c or "mAP" in c]

# %% [markdown]
# ## Table — mean over seeds per size and strategy (95% CI half-width over seeds in brackets)

# %%
table = runs.groupby(["params", "model", "strategy"], sort=True).apply(
    lambda g: pd.Series({c: fmt_ci(g[c], 4) for c in METRICS}), include_groups=False)
table

# %% [markdown]
# ## Two-level bootstrap CIs (pooled mini-MIRACL nDCG@10: seeds, then queries resampled)

# %%
boot = []
for m in names:
    recs = [r for r in records if r["config"]["model"] == m]
    for s, rs in group_by_strategy(recs).items():
        langs = [k for k in rs[0]["results"]["miracl-pooled"]["per_language"] if k not in ("mean", "median")]
        # seeds, then queries, resampled; macro over languages as the table (hybridlib.analysis.inference)
        est, low, high = level_ci(strategy_sample(rs, "miracl", "mono", "nDCG@10", P.results_subdir, langs), n_boot=1000)
        boot.append({"model": m, "params": size[m], "strategy": s, "mean": est, "low": low, "high": high})
boot = pd.DataFrame(boot)
boot.round(4)

# %%
agg = runs.groupby(["params", "strategy"])[METRICS].agg(["mean", lambda x: mean_ci(x)[1], lambda x: mean_ci(x)[2]])
fig, axes = plt.subplots(1, 3, figsize=(17, 4.2))
for ax, metric in zip(axes, ("MIRACL nDCG@10", "AfriQA nDCG@10", "MLQA-R Cr mAP")):
    for s in ["X-X-mono", "X-Y", "Hybrid", "zero-shot", "BM25"]:
        d = agg[metric].xs(s, level="strategy")
        style = "--" if s in ("zero-shot", "BM25") else "-"
        ax.plot(d.index, d.iloc[:, 0], style, marker="o", color=STRATEGY_COLORS[s], label=s)
        if s not in ("zero-shot", "BM25"):
            ax.fill_between(d.index, d.iloc[:, 1], d.iloc[:, 2], color=STRATEGY_COLORS[s], alpha=0.2)
    ax.set(xscale="log", xlabel="non-embedding parameters (depth L of mE5-small)" if not models else "non-embedding parameters",
           ylabel=metric, title=metric + (" (pooled)" if "MIRACL" in metric else ""))
axes[0].legend(fontsize=8)
fig.tight_layout()
save(fig, "07_scaling_lowres", preset)

# %%
fig, ax = plt.subplots(figsize=(6.5, 5))
means = runs.groupby(["params", "strategy"])[["MIRACL nDCG@10", "AfriQA nDCG@10"]].mean().reset_index()
for s, g in means.groupby("strategy"):
    ax.plot(g["MIRACL nDCG@10"], g["AfriQA nDCG@10"], marker="o", color=STRATEGY_COLORS[s], label=s, alpha=0.8)
    for r in g.itertuples():
        ax.annotate(f"{r.params / 1e6:.1f}M", (r[3], r[4]), fontsize=6, alpha=0.7)
ax.set(xlabel="monolingual: pooled mini-MIRACL nDCG@10", ylabel="cross-lingual: AfriQA nDCG@10",
       title="Trade-off per size × strategy")
ax.legend(fontsize=8)
save(fig, "07_tradeoff", preset)

# %% [markdown]
# ## Full fine-tuning at two depths (one seed, CPU budget, fixed evaluation subsample)
#
# The head track above keeps the encoder frozen. Real end-to-end fine-tuning (the paper's method)
# was run for the full model and for one smaller depth (`ft_small_depth`), each beside the untrained
# model of that depth on the same subsample (`python scripts/run_experiments.py finetune finetune-depth`).

# %%
ft_models = [P.model, *names] if not models else list(names)
ft = finetune_table(P.name, P.results_subdir, models=ft_models)
finetune_summary(ft) if len(ft) else print("no fine-tuning runs stored for these models")

# %%
if len(ft):
    zs_label = "zero-shot (same subsample)"
    mir = "miracl-pooled nDCG@10"
    for m, g in ft.groupby(level="model", sort=False):
        g = g.droplevel("model")
        if zs_label not in g.index or mir not in g:
            continue
        base = g.loc[zs_label, mir].mean()
        gains = {s: g.loc[s, mir].mean() - base for s in dict.fromkeys(g.index) if s != zs_label}
        print(f"{m}: untrained MIRACL nDCG@10 (subsample) {base:.4f}; after fine-tuning "
              + ", ".join(f"{s} {v:+.4f}" for s, v in gains.items()))

# %% [markdown]
# ## What the numbers say

# %%
m = runs.groupby(["params", "strategy"])[METRICS].mean()
lines = []
for p in sorted(runs.params.unique()):
    g = m.loc[p]
    gain = g.loc["Hybrid"] - g.loc["zero-shot"]
    rank = {metric: g.loc[["X-X-mono", "X-Y", "Hybrid"], metric].idxmax() for metric in ("MIRACL nDCG@10", "AfriQA nDCG@10")}
    lines.append(f"{p / 1e6:.1f}M params: Hybrid vs untrained MIRACL {gain['MIRACL nDCG@10']:+.4f}, AfriQA "
                 f"{gain['AfriQA nDCG@10']:+.4f}; best strategy MIRACL {rank['MIRACL nDCG@10']}, AfriQA {rank['AfriQA nDCG@10']}.")
print("\n".join(lines))
small, large = min(size.values()), max(size.values())
d_small = m.loc[small].loc["Hybrid"] - m.loc[small].loc[["X-X-mono", "X-Y"]].max()
d_large = m.loc[large].loc["Hybrid"] - m.loc[large].loc[["X-X-mono", "X-Y"]].max()
print(f"Hybrid minus the better single strategy, smallest → largest size: MIRACL {d_small['MIRACL nDCG@10']:+.4f} → "
      f"{d_large['MIRACL nDCG@10']:+.4f}; AfriQA {d_small['AfriQA nDCG@10']:+.4f} → {d_large['AfriQA nDCG@10']:+.4f}.")
record("07_scaling_lowres", preset, {"sizes": {k: int(v) for k, v in size.items()}, "n_runs": len(records),
                                     "hybrid_minus_best_large": {k: float(v) for k, v in d_large.items()}})
