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
# # 03 — Main results: X-X-mono vs X-Y vs Hybrid (the paper's Table 1 and Tables 3–6)
#
# Each strategy is trained with 5 seeds on the protocol's training pairs and evaluated on
# XQuAD-R / MLQA-R in the monolingual (Mo), cross-lingual (Cr) and multilingual (Mul) settings.
# Ours: mean ± 95% CI half-width over seeds. **Deviations** (stated beside every number): backbone
# mE5-small (paper: XLM-R and others), training data MLQA-test pairs or the other LAReQA set (paper:
# SQuAD/MLQA mixes), and the *head track* — a linear map trained on cached embeddings of the frozen
# encoder, with the paper's samplers and loss — instead of full fine-tuning (see notebook 02 and
# `results/finetune` for small real full fine-tuning runs). The paper's values are shown where
# transcribed (`data/paper/`), otherwise *n/a*.

# %% tags=["parameters"]
preset = "cpu"
protocol = "mlqa-test"

# %%
import numpy as np
import pandas as pd

from hybridlib.runs import grids
from hybridlib.analysis.aggregate import group_by_strategy, per_language, per_query, summary_frame
from hybridlib.runs.baselines import run_baseline
from hybridlib.analysis.claims import claims_table
from hybridlib.analysis.paper import paper_value
from hybridlib.notebook.plots import STRATEGY_COLORS, plt, save, sns
from hybridlib.presets import get_preset
from hybridlib.train.protocols import PROTOCOLS
from hybridlib.notebook.report import record
from hybridlib.analysis.stats import holm, mean_ci, paired_rows
from hybridlib.analysis.tables import finetune_records, finetune_table, lareqa_row, with_ci

P = get_preset(preset)
records = grids.run_grid(grids.main_grid(P, [protocol]), P, "main grid")
baselines = {"BM25": run_baseline("bm25", P), "zero-shot": run_baseline("dense", P, P.model)}
datasets = [d for d in ("xquad-r", "mlqa-r") if d in PROTOCOLS[protocol]]
order = ["X-X-mono", "X-Y", "Hybrid"]
print(f"{len(records)} runs ({protocol}, model {P.model}, head track), "
      f"{sum(r['wall_seconds'] for r in records):.0f}s of compute in total")

# %% [markdown]
# ## Table 1 — averages (ours, mean ± CI over seeds; baselines are deterministic)

# %%
PAPER_ROWS = {"X-X-mono": "XLM-R X-X", "X-Y": "XLM-R X-Y", "Hybrid": "XLM-R Hybrid"}
DATASET_NAMES = {"xquad-r": "XQuAD-R", "mlqa-r": "MLQA-R"}
tables = {}
for ds in datasets:
    frame = summary_frame(records, ds)
    t = with_ci(frame, "strategy").reindex(order)
    for name, b in baselines.items():
        t.loc[name] = {k: f"{v:.4f}" for k, v in lareqa_row(b, ds).items()} | {"n_seeds": 1}
    paper = {s: paper_value("Table 1", PAPER_ROWS[s], f"{DATASET_NAMES[ds]} Mul mAP") for s in order}
    t["paper Mul mAP (XLM-R)"] = [f"{paper.get(s):.4f}" if paper.get(s) is not None else "n/a" for s in t.index]
    tables[ds] = t
tables[datasets[0]]

# %%
tables[datasets[-1]] if len(datasets) > 1 else None

# %% [markdown]
# ## Tables 3–6 — per language (mean over seeds)

# %%
per_lang = {}
for ds in datasets:
    cols = {}
    for col in ("Mo_mAP", "Cr_mAP", "Mul_mAP", "Mo_R@1", "Mul_R@10"):
        pl = per_language(records, ds, col).groupby(["lang", "strategy"])[col].mean().unstack()[order]
        cols[col] = pl
    per_lang[ds] = pd.concat(cols, axis=1)
per_lang[datasets[0]].round(4)

# %% [markdown]
# ## Paired tests between strategies (per query, scores averaged over seeds; Holm-corrected)

# %%
groups = group_by_strategy(records)
tests = []
for ds in datasets:
    for setting in ("mono", "cross", "multi"):
        q = {s: per_query(groups[s], f"{ds}/{setting}/mAP", P.results_subdir) for s in order}
        tests += paired_rows(q, (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"), ("X-X-mono", "X-Y")),
                             dataset=ds, setting=setting)
tests = pd.DataFrame(tests)
tests["p_holm"] = holm(tests.p)
tests.round(4)

# %% [markdown]
# ## Figure — Mo / Cr / Mul mAP per strategy with 95% CIs over seeds

# %%
fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
for ax, ds in zip(axes[0], datasets):
    frame = summary_frame(records, ds)
    x = np.arange(3)
    for i, s in enumerate(order + ["zero-shot"]):
        if s == "zero-shot":
            vals = [lareqa_row(baselines["zero-shot"], ds)[c] for c in ("Mo_mAP", "Cr_mAP", "Mul_mAP")]
            ax.bar(x + i * 0.2, vals, 0.2, color=STRATEGY_COLORS[s], label=s)
            continue
        stats_ = [mean_ci(frame[frame.strategy == s][c]) for c in ("Mo_mAP", "Cr_mAP", "Mul_mAP")]
        m = [v[0] for v in stats_]
        err = [[v[0] - v[1] for v in stats_], [v[2] - v[0] for v in stats_]]
        ax.bar(x + i * 0.2, m, 0.2, yerr=err, capsize=3, color=STRATEGY_COLORS[s], label=s)
    ax.set_xticks(x + 0.3, ["Mo", "Cr", "Mul"])
    ax.set(title=f"{ds} ({protocol}, {P.model}, head track)", ylabel="mAP")
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, f"03_main_results_{protocol.replace('>', '-to-')}", preset)

