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
# retrieval on low-resource languages (MIRACL sw, yo, te, bn, th, hi), compared with X-X-mono and X-Y?
#
# **Size axis (deviation).** No multilingual model family in several sizes is available offline, so
# the sizes are the first L layers of mE5-small, L ∈ {2, 4, 6, 12}, sized by non-embedding parameters:
# the *depth of one pretrained encoder*, not independently pretrained models.
#
# **Every size is fine-tuned** on the partial fine-tuning track (`hybridlib.train.partial`): the top
# block of each depth trained from stored token states of the blocks below (equal cost per size),
# MLQA-test pairs, batch 32, 300 steps, lr 3e-5, passages cut at 128 tokens, 3 seeds per strategy;
# at L = 2 also every block (is the answer different when all layers move?). The untrained model of
# each depth goes through the same path, and BM25 is shown at every size. The budget, measured with
# `scripts/bench_partial.py`, is in the README; the runs are made by
# `python scripts/run_experiments.py scaling-ft`.
#
# **Tasks.** Monolingual: MIRACL-hard (`hybridlib.data.miracl_hard`: every dev query with a positive
# that has text, 436 queries instead of the strict pooled set's 252, condensed qrels, same-language
# distractors; pooled ⇒ inflated) and TyDi GoldP dev pooled (sw te bn). Cross-lingual: AfriQA
# (question in hau/ibo/kin/swa/yor/zul → English/French gold passage) and MLQA-R Cr for comparison
# with the high-resource languages. At every size, the paper's claims on XQuAD-R and MLQA-R too.
#
# **Contamination.** mE5-small was fine-tuned on MIRACL train and Mr. TyDi train (its model metadata
# in the MTEB results). MIRACL has train splits for sw, te, bn, th and hi, not for Yorùbá, so
# MIRACL-hard's sw/te/bn/th/hi queries come from the distribution the backbone was trained on and
# Yorùbá is the one clean MIRACL language: it is read on its own below, with its minimum
# detectable difference. Pools are named wherever a MIRACL number appears: *MIRACL-hard* and
# *pooled mini-MIRACL* are both pooled (inflated) sets, never the full corpus.

# %% tags=["parameters"]
preset = "cpu"
seeds = None  # None: the preset's sft_seeds; e.g. [0] for a quick look
n_boot = 1000

# %%
import pandas as pd
from IPython.display import display

from hybridlib.analysis.aggregate import group_by_strategy
from hybridlib.analysis.inference import power_by_language
from hybridlib.analysis.scaling import answer, bitext_runs, blocks_order, hybrid_vs_best, scaling_frame, variant
from hybridlib.analysis.trend import scaling_trends, trends_answer
from hybridlib.analysis.scorecard import scorecard, scorecard_summary, strategy_sample
from hybridlib.analysis.stats import fmt_ci
from hybridlib.models.registry import depth_family_params, parse_name
from hybridlib.notebook.plots import hybrid_minus_best_figure, save, scaling_figure, tradeoff_figure, trend_figure
from hybridlib.notebook.report import record
from hybridlib.presets import get_preset
from hybridlib.runs import executor, grids
from hybridlib.runs.baselines import run_baseline

P = get_preset(preset)
configs = grids.scaling_ft_grid(P, seeds=seeds)
if P.notebooks_compute:  # the smoke preset trains its tiny grid here; other presets only read
    executor.run_grid(configs, P, "scaling ft")
stored, missing = grids.stored_grid(configs, P)
references = [r for r in stored if r["config"]["steps"] == 0]
trained = [r for r in stored if r["config"]["steps"] > 0]
bm25 = run_baseline("bm25", P, tasks=grids.SCALING_FT_TASKS, compute=P.notebooks_compute)  # stored by scaling-ft
models = [f"{P.model}:L{d}" for d in P.sft_depths]
family = depth_family_params(P.model)
size = {m: family[parse_name(m)[1]] for m in models}
runs = scaling_frame(trained, references, bm25, size, P.sft_top_layers)
runs["depth"] = [parse_name(m)[1] for m in runs.model]
top_track = [r for r in trained if variant(r["config"], P.sft_top_layers) != "every block"]
METRICS = [c for c in runs.columns if "@" in c or "mAP" in c]
print(f"{len(trained)} fine-tuned runs and {len(references)} untrained references stored, {missing} not yet run; "
      f"sizes: " + ", ".join(f"L{parse_name(m)[1]} = {v / 1e6:.1f}M" for m, v in size.items()))

