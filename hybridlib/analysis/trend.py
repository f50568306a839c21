"""Does an effect change with size? The slope of a strategy difference against log(parameters).

The scaling question (does hybrid batching change the monolingual / cross-lingual trade-off as the
model grows?) is a question about a *trend*: for a difference A − B (e.g. Hybrid − X-X-mono) on one
metric, measured at each size (depth L of one pretrained encoder, non-embedding parameters P_L),
the slope β of the OLS line ``effect_L = a + β · ln P_L``. β > 0: the effect rises with size (per
e-fold of parameters; a doubling moves it by β · ln 2).

**Interval.** One two-level bootstrap over all sizes at once:

1. question clusters are resampled once per draw and shared by every size and strategy (the same
   questions are asked at every size, so their difficulty is common to all points of the line);
2. seeds are resampled independently per (size, strategy) (each is its own set of runs), and the
   seed-level deviation of each resampled mean is widened by √(n / (n − 1)), n its seeds: resampling
   n seeds with replacement understates the seed variance by (n − 1) / n (a third at 3 seeds).

β of each draw gives the percentile CI. **Verdict**: "rises" / "falls" (A − B becomes more positive /
more negative with size) when the CI excludes 0, else "no resolved change"; :func:`scaling_trends`
adds Holm-adjusted p-values over its whole table (one family), and a verdict not resolved there is
called descriptive. **Minimum detectable slope**: (z₀.₉₇₅ + z₀.₈) × the bootstrap SE of β,
the |β| a two-sided 5 % test would detect with 80 % power at this design (a normal approximation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from hybridlib.analysis.inference import (
    Sample,
    _cluster_sums,
    _cluster_weights,
    _restrict,
    weighted_sums,
    widen_seed_level,
)


@dataclass(frozen=True)
class Trend:
    """The slope of A − B against ln(parameters), with its bootstrap distribution."""

    slope: float
    low: float
    high: float
    se: float
    min_detectable: float
    effects: pd.DataFrame  # per size: params, effect, its CI (same bootstrap), seeds of A / B
    draws: np.ndarray

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return "rises"
        if self.high < 0:
            return "falls"
        return "no resolved change"

    @property
    def p(self) -> float:
        """Two-sided p of slope 0 from the bootstrap SE (normal tails)."""
        return float(2 * norm.sf(abs(self.slope) / self.se)) if self.se > 0 else float("nan")

    def as_dict(self) -> dict:
        return {
            "slope": self.slope,
            "ci_low": self.low,
            "ci_high": self.high,
            "min_detectable": self.min_detectable,
            "verdict": self.verdict,
            "sizes": len(self.effects),
        }


def _per_seed_macros(sample: Sample, w: np.ndarray, cluster_index: pd.Index, lang_index: pd.Index) -> np.ndarray:
    """``(n_boot, n_seeds)`` macro-over-languages means of each seed under cluster weights ``w``."""
    if (cluster_index.get_indexer(sample.clusters) < 0).any():
        raise ValueError("a sample has queries outside the shared question clusters")
    s, n = _cluster_sums(sample, cluster_index, lang_index)
    counts = w @ n
    counts = np.where(counts > 0, counts, np.nan)
    return np.nanmean(weighted_sums(w, s) / counts[:, None, :], axis=2)


def _seed_level(per_seed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean over seeds resampled with replacement, its deviation widened by √(n / (n − 1))."""
    n_boot, n = per_seed.shape
    mean = per_seed.mean(1)
    if n < 2:
        return mean
    picks = rng.integers(n, size=(n_boot, n))
    return widen_seed_level(np.take_along_axis(per_seed, picks, axis=1).mean(1), mean, n)