# %%
ds = datasets[0]
cm = {s: pd.DataFrame(np.mean([pd.DataFrame(r["results"][ds]["cross_mAP"]).to_numpy() for r in groups[s]], axis=0))
      for s in order}
langs = list(pd.DataFrame(records[0]["results"][ds]["cross_mAP"]).index)
fig, axes = plt.subplots(1, 2, figsize=(13, 5))
for ax, (a, b) in zip(axes, (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"))):
    diff = pd.DataFrame((cm[a] - cm[b]).to_numpy(), index=langs, columns=langs)
    sns.heatmap(diff, annot=len(langs) <= 7, fmt=".3f", cmap="RdBu", center=0, ax=ax)
    ax.set(title=f"{ds} mAP, {a} − {b} (query × target)", xlabel="target language", ylabel="query language")
fig.tight_layout()
save(fig, f"03_cross_heatmap_{protocol.replace('>', '-to-')}", preset)

# %% [markdown]
# ## Full fine-tuning (the paper's method, at a CPU budget)
#
# The real path: the sentence-transformers trainer with `MultipleNegativesRankingLoss` and the
# strategy's batch sampler, mE5-small fine-tuned end to end (word embeddings frozen) for the
# preset's few steps, one seed, evaluated on a fixed subsample (`ft_max_queries` questions per
# language and `ft_max_candidates` candidates) beside the untrained model on the *same* subsample.
# Made by `python scripts/run_experiments.py finetune`; this notebook only reads them.

# %%
ft = finetune_table(P.name, P.results_subdir, models=[P.model])
ft.round(4) if len(ft) else print("no fine-tuning runs stored for this preset (run scripts/run_experiments.py finetune)")

# %% [markdown]
# Paired tests over the subsample's queries (one seed, so they test these particular runs, not the
# strategies' seed-to-seed spread; Holm-corrected):

# %%
ft_runs = finetune_records(P.name, P.results_subdir, P.model)
if len(ft_runs) > 1:
    ft_tests = []
    for ds in [d for d in datasets if d in ft_runs["zero-shot (same subsample)"]["results"]]:
        q = {s: per_query([r], f"{ds}/multi/mAP", P.results_subdir) for s, r in ft_runs.items()}
        pairs = [(s, "zero-shot (same subsample)") for s in order if s in q]
        pairs += [(a, b) for a, b in (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"), ("X-X-mono", "X-Y")) if a in q and b in q]
        ft_tests += paired_rows(q, pairs, dataset=ds, metric="Mul mAP")
    ft_tests = pd.DataFrame(ft_tests)
    ft_tests["p_holm"] = holm(ft_tests.p)
ft_tests.round(4) if len(ft_runs) > 1 else None

# %%
if len(ft):
    zs = ft.xs("zero-shot (same subsample)", level="strategy").iloc[0]
    for (_, s_), r in ft.drop("zero-shot (same subsample)", level="strategy").iterrows():
        print(f"{s_}: {r['steps']:.0f} steps at {r['steps/s']:.3f} steps/s; XQuAD-R subsample Mul mAP "
              f"{zs['xquad-r Mul_mAP']:.4f} -> {r['xquad-r Mul_mAP']:.4f}, Mo {zs['xquad-r Mo_mAP']:.4f} -> "
              f"{r['xquad-r Mo_mAP']:.4f}")

# %% [markdown]
# ## The paper's claims, tested

# %%
proto_records = {p: grids.run_grid(grids.main_grid(P, [p]), P, p) for p in grids.MAIN_PROTOCOLS_UNSEEN}
claims = claims_table(records, proto_records, dataset=datasets[0], subdir=P.results_subdir)
claims[["claim", "comparison", "effect", "ci_low", "ci_high", "p_holm", "relative", "verdict"]].round(4)

# %%
s = summary_frame(records, datasets[0]).groupby("strategy")[["Mo_mAP", "Cr_mAP", "Mul_mAP", "RD"]].mean()
best = {c: s[c].idxmax() for c in ("Mo_mAP", "Cr_mAP", "Mul_mAP")}
print(f"{datasets[0]} ({protocol}): best Mo {best['Mo_mAP']} ({s.Mo_mAP.max():.4f}), best Cr {best['Cr_mAP']} "
      f"({s.Cr_mAP.max():.4f}), best Mul {best['Mul_mAP']} ({s.Mul_mAP.max():.4f}); zero-shot Mul "
      f"{lareqa_row(baselines['zero-shot'], datasets[0])['Mul_mAP']:.4f}.")
for r in claims.itertuples():
    print(f"- {r.claim} [{r.comparison}]: effect {r.effect:+.4f} (95% CI {r.ci_low:+.4f}..{r.ci_high:+.4f}), "
          f"Holm p = {r.p_holm:.3g} -> {r.verdict}")
record("03_main_results", preset, {"protocol": protocol, "n_runs": len(records), "best": best,
                                   "verdicts": dict(zip(claims.claim + " | " + claims.comparison, claims.verdict))})
