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
# # 06 — The α sweep the paper tuned but never showed
#
# Hybrid(α) makes a batch monolingual with probability α: α = 1 is X-X-mono, α = 0 is X-Y. The
# paper reports α = 0.5. Here Mo, Cr and Mul mAP and the rank distance are traced over
# α ∈ {0, 0.25, 0.5, 0.75, 1} for every protocol, 5 seeds each (mean and 95% CI band) on the head
# track, and on the partial fine-tuning track (the top 2 blocks trained; MLQA-test, the seeds stored
# so far, up to 3: `python scripts/run_experiments.py partial partial-alpha`).
# **Deviations**: mE5-small backbone (see notebook 03).

# %% tags=["parameters"]
preset = "cpu"

# %%

from hybridlib.runs import executor, grids
from hybridlib.notebook.plots import plt, save
from hybridlib.presets import get_preset
from hybridlib.train.protocols import PROTOCOLS
from hybridlib.notebook.report import record
from hybridlib.analysis.tables import alpha_curve, alpha_trend

P = get_preset(preset)
records = executor.run_grid(grids.alpha_grid(P), P, "α grid")
print(f"{len(records)} runs: {len(PROTOCOLS)} protocols × {len(set(P.alphas) | {0.0, 0.5, 1.0})} α × {len(P.seeds)} seeds")

# %%
curve = alpha_curve(records)  # mean and 95% CI over seeds per protocol, dataset, α, metric
curve.pivot_table(index=["protocol", "dataset", "alpha"], columns="metric", values="mean").round(4)

# %%
panels = curve[["protocol", "dataset"]].drop_duplicates().to_records(index=False)
fig, axes = plt.subplots(2, len(panels), figsize=(5 * len(panels), 7), squeeze=False)
for j, (proto, ds) in enumerate(panels):
    sub = curve[(curve.protocol == proto) & (curve.dataset == ds)]
    for metric, color in (("Mo_mAP", "#1f77b4"), ("Cr_mAP", "#ff7f0e"), ("Mul_mAP", "#2ca02c")):
        s = sub[sub.metric == metric]
        axes[0, j].plot(s.alpha, s["mean"], marker="o", color=color, label=metric.split("_")[0])
        axes[0, j].fill_between(s.alpha, s.low, s.high, color=color, alpha=0.2)
    axes[0, j].set(title=f"head track, {proto} → {ds}", xlabel="α (share of monolingual batches)", ylabel="mAP")
    s = sub[sub.metric == "RD"]
    axes[1, j].plot(s.alpha, s["mean"], marker="o", color="#9467bd")
    axes[1, j].fill_between(s.alpha, s.low, s.high, color="#9467bd", alpha=0.2)
    axes[1, j].set(xlabel="α", ylabel="mean rank distance")
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8, frameon=False)
fig.tight_layout(rect=(0, 0.04, 1, 1))  # room for the shared legend below the panels
save(fig, "06_alpha_sweep", preset)

# %% [markdown]
# ## What the curves say

# %%
best = {}
for (proto, ds), sub in curve.groupby(["protocol", "dataset"]):
    piv = sub.pivot_table(index="alpha", columns="metric", values="mean")
    best[f"{proto}->{ds}"] = {m: float(piv[m].idxmax()) for m in ("Mo_mAP", "Cr_mAP", "Mul_mAP")} | {
        "RD": float(piv["RD"].idxmin())}
    spread = piv[["Mo_mAP", "Cr_mAP", "Mul_mAP"]].max() - piv[["Mo_mAP", "Cr_mAP", "Mul_mAP"]].min()
    print(f"{proto} → {ds}: best α for Mo {best[f'{proto}->{ds}']['Mo_mAP']:g}, Cr {best[f'{proto}->{ds}']['Cr_mAP']:g}, "
          f"Mul {best[f'{proto}->{ds}']['Mul_mAP']:g}; lowest rank distance at α = {best[f'{proto}->{ds}']['RD']:g}. "
          f"Range over α: Mo {spread.Mo_mAP:.4f}, Cr {spread.Cr_mAP:.4f}, Mul {spread.Mul_mAP:.4f}; "
          f"α = 0.5 is {'within' if all(piv.loc[0.5, m] >= piv[m].max() - 0.005 for m in ('Mo_mAP', 'Cr_mAP', 'Mul_mAP')) else 'not within'} "
          "0.005 of the best α on all three.")