def effect_trend(
    pairs: dict[float, tuple[Sample, Sample]], n_boot: int = 2000, seed: int = 0, conf: float = 0.95
) -> Trend:
    """The slope of A − B against ln(params) over sizes: ``pairs`` maps each size's parameter count
    to its (A, B) samples (queries restricted to those every sample shares)."""
    if len(pairs) < 2:
        raise ValueError(f"a trend needs at least two sizes, got {len(pairs)}")
    sizes = sorted(pairs)
    common = None
    for a, b in pairs.values():
        for s in (a, b):
            common = s.query_ids if common is None else np.intersect1d(common, s.query_ids)
    if common is None or len(common) == 0:
        raise ValueError("the sizes share no query")
    restricted = {p: tuple(_restrict(s, common) for s in pairs[p]) for p in sizes}
    first = restricted[sizes[0]][0]
    cluster_index, lang_index = pd.Index(np.unique(first.clusters)), pd.Index(np.unique(first.langs))
    w, rng = _cluster_weights(seed, len(cluster_index), n_boot, True)
    x = np.log(np.asarray(sizes, dtype=float))
    effect_draws, rows = [], []
    for p in sizes:
        a, b = restricted[p]
        da = _seed_level(_per_seed_macros(a, w, cluster_index, lang_index), rng)
        db = _seed_level(_per_seed_macros(b, w, cluster_index, lang_index), rng)
        d = da - db
        effect_draws.append(d)
        lo, hi = np.quantile(d, [(1 - conf) / 2, (1 + conf) / 2])
        rows.append(
            {
                "params": p,
                "effect": a.estimate() - b.estimate(),
                "ci_low": lo,
                "ci_high": hi,
                "seeds": f"{a.n_seeds}/{b.n_seeds}",
            }
        )
    effects = pd.DataFrame(rows)
    xc = x - x.mean()
    slope_of = lambda y: (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)  # noqa: E731 (OLS slope)
    draws = slope_of(np.stack(effect_draws, axis=1))
    slope = float(slope_of(effects.effect.to_numpy()))
    lo, hi = np.quantile(draws, [(1 - conf) / 2, (1 + conf) / 2])
    se = float(draws.std(ddof=1))
    mds = float((norm.ppf(1 - (1 - conf) / 2) + norm.ppf(0.8)) * se)
    return Trend(slope, float(lo), float(hi), se, mds, effects, draws)


def trend_sentence(metric: str, contrast: str, t: Trend, digits: int = 3) -> str:
    """One sentence a reader can quote: the contrast, its effect at the smallest and largest size, the
    slope per doubling of parameters with its CI, the verdict and the minimum detectable slope."""
    e = t.effects.sort_values("params")
    per_doubling = np.log(2)
    f = f"{{:+.{digits}f}}"
    return (
        f"{contrast} on {metric}: {f.format(e.effect.iloc[0])} at the smallest size, {f.format(e.effect.iloc[-1])} "
        f"at the largest; slope {f.format(t.slope * per_doubling)} per doubling of parameters "
        f"[{f.format(t.low * per_doubling)}, {f.format(t.high * per_doubling)}]: {t.verdict} "
        f"(detectable at 80 % power: ±{t.min_detectable * per_doubling:.{digits}f} per doubling)"
    )


__all__ = ["Trend", "effect_trend", "trend_sentence"]


CONTRASTS = (("Hybrid", "X-X-mono"), ("Hybrid", "X-Y"), ("X-X (mixed)", "X-X-mono"))
TREND_CELLS = {  # reader-facing cell -> monolingual or cross-lingual half of the trade-off
    "MIRACL-hard nDCG@10": "monolingual",
    "TyDi nDCG@10": "monolingual",
    "FLORES Cr mAP": "cross-lingual",
    "FLORES Mul mAP": "cross-lingual",
    "AfriQA nDCG@10": "cross-lingual",
}


