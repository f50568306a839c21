"""The bridge to full fine-tuning: do the strategies compare alike when every block is trained
and when only the partial track's top blocks are, at the same step count?

Two readings of the same runs. :func:`bridge_table` orders the strategies by their seed means (an
order can flip on differences far inside the noise). :func:`bridge_differences` answers the same
question with evidence: each pairwise difference within each way of training, with its two-level
bootstrap CI (seeds, then question clusters), and whether the differences that are resolved agree
in sign. Its CIs correct the seed level for few seeds (``small_sample``), and each difference
carries its leave-one-seed-out sensitivity and the early-stopped runs behind it (:func:`early_stopped`)."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.aggregate import group_by_strategy, order_agreement
from hybridlib.analysis.inference import hierarchical_bootstrap, leave_one_seed_out
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


EARLY_FRACTION = 1 / 6  # a run whose kept checkpoint is at or before this share of its steps is flagged


def early_stopped(records: list[dict], fraction: float = EARLY_FRACTION) -> list[str]:
    """The runs among ``records`` whose early stopping kept a checkpoint at ≤ ``fraction`` of their
    steps (``"X-Y s1 (step 50 of 300)"``): a run that barely trained can decide a difference alone."""
    out = []
    for r in sorted(records, key=lambda r: (label(r["config"]), r["config"].get("seed", 0))):
        steps, best = r["config"].get("steps") or 0, (r.get("train") or {}).get("best_step")
        if steps > 0 and best is not None and best <= fraction * steps:
            out.append(f"{label(r['config'])} s{r['config'].get('seed')} (step {best} of {steps})")
    return out


BOOTSTRAP_SEED = 0  # the seed of every interval the tables print
RESEEDS = 8  # further bootstrap seeds an agreement verdict is recomputed with (its stability)


def _sign(d) -> int:
    """+1 when a difference's CI lies above 0, −1 below, 0 when it holds 0."""
    return 1 if d.low > 0 else -1 if d.high < 0 else 0


def _sensitivity(names: tuple[str, str], a_runs, b_runs, sa, sb, d, n_boot: int, small_sample: bool) -> dict:
    """Leave-one-seed-out: the range of A − B, the run whose removal moves it most, and whether the
    difference stays resolved (same sign, CI excluding 0) without each run."""
    seeds = [sorted(r["config"]["seed"] for r in runs) for runs in (a_runs, b_runs)]
    rows = leave_one_seed_out(sa, sb, *seeds, n_boot=n_boot, small_sample=small_sample)
    if not rows:
        return {"LOSO range": "", "moved most by": "", "resolved without each run": ""}
    est = [r["estimate"] for r in rows]
    worst = max(rows, key=lambda r: abs(r["estimate"] - d.estimate))
    sign = _sign(d)
    kept = sum((r["low"] > 0) if sign > 0 else (r["high"] < 0) for r in rows) if sign else None
    return {
        "LOSO range": f"[{min(est):+.4f}, {max(est):+.4f}]",
        "moved most by": f"{names[worst['left out'][0] == 'B']} s{worst['left out'].rsplit(' ', 1)[-1]} "
        f"(without it {worst['estimate']:+.4f})",
        "resolved without each run": "" if kept is None else f"{kept} of {len(rows)}",
    }


def bridge_differences(
    records: list[dict],
    subdir: str = "",
    n_boot: int = 2000,
    small_sample: bool = True,
    sensitivity: bool = True,
    reseeds: int = RESEEDS,
) -> pd.DataFrame:
    """Per (dataset, metric, pair of strategies): A − B within each way of training (column
    :func:`blocks`, with ``<blocks> CI`` the 95% two-level bootstrap interval of the tables' macro mAP,
    its seed level small-sample corrected unless ``small_sample`` is false), and the
    :func:`agreement` of the two; ``seeds``: the fewest seeds behind any of the strategies compared
    (with one, the bootstrap has no seed level to resample: the CIs then hold question sampling
    only). With ``sensitivity``, for the way of training with the most blocks: the leave-one-seed-out
    range, the run that moves the difference most, in how many of the leave-one-out fits a resolved
    difference stays resolved, and the early-stopped runs behind it (:func:`early_stopped`). Only ways
    of training with runs of all three strategies count; empty unless two of them do (a half-run
    bridge has nothing to compare).

    Every interval uses bootstrap seed :data:`BOOTSTRAP_SEED`. A CI end near 0 can resolve under one
    bootstrap seed and not under another, so ``agreement stable`` says under how many of ``reseeds``
    further seeds (1, 2, ...) the agreement verdict comes out the same (0: not checked)."""
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
                signs, samples, most = {}, {}, max(complete)
                for k, g in complete.items():
                    sa, sb = samples[k] = tuple(strategy_sample(g[s], ds, setting, "mAP", subdir) for s in (a, b))
                    d = hierarchical_bootstrap(sa, sb, n_boot=n_boot, seed=BOOTSTRAP_SEED, small_sample=small_sample)
                    row[blocks(k)] = d.estimate
                    row[f"{blocks(k)} CI"] = f"[{d.low:+.4f}, {d.high:+.4f}]"
                    signs[k] = _sign(d)
                    if sensitivity and k == most:
                        extra = _sensitivity((a, b), g[a], g[b], sa, sb, d, n_boot, small_sample)
                        extra["early-stopped runs"] = ", ".join(early_stopped(g[a] + g[b]))
                row["seeds"] = min(len(g[s]) for g in complete.values() for s in (a, b))
                row["agreement"] = agreement(signs)
                if reseeds:
                    again = [
                        agreement(
                            {
                                k: _sign(
                                    hierarchical_bootstrap(*ab, n_boot=n_boot, seed=seed, small_sample=small_sample)
                                )
                                for k, ab in samples.items()
                            }
                        )
                        for seed in range(BOOTSTRAP_SEED + 1, BOOTSTRAP_SEED + 1 + reseeds)
                    ]
                    row["agreement stable"] = f"{sum(v == row['agreement'] for v in again)} of {reseeds}"
                if sensitivity:
                    row |= {f"{blocks(most)} {k}": v for k, v in extra.items()}
                rows.append(row)
    return pd.DataFrame(rows)


def stability_note(diffs: pd.DataFrame) -> str:
    """How far the agreement tally of :func:`bridge_differences` rests on the bootstrap's seed:
    "bootstrap seed 0; every verdict the same under all 8 further seeds", or which cells change."""
    if diffs.empty or "agreement stable" not in diffs:
        return f"bootstrap seed {BOOTSTRAP_SEED}; stability not checked"
    counts = diffs["agreement stable"].str.split(" of ", expand=True).astype(int)
    n = int(counts[1].max())
    shaky = diffs[counts[0] < counts[1]]
    if shaky.empty:
        return f"bootstrap seed {BOOTSTRAP_SEED}; every verdict the same under all {n} further seeds"
    cells = "; ".join(
        f"{r.dataset} {r.metric} {r.comparison}: {r.agreement}, {diffs.loc[r.Index, 'agreement stable']}"
        for r in shaky.itertuples()
    )
    return f"bootstrap seed {BOOTSTRAP_SEED}; {len(shaky)} verdict(s) change under some of {n} further seeds ({cells})"


__all__ = [
    "BOOTSTRAP_SEED",
    "EARLY_FRACTION",
    "RESEEDS",
    "agreement",
    "blocks",
    "bridge_differences",
    "bridge_table",
    "early_stopped",
    "stability_note",
]