# %% [markdown]
# ## Table — mean over seeds per size, strategy and trained blocks (95% CI half-width over seeds)

# %%
table = runs.groupby(["params", "model", "variant", "strategy"], sort=True).apply(
    lambda g: pd.Series({c: fmt_ci(g[c].dropna(), 4) for c in METRICS} | {"seeds": len(g)}), include_groups=False)
table

# %% [markdown]
# ## Figure — size against monolingual and cross-lingual retrieval (top block trained at every size)
#
# Lines: mean over seeds, bands: 95% CI over seeds; dashed: untrained model and BM25; hollow
# markers: every block trained (L = 2).

# %%
PANELS = ("MIRACL-hard nDCG@10", "AfriQA nDCG@10", "MLQA-R Cr mAP")
top = runs[runs.variant != "every block"]
save(scaling_figure(runs, PANELS), "07_scaling_lowres", preset)

# %% [markdown]
# ## Trade-off — monolingual against cross-lingual, one point per depth × strategy, arrows in depth order

# %%
save(tradeoff_figure(top, "MIRACL-hard nDCG@10", "AfriQA nDCG@10"), "07_tradeoff", preset)

# %% [markdown]
# ## Hybrid − the better single strategy, per size
#
# Two-level bootstrap (seeds, then question clusters) of the macro mean over languages; the better
# single strategy is picked on the same data, which biases the difference slightly downward.

# %%
diff_rows = []
for m in models:
    recs = [r for r in top_track if r["config"]["model"] == m]
    for cell in PANELS:
        row = hybrid_vs_best(recs, cell, P.results_subdir, n_boot=n_boot)
        if row is not None:
            diff_rows.append({"model": m, "depth": parse_name(m)[1], "params": size[m], **row})
diffs = pd.DataFrame(diff_rows)
diffs.round(4) if len(diffs) else print("not every strategy has runs at any size yet")

# %%
if len(diffs):
    save(hybrid_minus_best_figure(diffs, PANELS), "07_hybrid_minus_best", preset)

# %% [markdown]
# ## Power — what the monolingual sets can resolve
#
# The minimum detectable difference (MDD) at 80% power, two-sided α = 0.05, of a paired comparison
# (X-X-mono − Hybrid at the largest size with runs of both), per language and for the macro mean over
# languages, on MIRACL-hard and on the strict pooled set it replaces: "inconclusive" below means an
# effect smaller than this.

# %%
by_size = {m: group_by_strategy([r for r in top_track if r["config"]["model"] == m]) for m in models}
power_model = ([m for m in models if {"X-X-mono", "Hybrid"} <= set(by_size[m])] or [None])[-1]
power = {}
if power_model is not None:
    groups = by_size[power_model]
    for task in ("miracl-hard", "miracl-pooled"):
        power[task] = power_by_language(
            *(strategy_sample(groups[s], task, "mono", "nDCG@10", P.results_subdir) for s in ("X-X-mono", "Hybrid")))
    power_table = pd.concat(power, axis=1)
    print(f"power computed at {power_model} (the largest size with X-X-mono and Hybrid runs)")
power_table.round(4) if power else print("no size has X-X-mono and Hybrid runs yet")

# %% [markdown]
# ### Yorùbá, the uncontaminated MIRACL language, on its own (MIRACL-hard, pooled)

# %%
from hybridlib.analysis.inference import hierarchical_bootstrap

yo_rows = []
if power_model is not None and "yo" in power["miracl-hard"].index:
    yo = {s: strategy_sample(groups[s], "miracl-hard", "mono", "nDCG@10", P.results_subdir, ["yo"])
          for s in ("X-X-mono", "X-Y", "Hybrid") if s in groups}
    for other in [s for s in ("X-X-mono", "X-Y") if s in yo]:
        d = hierarchical_bootstrap(yo["Hybrid"], yo[other], n_boot=n_boot)
        yo_rows.append({"pool": "MIRACL-hard (pooled)", "size": power_model, "comparison": f"Hybrid − {other}",
                        "nDCG@10 diff": d.estimate, "ci_low": d.low, "ci_high": d.high,
                        "queries": len(yo["Hybrid"].query_ids),
                        "MDD": power_by_language(yo["Hybrid"], yo[other]).loc["yo", "MDD"]})  # this comparison's spread
