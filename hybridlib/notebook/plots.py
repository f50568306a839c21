"""Figure helpers: one style for every notebook, PNGs saved under ``figures/``."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use(matplotlib.get_backend())  # respects MPLBACKEND=agg in CI
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from hybridlib.analysis.effects import display_scale  # noqa: E402
from hybridlib.paths import figures_dir  # noqa: E402

warnings.filterwarnings("ignore", message=".*Pandas4Warning.*")
warnings.filterwarnings("ignore", category=FutureWarning, module="seaborn")
sns.set_theme(style="whitegrid", context="notebook")

STRATEGY_COLORS = {
    "zero-shot": "#888888",
    "untrained": "#888888",
    "BM25": "#bbbbbb",
    "X-X-mono": "#1f77b4",
    "X-Y": "#ff7f0e",
    "Hybrid": "#2ca02c",
    "X-X (mixed)": "#9467bd",
}
CONTRAST_STYLE = {  # the scaling answer's contrasts: colour of the first strategy, marker per contrast
    "Hybrid − X-X-mono": ("#2ca02c", "o"),
    "Hybrid − X-Y": ("#17becf", "s"),
    "X-X (mixed) − X-X-mono": ("#9467bd", "^"),
}


def figure_path(name: str, preset: str = "cpu") -> Path:
    """Where figure ``name`` of a preset lives: ``figures/<name>.png`` (``figures/<preset>/`` for
    the presets other than ``cpu``, so a smoke or paper run never overwrites the committed figures)."""
    return figures_dir() / ("" if preset == "cpu" else preset) / f"{name}.png"


def save(fig, name: str, preset: str = "cpu") -> None:
    """Save ``fig`` as :func:`figure_path` (PNG) and show it: in a notebook kernel the PNG is the
    cell's output (an ``image/png`` the rendered ``.ipynb`` carries, so GitHub shows it), elsewhere
    nothing is displayed. Returns nothing, so no machine path ever lands in a cell's output."""
    out = figure_path(name, preset)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, bbox_inches="tight")
    plt.close(fig)
    from IPython import get_ipython

    if get_ipython() is not None:
        from IPython.display import Image, display

        display(Image(data=out.read_bytes(), format="png"))


PAPER_MARKERS = {"paper XLM-R": ("x", "#d62728"), "paper LaBSE": ("^", "#9467bd")}