# %% [markdown]
# The direction of each metric over α, as a least-squares slope over every run (seeds as replicates;
# the slope is the change from α = 0 to α = 1, with its 95% CI and the p-value of no slope):

# %%
trend = alpha_trend(records)
trend.round(4)


# %%
def describe_trend(t, what):
    """One sentence per dataset: which metrics rise or fall with α (CI excludes 0) and which are flat."""
    for (proto, ds), g in t.groupby(["protocol", "dataset"]):
        moves = []
        for _, r in g.iterrows():
            way = "rises" if r.low > 0 else "falls" if r.high < 0 else "is flat (CI holds 0)"
            moves.append(f"{r.metric.split('_')[0]} {way}: {r.slope:+.4f} [{r.low:+.4f}, {r.high:+.4f}]")
        print(f"{what}, {proto} → {ds}, from α = 0 to 1 ({int(g.n.iloc[0])} runs): " + "; ".join(moves) + ".")


describe_trend(trend, "head track")

# %% [markdown]
# ## The α curve on the partial fine-tuning track

# %%
partial_configs = grids.partial_alpha_grid(P)
if P.notebooks_compute:  # smoke trains its tiny grid (notebook 03 made most of it)
    executor.run_grid(partial_configs, P, "partial α grid")
partial, partial_missing = grids.stored_grid(partial_configs, P)
partial_curve = alpha_curve(partial) if partial else None
print(f"partial track: {len(partial)} runs stored, {partial_missing} of the α grid not yet run; "
      f"α stored: {sorted({r['config']['alpha'] for r in partial})}")
if partial_curve is not None and partial_curve.alpha.nunique() >= 2:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, ds in zip(axes, ("xquad-r", "mlqa-r")):
        sub = partial_curve[partial_curve.dataset == ds]
        for metric, color in (("Mo_mAP", "#1f77b4"), ("Cr_mAP", "#ff7f0e"), ("Mul_mAP", "#2ca02c")):
            c = sub[sub.metric == metric]
            ax.plot(c.alpha, c["mean"], marker="o", color=color, label=metric.split("_")[0])
            ax.fill_between(c.alpha, c.low, c.high, color=color, alpha=0.2)
        ax.set(title=f"partial fine-tuning, mlqa-test → {ds}", xlabel="α (share of monolingual batches)", ylabel="mAP")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))  # room for the shared legend below the panels
    save(fig, "06_alpha_sweep_partial", preset)
    print(partial_curve.pivot_table(index=["dataset", "alpha"], columns="metric", values="mean").round(4).to_string())

# %% [markdown]
# ### What the partial-track curve says
# Computed from the stored runs (the α grid may be incomplete: the run count is printed). The head
# track's conclusion above is the cheap track; this one trains transformer blocks.

# %%
partial_trend = alpha_trend(partial) if partial else None
if partial_trend is not None and not partial_trend.empty:
    describe_trend(partial_trend, "partial fine-tuning")
    for ds, sub in partial_curve.groupby("dataset"):
        piv = sub.pivot_table(index="alpha", columns="metric", values="mean")
        balance = (piv.Mo_mAP + piv.Cr_mAP) / 2
        print(f"{ds}: the mean of Mo and Cr mAP peaks at α = {balance.idxmax():g} ({balance.max():.4f}; "
              f"α = 0.5 gives {balance.get(0.5, float('nan')):.4f}, range over α {balance.max() - balance.min():.4f}); "
              f"Mul mAP peaks at α = {piv.Mul_mAP.idxmax():g}.")

record("06_alpha_sweep", preset, {"best_alpha": best, "n_runs": len(records), "n_partial": len(partial)})