yo_table = pd.DataFrame(yo_rows)
yo_table.round(4) if len(yo_table) else print("no Yorùbá comparison available for this preset")

# %% [markdown]
# ### multilingual-e5-small as published, beside the untrained full-depth model on MIRACL-hard
#
# MTEB's published MIRACL dev scores of multilingual-e5-small (`data/paper/me5_small_miracl_mteb.csv`;
# full corpus for bn, sw, yo, MTEB's hard-negative pool for hi, te, th) beside this preset's untrained
# full-depth model on MIRACL-hard (pooled, this study's). Different pools: compare the order of the
# languages, not the values.

# %%
from hybridlib.analysis.tables import me5_published_beside, miracl_table

full_depth = max(P.sft_depths)
ref_full = next((r for r in references if parse_name(r["config"]["model"])[1] == full_depth
                 and "miracl-hard" in r["results"]), None)
if ref_full is not None:
    me5 = me5_published_beside(miracl_table(ref_full, "miracl-hard"), f"ours untrained L{full_depth}, MIRACL-hard:")
    me5_both = me5[[c for c in me5.columns if c.endswith("nDCG@10")]].dropna()
    me5_rho = float(me5_both.corr(method="spearman").iloc[0, 1]) if len(me5_both) >= 3 else float("nan")
    print(f"language order, published vs ours (nDCG@10): Spearman ρ = {me5_rho:+.2f} over {len(me5_both)} languages")
    display(me5.round(4))
else:
    me5_rho = float("nan")
    print(f"no untrained L{full_depth} run with MIRACL-hard stored")

# %% [markdown]
# ## The paper's claims at every size (XQuAD-R / MLQA-R / MIRACL effects against the paper's XLM-R and LaBSE)

# %%
claims = []
for m in models:
    if {"X-X-mono", "X-Y", "Hybrid"} <= set(by_size[m]):
        recs = [r for r in top_track if r["config"]["model"] == m]
        s = scorecard_summary(scorecard(recs, P.results_subdir, n_boot=n_boot, track=m))
        claims.append({"model": m, "params": size[m]} | {f"{k} {model}": v[k] for model, v in s.items()
                                                         for k in ("cells", "same_sign", "reproduced", "reversed")})
claims = pd.DataFrame(claims)
claims if len(claims) else print("no size has runs of every strategy yet")

# %% [markdown]
# ## Every block against the top block at L = 2
#
# Does the answer depend on how many layers move? At the smallest size every block is also trained
# (same steps, batch and data). Means over seeds, the strategies' order per variant, and Hybrid − the
# better single strategy per variant (two-level bootstrap as above).

# %%
every_model = f"{P.model}:L{P.sft_all_layers_depths[0]}"  # the (smallest) size where every block is trained too
small = runs[(runs.model == every_model) & runs.strategy.isin(["X-X-mono", "X-Y", "Hybrid"])]
blocks = small.groupby(["variant", "strategy"])[list(PANELS)].mean().round(4) if len(small) else "no runs at L = 2 yet"
blocks

# %%
order = blocks_order(runs, every_model, PANELS)
order if len(order) else print("every block is not trained with all three strategies at L = 2 yet")

# %%
every_track = [r for r in trained if r["config"]["model"] == every_model and variant(r["config"], P.sft_top_layers)
               == "every block"]
block_rows = []
for name, recs in ((f"top-{P.sft_top_layers}", [r for r in top_track if r["config"]["model"] == every_model]),
                   ("every block", every_track)):
    for cell in PANELS:
        row = hybrid_vs_best(recs, cell, P.results_subdir, n_boot=n_boot)
        if row is not None:
            block_rows.append({"variant": name, **row})
block_diffs = pd.DataFrame(block_rows)
block_diffs.round(4) if len(block_diffs) else print("no variant has all three strategies at L = 2 yet")