def scaling_trends(
    records: list[dict],
    size: dict[str, float],
    cells=tuple(TREND_CELLS),
    contrasts=CONTRASTS,
    langs: tuple[str, ...] | None = None,
    subdir: str = "",
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Slopes of every contrast × cell over the sizes in ``size`` (model name -> parameters) that have
    runs of both strategies; ``records`` are run records (partial-ft, and bitext ones through
    :func:`~hybridlib.analysis.scaling.bitext_runs`) of one variant (e.g. the top-block track).
    ``langs`` restricts every cell to those query languages (e.g. ``("yo",)``; AfriQA's pools are
    ISO 639-3: ``yor``, ``swa``). Returns ``(trends, effects)``: one row per contrast × cell with
    its slope per doubling of parameters, CI, verdict and minimum detectable slope; and the per-size
    effects with their CIs from the same bootstrap (for the figure)."""
    from hybridlib.analysis.aggregate import group_by_strategy
    from hybridlib.analysis.inference import restrict_langs
    from hybridlib.analysis.scaling import CELLS, POOLED_LANG_CODES
    from hybridlib.analysis.scorecard import strategy_sample

    by_model = {m: group_by_strategy([r for r in records if r["config"]["model"] == m]) for m in size}
    rows, effects = [], []
    for cell in cells:
        task, setting, metric = CELLS[cell]
        for a, b in contrasts:
            pairs = {}
            for m, groups in by_model.items():
                have = (
                    [r for r in groups.get(a, []) if task in r["results"]],
                    [r for r in groups.get(b, []) if task in r["results"]],
                )
                if not all(have):
                    continue
                samples = [strategy_sample(h, task, setting or "mono", metric, subdir) for h in have]
                if langs is not None:
                    wanted = [POOLED_LANG_CODES.get(task, {}).get(x, x) for x in langs]
                    if not set(wanted) & set(samples[0].langs):
                        continue
                    samples = [restrict_langs(s, wanted) for s in samples]
                pairs[size[m]] = tuple(samples)
            if len(pairs) < 2:
                continue
            t = effect_trend(pairs, n_boot=n_boot, seed=seed)
            half = TREND_CELLS.get(cell, "cross-lingual")
            contrast = f"{a} − {b}"
            doubling = np.log(2)
            first, last = t.effects.sort_values("params").iloc[[0, -1]].effect
            rows.append(
                {"contrast": contrast, "cell": cell, "half": half, "langs": "+".join(langs) if langs else "all",
                 "effect smallest": first, "effect largest": last, "slope/doubling": t.slope * doubling,
                 "ci_low": t.low * doubling, "ci_high": t.high * doubling,
                 "min detectable": t.min_detectable * doubling, "verdict": t.verdict, "p": t.p, "sizes": len(pairs),
                 "seeds": ", ".join(t.effects.seeds)}
            )  # fmt: skip
            effects.append(t.effects.assign(contrast=contrast, cell=cell, half=half))
    table = pd.DataFrame(rows)
    if len(table):  # one Holm family: every slope of this table
        from hybridlib.analysis.stats import holm

        table["p_holm"] = holm(table.p.to_numpy())
        # a size with one seed a strategy gives the bootstrap no seed level: such a slope is descriptive
        one_seed = table.seeds.map(_one_seed)
        table["resolved (Holm)"] = (table.verdict != "no resolved change") & (table.p_holm < 0.05) & ~one_seed
    return table, (pd.concat(effects, ignore_index=True) if effects else pd.DataFrame())


def _one_seed(seeds: str) -> bool:
    """Whether a trend row's seeds (``"3/3, 1/1, ..."``, A/B per size) have one seed somewhere."""
    return any("1" in part.strip().split("/") for part in str(seeds).split(","))


def _caveat(row) -> str:
    """Why a resolved-looking slope is only descriptive, if it is."""
    if row.get("resolved (Holm)", True):
        return ""
    if _one_seed(row.get("seeds", "")):
        return "; descriptive: one seed at some size, so the CI has no seed level"
    return "; descriptive: not resolved in the Holm family"


def trends_answer(trends: pd.DataFrame) -> str:
    """The scaling question answered from :func:`scaling_trends`: per contrast, the cells whose
    effect rises or falls with size (CI of the slope excluding 0; "descriptive" where the slope is not
    also resolved in the table's Holm family), else that none changes, with the largest minimum
    detectable slope among its cells."""
    if trends.empty:
        return "No effect has runs at two sizes yet."
    parts = []
    for contrast, g in trends.groupby("contrast", sort=False):
        moved = g[g.verdict != "no resolved change"]
        said = [
            f"{r['verdict']} on {r['cell']} ({r['slope/doubling']:+.3f} per doubling "
            f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]{_caveat(r)})"
            for _, r in moved.iterrows()
        ]
        flat = (
            f"no resolved change on {len(g) - len(moved)} of {len(g)} cells (a slope below "
            f"±{g['min detectable'].max():.3f} per doubling would go undetected)"
        )
        parts.append(f"{contrast}: " + "; ".join(said + ([flat] if len(moved) < len(g) else [])))
    return ". ".join(parts) + "."


__all__ += ["CONTRASTS", "TREND_CELLS", "scaling_trends", "trends_answer"]