def effect_figure(table, title: str = ""):
    """The headline forest plot of :func:`hybridlib.analysis.effects.effect_table`: one row of panels
    per dataset, one panel per quantity (Mo / Cr / Mul mAP difference, relative rank-distance change
    in %), one line per comparison: our effect with its 95% CI (black: CI excludes 0; grey: it does
    not), the paper's XLM-R and LaBSE effects as markers beside it. Returns the figure."""
    datasets = list(dict.fromkeys(table.dataset))
    quantities = list(dict.fromkeys(table.quantity))
    comparisons = list(dict.fromkeys(table.comparison))
    fig, axes = plt.subplots(
        len(datasets),
        len(quantities),
        figsize=(3.4 * len(quantities), 0.55 * len(comparisons) * len(datasets) + 1.6),
        squeeze=False,
        sharey=True,
    )
    y = {c: i for i, c in enumerate(reversed(comparisons))}
    for i, ds in enumerate(datasets):
        for j, q in enumerate(quantities):
            ax = axes[i, j]
            g = table[(table.dataset == ds) & (table.quantity == q)]
            scale = display_scale(q)[0]
            for r in g.to_dict("records"):
                effect, low, high, at = (
                    r["effect"] * scale,
                    r["ci_low"] * scale,
                    r["ci_high"] * scale,
                    y[r["comparison"]],
                )
                colour = "black" if low > 0 or high < 0 else "#999999"
                ax.errorbar(effect, at, xerr=[[effect - low], [high - effect]], fmt="o", color=colour, ms=5, capsize=3)
                for col, (marker, mcolour) in PAPER_MARKERS.items():
                    ax.scatter(r[col] * scale, at - 0.22, marker=marker, color=mcolour, s=28, zorder=2)
            ax.axvline(0, color="black", lw=0.7)
            ax.set_yticks(list(y.values()), list(y.keys()))
            ax.set_ylim(-0.6, len(comparisons) - 0.4)
            unit = "relative change, %" if scale == 100 else "difference"
            ax.set_title(f"{ds}: {q}", fontsize=10)
            ax.set_xlabel(unit, fontsize=8)
            ax.tick_params(labelsize=8)
    handles = [
        plt.Line2D([], [], color="black", marker="o", ls="-", label="ours, 95% CI excludes 0"),
        plt.Line2D([], [], color="#999999", marker="o", ls="-", label="ours, 95% CI includes 0"),
    ]
    handles += [
        plt.Line2D([], [], color=c, marker=m, ls="", label=f"{k}'s effect") for k, (m, c) in PAPER_MARKERS.items()
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.02))
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def level_figure(tracks: dict, baselines: dict, datasets: list[str]):
    """Mo / Cr / Mul mAP per strategy, one panel per (dataset, track): each strategy's mean over
    seeds with its 95% CI, the untrained encoder as a dashed line. The y-axis spans the data, not
    0..1, so differences of a few thousandths stay visible. Returns the figure."""
    from hybridlib.analysis.aggregate import summary_frame
    from hybridlib.analysis.stats import mean_ci

    settings = ("Mo_mAP", "Cr_mAP", "Mul_mAP")
    fig, axes = plt.subplots(
        len(settings), len(datasets) * len(tracks), figsize=(3.0 * len(datasets) * len(tracks), 6.6), squeeze=False
    )
    panels = [(ds, name, recs) for ds in datasets for name, recs in tracks.items()]
    for j, (ds, name, recs) in enumerate(panels):
        frame = summary_frame(recs, ds)
        for i, col in enumerate(settings):
            ax = axes[i, j]
            if frame.empty:
                ax.set_axis_off()
                continue
            for k, s in enumerate(["X-X-mono", "X-Y", "Hybrid"]):
                mean, low, high = mean_ci(frame[frame.strategy == s][col])
                ax.errorbar(k, mean, yerr=[[mean - low], [high - mean]], fmt="o", color=STRATEGY_COLORS[s], capsize=4)
            untrained = baselines["zero-shot"]["results"][ds]["summary"][col]
            ax.axhline(untrained, color="black", ls="--", lw=0.8, label="untrained")
            ax.set_xticks(range(3), ["X-X-mono", "X-Y", "Hybrid"], fontsize=8)
            ax.set_xlim(-0.5, 2.5)
            ax.set_ylabel(col.replace("_", " "), fontsize=9)
            if i == 0:
                ax.set_title(f"{ds}\n{name}", fontsize=9)
            if i == 0 and j == 0:
                ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def scorecard_figure(cards: dict):
    """Our strategy effects (95% CI) against the paper's, one panel per paper backbone, one marker
    per track, colour by setting; rank distance (another scale) is left to notebook 04. The legend
    sits below the panels. Returns the figure."""
    cards = {name: c[c.metric != "rank_distance"] for name, c in cards.items()}
    card = pd.concat(cards.values(), ignore_index=True)
    colours = {"mono": "#1f77b4", "cross": "#d62728", "multi": "#2ca02c"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), squeeze=False)
    for ax, model in zip(axes[0], ("XLM-R", "LaBSE")):
        for c, marker in zip(cards.values(), ("o", "s", "D")):
            for setting, g in c.groupby("setting", sort=False):
                ax.errorbar(
                    g[f"paper {model}"],
                    g.ours,
                    yerr=[g.ours - g.ci_low, g.ci_high - g.ours],
                    fmt=marker,
                    ms=4,
                    capsize=2,
                    alpha=0.75,
                    color=colours.get(setting, "#9467bd"),
                )
        lim = max(abs(card[["ours", f"paper {model}"]]).max().max(), 0.01) * 1.1
        ax.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8, ls="--")
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
        ax.set(
            xlim=(-lim, lim),
            ylim=(-lim, lim),
            xlabel=f"paper's effect ({model})",
            ylabel="our effect (95% CI)",
            title=f"strategy effects: ours vs the paper's {model}",
        )
    handles = [plt.Line2D([], [], color=c, marker="o", ls="", label=s) for s, c in colours.items()]
    handles += [plt.Line2D([], [], color="black", marker=m, ls="", label=f"track: {n}") for n, m in zip(cards, "osD")]
    handles += [plt.Line2D([], [], color="grey", ls="--", label="ours = paper")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def rank_distance_figure(records: list[dict], untrained: dict, dataset: str, order: list[str], title: str = ""):
    """Mean rank distance per query language (the paper's Tables 7-8 measure: how far below the
    query-language relevant passages the other languages' land in the pooled ranking; lower = less
    language bias): one bar per strategy with a 95% CI over seeds (bootstrap over the runs), the
    untrained encoder as a grey bar. Returns the figure."""
    from hybridlib.analysis.aggregate import per_language

    frame = per_language(records, dataset, "RD").rename(columns={"strategy": "model"})
    zero = untrained["results"][dataset]["per_language"]
    frame = pd.concat(
        [frame, pd.DataFrame({"model": "untrained", "lang": list(zero), "RD": [v["RD"] for v in zero.values()]})]
    )
    fig, ax = plt.subplots(figsize=(10, 4))
    sns.barplot(
        data=frame,
        x="lang",
        y="RD",
        hue="model",
        hue_order=[*order, "untrained"],
        palette=STRATEGY_COLORS,
        errorbar=("ci", 95),
        n_boot=1000,
        seed=0,
        capsize=0.1,
        err_kws={"linewidth": 1},
        ax=ax,
    )
    ax.set(xlabel="query language", ylabel="mean rank distance (ranks)", title=title)
    ax.legend(fontsize=8, ncol=4)
    fig.tight_layout()
    return fig


def scaling_figure(runs: pd.DataFrame, panels: tuple[str, ...]):
    """One panel per metric against the depth L of the backbone (a linear axis at the depths run):
    per strategy the mean over seeds (line) and its 95% CI over seeds (band) with the top block
    trained; the untrained model and BM25 dashed; hollow markers for every block trained. ``runs``:
    :func:`hybridlib.analysis.scaling.scaling_frame` with a ``depth`` column. Returns the figure."""
    from hybridlib.analysis.stats import mean_ci

    top = runs[runs.variant != "every block"]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 4.2), squeeze=False)
    for ax, metric in zip(axes[0], panels):
        if metric not in runs:
            ax.set_axis_off()
            continue
        for s in ["X-X-mono", "X-Y", "Hybrid", "untrained", "BM25"]:
            d = top[top.strategy == s].groupby("depth")[metric]
            if not len(d):
                continue
            ci = d.apply(lambda x: pd.Series(mean_ci(x.dropna()), index=["mean", "low", "high"])).unstack()
            baseline = s in ("untrained", "BM25")
            ax.plot(ci.index, ci["mean"], "--" if baseline else "-", marker="o", color=STRATEGY_COLORS[s], label=s)
            if not baseline:
                ax.fill_between(ci.index, ci["low"], ci["high"], color=STRATEGY_COLORS[s], alpha=0.2)
        every = runs[runs.variant == "every block"].groupby(["depth", "strategy"])[metric].mean()
        for (depth, s), value in every.items():
            ax.scatter(depth, value, facecolors="none", edgecolors=STRATEGY_COLORS[s], s=70, zorder=3)
        ax.set_xticks(sorted(runs.depth.unique()))
        ax.set(xlabel="depth L of mE5-small (blocks kept)", ylabel=metric, title=metric)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def tradeoff_figure(top: pd.DataFrame, x_metric: str, y_metric: str):
    """Monolingual (x) against cross-lingual (y) retrieval, one point per depth × strategy (mean over
    seeds), arrows in depth order, each point labelled with its depth (offset per strategy so the
    labels do not overprint). Returns the figure."""
    fig, ax = plt.subplots(figsize=(6.5, 5))
    if x_metric in top and y_metric in top:
        means = top.groupby(["strategy", "depth"])[[x_metric, y_metric]].mean().reset_index()
        for k, (s, g) in enumerate(means.groupby("strategy")):
            g = g.sort_values("depth")
            colour = STRATEGY_COLORS.get(s, "black")
            ax.plot(g[x_metric], g[y_metric], marker="o", color=colour, label=s, alpha=0.85)
            pts = list(zip(g[x_metric], g[y_metric], g["depth"]))
            for (x0, y0, _), (x1, y1, _) in zip(pts[:-1], pts[1:]):
                ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "color": colour, "alpha": 0.7})
            for x, y, depth in pts:
                ax.annotate(
                    f"L{depth}", (x, y), xytext=(6, 6 - 9 * k), textcoords="offset points", fontsize=7, color=colour
                )
        ax.legend(fontsize=8)
    ax.set(
        xlabel=f"monolingual: {x_metric}", ylabel=f"cross-lingual: {y_metric}", title="Trade-off per depth × strategy"
    )
    fig.tight_layout()
    return fig