# %% [markdown]
# ## The answer as a test: does Hybrid's effect change with size?
#
# For each contrast — Hybrid − X-X-mono, Hybrid − X-Y, and the field's ordinary recipe X-X (mixed)
# (monolingual pairs, batches mixing languages) − X-X-mono — and each metric, the slope of the
# effect against ln(non-embedding parameters) over the four sizes (top block trained), per doubling
# of parameters, with a two-level bootstrap CI (question clusters shared by every size; seeds per
# size and strategy, the seed level widened by √(n/(n−1))), a verdict (rises / falls / no resolved
# change) and the minimum detectable slope (`hybridlib.analysis.trend`). Monolingual: MIRACL-hard,
# TyDi. Cross-lingual: FLORES-200 x → y over all 42 ordered pairs of en sw yo te bn th hi and its
# pooled setting (`hybridlib.evaluation.bitext`), AfriQA. A slope is a straight-line summary of four
# points: the per-size effects are drawn beside it. Size is the depth of one pretrained encoder.

# %%
mixed_configs = grids.scaling_mixed_grid(P, seeds=seeds)
bitext_configs = grids.bitext_grid(P, seeds=seeds)
if P.notebooks_compute:  # smoke: train X-X (mixed) and score FLORES / Tatoeba for the tiny grid here
    executor.run_grid(mixed_configs, P, "scaling X-X (mixed)")
    executor.run_bitext_grid(bitext_configs, P)
mixed, mixed_missing = grids.stored_grid(mixed_configs, P)
bitext, bitext_missing = grids.stored_bitext(bitext_configs, P)
is_top = lambda r: variant(r["config"], P.sft_top_layers) != "every block"  # noqa: E731
trend_runs = [r for r in top_track + mixed + bitext_runs(bitext) if is_top(r)]
print(f"X-X (mixed): {len(mixed)} runs stored, {mixed_missing} not yet; FLORES / Tatoeba: {len(bitext)} of "
      f"{len(bitext_configs)} runs scored, {len(bitext_missing)} not yet")

# %%
trends, trend_effects = scaling_trends(trend_runs, size, subdir=P.results_subdir, n_boot=n_boot)
trends.round(4) if len(trends) else print("no contrast has runs at two sizes yet")

# %%
if len(trend_effects):
    save(trend_figure(trend_effects, trends), "07_scaling_trends", preset)

# %% [markdown]
# ### Per language where the sets allow it (MIRACL-hard, FLORES x → y from that language), Yorùbá first
#
# Yorùbá has no MIRACL train split, so mE5-small never saw its MIRACL distribution; the other five
# did. The minimum detectable slope says how large a per-language change would have to be to show.

# %%
per_lang = [scaling_trends(trend_runs, size, ("MIRACL-hard nDCG@10", "FLORES Cr mAP", "AfriQA nDCG@10"),
                           langs=(lang,), subdir=P.results_subdir, n_boot=n_boot)[0] for lang in P.miracl_langs]
trends_by_lang = pd.concat(per_lang, ignore_index=True) if any(len(t) for t in per_lang) else pd.DataFrame()
trends_by_lang.round(4) if len(trends_by_lang) else print("no per-language trend yet")

# %% [markdown]
# ## What the numbers say

# %%
lines = ["Top-block track (a difference counts when its CI excludes 0). " + answer(diffs),
         "As a test of the trend (slope of the effect against ln parameters, per doubling): " + trends_answer(trends)]
yo_trends = trends_by_lang[trends_by_lang.langs == "yo"] if len(trends_by_lang) else trends_by_lang
if len(yo_trends):
    lines.append("Yorùbá alone: " + trends_answer(yo_trends))
for m in models:
    g = runs[(runs.model == m) & (runs.variant != "every block")]
    if not {"X-X-mono", "X-Y", "Hybrid", "untrained"} <= set(g.strategy):
        lines.append(f"{m}: not every strategy has runs yet.")
        continue
    means = g.groupby("strategy")[list(PANELS)].mean()
    best = {c: means.loc[["X-X-mono", "X-Y", "Hybrid"], c].idxmax() for c in PANELS}
    gain = means.loc["Hybrid"] - means.loc["untrained"]
    lines.append(f"{m} ({size[m] / 1e6:.1f}M): Hybrid vs untrained " + ", ".join(f"{c} {gain[c]:+.4f}" for c in PANELS)
                 + "; best strategy " + ", ".join(f"{c.split()[0]} {best[c]}" for c in PANELS) + ".")
