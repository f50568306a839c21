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
# # 04 — Language bias: rank distance (the paper's Table 2 and Tables 7–8)
#
# In the multilingual setting a question has one correct answer per language. The paper's
# **rank distance** is, per query, the highest minus the lowest 1-based rank of its relevant
# answers in the pooled ranking; we report its mean per query language and the macro-mean. A
# language-agnostic model ranks all translations of the answer together (small distance); a
# biased one ranks the query's own language first and pushes the others down. Same runs as
# notebook 03 (mE5-small, head track, 5 seeds — **deviations** stated there).

# %% tags=["parameters"]
preset = "cpu"
protocol = "mlqa-test"

# %%
import numpy as np
import pandas as pd

from hybridlib.runs import grids
from hybridlib.analysis.aggregate import per_language, summary_frame
from hybridlib.runs.baselines import run_baseline
from hybridlib.evaluation.bias import answer_ranks
from hybridlib.models.encoding import encoder_for
from hybridlib.evaluation.scoring import embed_task
from hybridlib.runs.head_runs import fit_head
from hybridlib.notebook.plots import STRATEGY_COLORS, plt, save, sns
from hybridlib.presets import get_preset
from hybridlib.train.protocols import PROTOCOLS
from hybridlib.notebook.report import record
from hybridlib.analysis.stats import fmt_ci
from hybridlib.evaluation.suite import load_suite

P = get_preset(preset)
records = grids.run_grid(grids.main_grid(P, [protocol]), P, "main grid")
zero = run_baseline("dense", P, P.model)
bm25 = run_baseline("bm25", P)
datasets = [d for d in ("xquad-r", "mlqa-r") if d in PROTOCOLS[protocol]]
order = ["X-X-mono", "X-Y", "Hybrid"]

# %% [markdown]
# ## Table 2 — mean rank distance (lower is better), mean ± CI over seeds

# %%
rows = {}
for ds in datasets:
    f = summary_frame(records, ds)
    rows[ds] = {s: fmt_ci(f[f.strategy == s].RD, 1) for s in order}
    rows[ds] |= {"zero-shot": f"{zero['results'][ds]['summary']['RD']:.1f}",
                 "BM25": f"{bm25['results'][ds]['summary']['RD']:.1f}"}
table2 = pd.DataFrame(rows).T
table2

# %% [markdown]
# ## Tables 7–8 — rank distance per query language (mean over seeds)

# %%
per_lang = {}
for ds in datasets:
    pl = per_language(records, ds, "RD").groupby(["lang", "strategy"]).RD.mean().unstack()[order]
    pl["zero-shot"] = pd.Series({k: v["RD"] for k, v in zero["results"][ds]["per_language"].items()})
    pl["Hybrid vs X-X-mono"] = (pl["Hybrid"] - pl["X-X-mono"]) / pl["X-X-mono"]
    per_lang[ds] = pl
per_lang[datasets[0]].round(3)

# %%
per_lang[datasets[-1]].round(3)

# %% [markdown]
# ## Where the answers land: same-language vs other-language answers in the pooled ranking
# One seed per strategy (the heads are retrained deterministically from their configs).

# %%
ds = datasets[0]
task = load_suite(P, (ds,))[ds]
enc, layer = encoder_for(P.model)
positions = {"zero-shot": answer_ranks(embed_task(enc, task, layer), task)}
for cfg in grids.main_grid(P, [protocol]):
    name = grids.label(cfg)
    if cfg.seed == P.seeds[0]:
        scorer_for, _ = fit_head(cfg, P)
        positions[name] = answer_ranks(scorer_for(task), task)
pos = pd.concat(positions, names=["model"]).reset_index(level=0)
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for ax, same in zip(axes, (True, False)):
    for name, g in pos[pos.same_language == same].groupby("model", sort=False):
        r = np.sort(g["rank"].to_numpy())
        ax.plot(r, np.arange(1, len(r) + 1) / len(r), label=name, color=STRATEGY_COLORS.get(name))
    ax.set(xscale="log", xlabel="rank in the pooled multilingual ranking", ylabel="share of answers ≤ rank",
           title=f"{ds}: {'same-language' if same else 'other-language'} answers")
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, f"04_answer_positions_{ds}", preset)

# %%
fig, ax = plt.subplots(figsize=(10, 4))
pl = per_lang[ds][order + ["zero-shot"]].reset_index().melt("lang", var_name="model", value_name="RD")
sns.barplot(data=pl, x="lang", y="RD", hue="model", palette=STRATEGY_COLORS, ax=ax)
ax.set(title=f"{ds}: mean rank distance per query language (lower = less language bias)")
save(fig, f"04_rank_distance_{ds}", preset)

# %% [markdown]
# ## What the numbers say

# %%
for ds in datasets:
    f = summary_frame(records, ds).groupby("strategy").RD.mean()
    cut = (f["X-X-mono"] - f["Hybrid"]) / f["X-X-mono"]
    print(f"{ds}: Hybrid's mean rank distance is {f['Hybrid']:.1f} vs X-X-mono {f['X-X-mono']:.1f} "
          f"({cut:+.1%} {'reduction' if cut > 0 else 'change'}; the paper reports 13–30% reductions), "
          f"X-Y {f['X-Y']:.1f}, untrained {zero['results'][ds]['summary']['RD']:.1f}.")
med = pos.groupby(["model", "same_language"])["rank"].median().unstack()
print("Median pooled rank of same- vs other-language answers:\n" + med.round(1).to_string())
record("04_language_bias", preset, {"rd_cut_vs_xx": {ds: float((lambda f: (f['X-X-mono'] - f['Hybrid']) / f['X-X-mono'])(
    summary_frame(records, ds).groupby('strategy').RD.mean())) for ds in datasets},
    "median_other_language_rank": {k: float(v) for k, v in med[False].items()}})