def hybrid_minus_best_figure(diffs: pd.DataFrame, panels: tuple[str, ...]):
    """Hybrid − the better single strategy per depth L, one panel per metric, with the two-level
    bootstrap 95% CI (``diffs``: rows of :func:`hybridlib.analysis.scaling.hybrid_vs_best` with a
    ``depth`` column). Returns the figure."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for ax, cell in zip(axes[0], panels):
        d = diffs[diffs.cell == cell].sort_values("depth")
        ax.errorbar(
            d.depth,
            d["diff"],
            yerr=[d["diff"] - d.ci_low, d.ci_high - d["diff"]],
            marker="o",
            capsize=3,
            color=STRATEGY_COLORS["Hybrid"],
        )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(sorted(diffs.depth.unique()))
        ax.set(title=f"Hybrid − best single: {cell}", xlabel="depth L of mE5-small", ylabel="difference (95% CI)")
    fig.tight_layout()
    return fig


def trend_figure(effects: pd.DataFrame, trends: pd.DataFrame, title: str = ""):
    """The scaling answer: each contrast's effect against non-embedding parameters (log axis), one
    panel per cell, monolingual cells first, with the per-size 95% CIs of the trend's bootstrap and
    the OLS line whose slope :func:`hybridlib.analysis.trend.scaling_trends` tests (solid: its CI
    excludes 0; dotted: not). ``effects`` / ``trends``: that function's two frames. Returns the figure."""
    import numpy as np

    cells = list(dict.fromkeys(effects.sort_values("half", ascending=False, kind="stable").cell))
    fig, axes = plt.subplots(1, len(cells), figsize=(3.6 * len(cells), 3.8), squeeze=False, sharex=True)
    for ax, cell in zip(axes[0], cells):
        e = effects[effects.cell == cell]
        offsets = {c: k for k, c in enumerate(CONTRAST_STYLE)}
        for contrast, g in e.groupby("contrast", sort=False):
            colour, marker = CONTRAST_STYLE.get(contrast, ("#333333", "o"))
            g = g.sort_values("params")
            x = g.params * (1 + 0.04 * (offsets.get(contrast, 0) - 1))  # dodge the CIs apart
            ax.errorbar(x, g.effect, yerr=[g.effect - g.ci_low, g.ci_high - g.effect], ls="none",
                        marker=marker, color=colour, capsize=2, ms=5, label=contrast)  # fmt: skip
            t = trends[(trends.cell == cell) & (trends.contrast == contrast)]
            if len(t):
                lx = np.log(g.params.to_numpy())
                slope = t["slope/doubling"].iloc[0] / np.log(2)
                line = g.effect.mean() + slope * (lx - lx.mean())
                ls = "-" if t.verdict.iloc[0] != "no resolved change" else ":"
                ax.plot(g.params, line, ls=ls, color=colour, lw=1.2)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xscale("log")
        ticks = sorted(e.params.unique())
        ax.set_xticks(ticks, [f"{p / 1e6:.1f}M" for p in ticks])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        half = e.half.iloc[0]
        ax.set(title=f"{half}: {cell}", xlabel="non-embedding parameters")
    axes[0][0].set_ylabel("difference (95% CI)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def learning_curve_figure(curves: pd.DataFrame):
    """Validation loss (left) and in-batch top-1 accuracy on the validation batches (right) against
    the training step, one line per run (colour: strategy; solid: every block trained, dotted: the
    partial track), the kept (early-stopping) step marked. ``curves``:
    :func:`hybridlib.analysis.regimes.learning_curves`. Returns the figure."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    styles = {b: ls for b, ls in zip(sorted(curves.blocks.unique(), key=lambda b: -int(b.split()[0])), ("-", ":"))}
    for (b, s, _seed), g in curves.groupby(["blocks", "strategy", "seed"]):
        g = g.sort_values("step")
        for ax, col in zip(axes, ("eval_loss", "eval_acc")):
            if g[col].notna().any():
                ax.plot(g.step, g[col], ls=styles.get(b, "-"), color=STRATEGY_COLORS.get(s), alpha=0.8, lw=1.2)
                best = g[g.best]
                ax.scatter(best.step, best[col], color=STRATEGY_COLORS.get(s), s=18, zorder=3)
    axes[0].set(xlabel="training step", ylabel="validation loss (InfoNCE)", title="validation loss")
    axes[1].set(
        xlabel="training step", ylabel="in-batch top-1 accuracy", title="held-out accuracy (validation batches)"
    )
    handles = [plt.Line2D([], [], color=c, label=s) for s, c in STRATEGY_COLORS.items() if s in set(curves.strategy)]
    handles += [plt.Line2D([], [], color="black", ls=ls, label=b) for b, ls in styles.items()]
    handles += [plt.Line2D([], [], color="black", marker="o", ls="", label="kept step")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def top1_figure(table: pd.DataFrame, title: str = ""):
    """Stacked shares of the four top-1 classes per system (rows of
    :func:`hybridlib.analysis.preference.summary_table`), with LPR marked beside each bar."""
    cols = [c for c in table.columns if c.startswith("top-1: ")]
    colors = ["#2b8a3e", "#74c0fc", "#e8590c", "#adb5bd"]
    height = 0.42 * len(table) + 1.9  # inches: the bars, the axis and a legend row below it
    fig, ax = plt.subplots(figsize=(10, height))
    left = pd.Series(0.0, index=table.index)
    for c, color in zip(cols, colors):
        ax.barh(table.index, table[c], left=left, color=color, label=c.removeprefix("top-1: "))
        left += table[c]
    for i, lpr in enumerate(table["LPR"]):
        ax.text(1.01, i, f"LPR {lpr:.2f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share of queries (macro over query languages)", title=title)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))  # the legend row keeps 0.35 in below the axis label
    return fig


__all__ = [
    "top1_figure",
    "plt",
    "sns",
    "save",
    "figure_path",
    "effect_figure",
    "level_figure",
    "scorecard_figure",
    "rank_distance_figure",
    "STRATEGY_COLORS",
]