for cell in PANELS:
    d = diffs[diffs.cell == cell].sort_values("params") if len(diffs) else diffs
    if len(d):
        sig = d[(d.ci_low > 0) | (d.ci_high < 0)]
        lines.append(f"Hybrid − best single on {cell}, smallest → largest size: " + ", ".join(
            f"{r['diff']:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}]" for _, r in d.iterrows())
            + f" ({len(sig)} of {len(d)} sizes with a CI excluding 0).")
if len(order):
    every_diffs = block_diffs[block_diffs.variant == "every block"]
    n_every = min(len(v) for v in group_by_strategy(every_track).values())
    lines.append(f"{every_model} with every block trained: the strategies' order matches the top block's on "
                 f"{int(order['same order'].sum())} of {len(order)} cells; Hybrid − best single " + ", ".join(
                     f"{r.cell} {r['diff']:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] (best {r['best single']})"
                     for _, r in every_diffs.iterrows())
                 + f" ({n_every} seed(s) per strategy" + ("; one seed: the CIs cover question sampling only)." if n_every == 1
                                                         else ")."))
if power:
    mdd = power_table.loc["macro", ("miracl-hard", "MDD")]
    lines.append(f"MIRACL-hard can resolve a macro nDCG@10 difference of about {mdd:.3f} at 80% power at {power_model} "
                 f"(strict pooled set: {power_table.loc['macro', ('miracl-pooled', 'MDD')]:.3f}); smaller effects read "
                 "as inconclusive.")
for r in yo_rows:
    res = "resolved" if r["ci_low"] > 0 or r["ci_high"] < 0 else "not resolved"
    lines.append(f"Yorùbá (no MIRACL train split, so unseen by mE5-small; {r['pool']}, {r['queries']} queries, {r['size']}): "
                 f"{r['comparison']} {r['nDCG@10 diff']:+.4f} (95% CI {r['ci_low']:+.4f}..{r['ci_high']:+.4f}, {res}; "
                 f"detectable at 80% power: {r['MDD']:.3f}).")
if me5_rho == me5_rho:
    lines.append(f"Published mE5-small (MTEB pools) and our untrained L{full_depth} on MIRACL-hard order the six languages with "
                 f"Spearman ρ = {me5_rho:+.2f} (nDCG@10): " + ("roughly alike" if me5_rho > 0.5 else "not alike") +
                 ", so MIRACL-hard's per-language levels are read only as differences between runs on the same pool.")
print("\n".join(lines))
record("07_scaling_lowres", preset, {"n_yo": len(yo_rows),
    "sizes": {k: int(v) for k, v in size.items()}, "n_runs": len(trained), "n_references": len(references),
    "missing": missing, "n_diffs": len(diffs), "n_trends": len(trends), "n_bitext": len(bitext),
    "n_mixed": len(mixed), "trend_verdicts": trends.verdict.tolist() if len(trends) else [], "n_block_orders": len(order), "n_block_diffs": len(block_diffs),
    "mdd_macro": float(power_table.loc["macro", ("miracl-hard", "MDD")]) if power else None,
    "power_model": power_model, "published_me5_langs": int(len(me5)) if ref_full is not None else 0,
    "published_vs_ours_rho": me5_rho if me5_rho == me5_rho else None})

# %% [markdown]
# ## The cheap track beside it: a linear head on frozen prefixes
#
# Before this track existed the question was answered with linear heads over the first L layers
# (all six depths, 5 seeds; `python scripts/run_experiments.py scaling`); shallow prefixes are not
# retrievers, so that curve mostly shows a head repairing a truncated network. Mean pooled-MIRACL
# and AfriQA nDCG@10 per size and strategy:

# %%
head_configs = grids.scaling_grid(P)
head, head_missing = grids.stored_grid(head_configs, P)
if head:
    head_size = {f"{P.model}:L{d}": family[d] for d in P.depths}
    head_runs = scaling_frame(head, [], None, head_size, P.sft_top_layers)
    cols = [c for c in ("MIRACL nDCG@10", "AfriQA nDCG@10") if c in head_runs]
    print(head_runs.groupby(["params", "strategy"])[cols].mean().unstack("strategy").round(4).to_string())
print(f"head track: {len(head)} runs stored, {head_missing} not stored")
