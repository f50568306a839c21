"""Inference that matches the question: a two-level (seeds, then question clusters) bootstrap of
the exact estimand the tables show.

Why two levels. A strategy's score varies with the training seed *and* with the sample of
questions. Resampling only queries of seed-averaged scores ignores seed variance, and XQuAD-R's
13,090 queries are only 1,190 parallel questions asked in 11 languages: their errors are not
independent. So each bootstrap draw resamples (1) the seeds of each strategy, independently (two
strategies' runs share nothing but the data), and (2) question *clusters*, the same clusters for
both strategies (the comparison is paired by question). A cluster is the parallel question id
(the part of the query id after ``lang/``); for MIRACL each query is its own cluster.

The estimand is what the tables print: the macro average over languages of the per-language mean
(Mo and Mul: each language's x->x / x->pool mean; Cr: each query language's mean of its per-query
average over target languages, the paper's "row = query language" form), averaged over seeds.
Languages with no query in a draw are impossible (clusters carry every language they cover).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Sample:
    """Per-seed per-query values of one strategy for one (dataset, setting, metric).

    ``values``: ``(n_seeds, n_queries)``; ``langs`` and ``clusters``: ``(n_queries,)``.
    """

    values: np.ndarray
    langs: np.ndarray
    clusters: np.ndarray
    query_ids: np.ndarray

    @property
    def n_seeds(self) -> int:
        return self.values.shape[0]

    def estimate(self) -> float:
        """The table's number: macro over languages of per-language means, averaged over seeds."""
        _, lang = np.unique(self.langs, return_inverse=True)
        return float(np.mean([_macro(v, lang) for v in self.values]))


def _macro(values: np.ndarray, lang: np.ndarray) -> float:
    """Mean over languages of per-language means; ``lang``: each value's language as 0..L-1. NaN
    values are skipped, and so is a language with no other value (as pandas' ``groupby().mean()``)."""
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    sums = np.bincount(lang[ok], weights=v[ok])
    counts = np.bincount(lang[ok])
    return float(np.mean(sums[counts > 0] / counts[counts > 0])) if counts.any() else float("nan")


def macro_mean(values: np.ndarray, langs: np.ndarray) -> float:
    """Mean over languages of the per-language mean of ``values``."""
    return _macro(values, np.unique(np.asarray(langs), return_inverse=True)[1])


def sample_from(per_seed: list[pd.Series], clusters_of=None) -> Sample:
    """Align per-seed Series (index: query id ``lang/...``) on their common queries."""
    common = per_seed[0].index
    for s in per_seed[1:]:
        common = common.intersection(s.index)
    common = common.sort_values()
    ids = common.to_numpy().astype(str)
    langs = np.array([q.split("/", 1)[0] for q in ids])
    clusters = np.array([clusters_of(q) if clusters_of else q.split("/", 1)[-1] for q in ids])
    values = np.stack([s.reindex(common).to_numpy(dtype=np.float64) for s in per_seed])
    return Sample(values, langs, clusters, ids)


def _cluster_sums(sample: Sample, cluster_index: pd.Index, lang_index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """``S[s, c, l]`` sums of values and ``N[c, l]`` query counts per cluster and language."""
    c = cluster_index.get_indexer(sample.clusters)
    lang = lang_index.get_indexer(sample.langs)
    n = np.zeros((len(cluster_index), len(lang_index)))
    np.add.at(n, (c, lang), 1.0)
    s = np.zeros((sample.n_seeds, len(cluster_index), len(lang_index)))
    for k in range(sample.n_seeds):
        np.add.at(s[k], (c, lang), sample.values[k])
    return s, n


@dataclass(frozen=True)
class Difference:
    """A − B with its two-level bootstrap distribution."""

    estimate: float
    low: float
    high: float
    p_two_sided: float
    p_greater: float  # one-sided: P(A − B ≤ 0) under the bootstrap (small when A is higher)
    p_less: float
    n_seeds: tuple[int, int]
    n_clusters: int
    n_langs: int
    draws: np.ndarray
    draws_a: np.ndarray  # the bootstrap distribution of A's macro score itself
    draws_b: np.ndarray
    draws_plain_a: np.ndarray | None = None  # A's and B's draws from the same resamples, seed level uncorrected
    draws_plain_b: np.ndarray | None = None

    @property
    def draws_plain(self) -> np.ndarray:
        """A − B without the small-sample correction (the corrected draws when none were kept)."""
        return self.draws if self.draws_plain_a is None else self.draws_plain_a - self.draws_plain_b

    def as_dict(self) -> dict:
        return {
            "diff": self.estimate,
            "ci_low": self.low,
            "ci_high": self.high,
            "p": self.p_two_sided,
            "p_greater": self.p_greater,
            "p_less": self.p_less,
            "seeds": f"{self.n_seeds[0]}/{self.n_seeds[1]}",
            "clusters": self.n_clusters,
            "langs": self.n_langs,
        }


def widen_seed_level(resampled: np.ndarray, centre: np.ndarray, n_seeds: int) -> np.ndarray:
    """Resampled seed means moved from ``centre`` (each draw's mean over all seeds) by √(n / (n − 1))
    times their deviation: resampling n seeds with replacement understates the seed variance by (n − 1) / n."""
    return centre + (resampled - centre) * np.sqrt(n_seeds / (n_seeds - 1))


def weighted_sums(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``out[b, s, l] = Σ_c w[b, c] · s[s, c, l]``: per-seed, per-language sums under cluster weights
    (one BLAS matrix product; ``np.einsum`` of the same sum took ~5× longer)."""
    n_seeds, n_c, n_langs = s.shape
    return (w @ s.transpose(1, 0, 2).reshape(n_c, -1)).reshape(len(w), n_seeds, n_langs)


@functools.lru_cache(maxsize=16)  # ≤ 16 × (2,000 × clusters) float64: ~300 MB at the largest
def _cluster_draws(seed: int, n_c: int, n_boot: int, resample: bool) -> tuple[np.ndarray, dict]:
    """The cluster weights of a bootstrap seeded ``seed`` (read-only) and the generator's state after them."""
    rng = np.random.default_rng(seed)
    if resample:
        w = rng.multinomial(n_c, np.full(n_c, 1.0 / n_c), size=n_boot).astype(np.float64)
    else:
        w = np.ones((n_boot, n_c))
    w.flags.writeable = False
    return w, rng.bit_generator.state


def _cluster_weights(seed: int, n_c: int, n_boot: int, resample: bool) -> tuple[np.ndarray, np.random.Generator]:
    """``(B, C)`` multinomial cluster weights and the generator that then draws the seed picks: the
    same stream as drawing them afresh from ``default_rng(seed)``, without redrawing the weights for
    each of the many differences a table bootstraps on the same clusters (the slowest step)."""
    w, state = _cluster_draws(int(seed), int(n_c), int(n_boot), bool(resample))
    rng = np.random.default_rng(seed)
    rng.bit_generator.state = state
    return w, rng


def hierarchical_bootstrap(
    a: Sample,
    b: Sample,
    n_boot: int = 2000,
    seed: int = 0,
    conf: float = 0.95,
    resample_seeds: bool = True,
    resample_clusters: bool = True,
    small_sample: bool = True,
) -> Difference:
    """Two-level bootstrap of ``macro(A) − macro(B)`` on the queries both strategies have.

    Percentile CI; p-values from the bootstrap standard error (:func:`normal_pvalues`). With
    ``small_sample`` (the default: the study's one interval rule) the seed level is corrected: each strategy's resampled seed mean deviates from
    that draw's mean over all its seeds by √(n / (n − 1)) times as much (n its seeds), which removes
    the (n − 1)/n understatement of the seed variance that resampling n seeds with replacement has
    (a third at 3 seeds); the question level is left as it is (hundreds of clusters). The
    uncorrected draws of the same resamples are kept as ``draws_plain`` (for a sensitivity check).
    """
    common = np.intersect1d(a.query_ids, b.query_ids)
    if len(common) == 0:
        raise ValueError("the two samples share no query")
    a, b = _restrict(a, common), _restrict(b, common)
    cluster_index = pd.Index(np.unique(a.clusters))
    lang_index = pd.Index(np.unique(a.langs))
    sa, n = _cluster_sums(a, cluster_index, lang_index)
    sb, _ = _cluster_sums(b, cluster_index, lang_index)
    n_c = len(cluster_index)
    w, rng = _cluster_weights(seed, n_c, n_boot, resample_clusters)
    counts = w @ n  # (B, L)
    counts = np.where(counts > 0, counts, np.nan)

    def macro(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(corrected, plain) draws of one strategy's macro score."""
        k = s.shape[0]
        picks = rng.integers(k, size=(n_boot, k)) if resample_seeds else np.tile(np.arange(k), (n_boot, 1))
        per_seed = weighted_sums(w, s) / counts[:, None, :]  # (B, S, L)
        lang_means = np.nanmean(per_seed, axis=2)  # (B, S)
        resampled = np.take_along_axis(lang_means, picks, axis=1).mean(1)
        if small_sample and resample_seeds and k > 1:
            return widen_seed_level(resampled, lang_means.mean(1), k), resampled
        return resampled, resampled

    (draws_a, plain_a), (draws_b, plain_b) = macro(sa), macro(sb)
    draws = draws_a - draws_b
    est = a.estimate() - b.estimate()
    alpha = 1 - conf
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    p_two, p_greater, p_less = normal_pvalues(est, draws)
    return Difference(
        est,
        float(low),
        float(high),
        p_two,
        p_greater,
        p_less,
        (a.n_seeds, b.n_seeds),
        n_c,
        len(lang_index),
        draws,
        draws_a,
        draws_b,
        plain_a,
        plain_b,
    )


def drop_seed(s: Sample, k: int) -> Sample:
    """``s`` without its ``k``-th seed (row ``k`` of ``values``)."""
    return Sample(np.delete(s.values, k, axis=0), s.langs, s.clusters, s.query_ids)


def leave_one_seed_out(
    a: Sample, b: Sample, seeds_a: list, seeds_b: list, n_boot: int = 2000, small_sample: bool = True
) -> list[dict]:
    """A − B again with each run left out in turn (``seeds_a`` / ``seeds_b``: the seeds behind the
    samples' rows): one row per left-out run (``run`` "A seed k"), its estimate and CI. A strategy
    with one seed is never left empty (its run is not dropped)."""
    rows = []
    for side, sample, seeds in (("A", a, seeds_a), ("B", b, seeds_b)):
        if sample.n_seeds < 2:
            continue
        for k, seed in enumerate(seeds):
            left = drop_seed(sample, k)
            d = hierarchical_bootstrap(
                left if side == "A" else a, left if side == "B" else b, n_boot=n_boot, small_sample=small_sample
            )
            rows.append({"left out": f"{side} seed {seed}", "estimate": d.estimate, "low": d.low, "high": d.high})
    return rows


def relative_change(d: Difference, b: Sample) -> tuple[float, np.ndarray]:
    """A − B relative to B, (A − B) / B: the point estimate (the difference over B's macro score)
    and its bootstrap distribution (each draw's difference over that draw's B)."""
    return d.estimate / b.estimate(), d.draws / d.draws_b


def minimum_detectable_difference(differences: np.ndarray, alpha: float = 0.05, power: float = 0.8) -> float:
    """The paired mean difference a two-sided test at ``alpha`` detects with probability ``power``,
    given per-query differences (normal approximation: (z_{1-α/2} + z_power) · sd / √n)."""
    from scipy.stats import norm

    d = np.asarray(differences, dtype=float)
    if len(d) < 2:
        return float("nan")
    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * d.std(ddof=1) / np.sqrt(len(d)))


def power_by_language(a: Sample, b: Sample, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """What a paired comparison of ``a`` and ``b`` can resolve: per language, the minimum detectable
    difference (:func:`minimum_detectable_difference` of the per-query differences of seed means),
    and for the macro mean over languages (the tables' estimand) the same from its standard error
    ``sqrt(sum_l sd_l^2 / n_l) / L``. Rows: languages, then ``macro``; columns: queries, sd, MDD."""
    from scipy.stats import norm

    d = pd.DataFrame({"lang": a.langs, "q": a.query_ids, "a": a.values.mean(0)})
    d = d.merge(pd.DataFrame({"q": b.query_ids, "b": b.values.mean(0)}), on="q")
    d["diff"] = d["a"] - d["b"]
    rows = {}
    for lang, g in d.groupby("lang", sort=True):
        rows[lang] = {"queries": len(g), "sd": g["diff"].std(ddof=1), "MDD": minimum_detectable_difference(g["diff"])}
    table = pd.DataFrame(rows).T
    se = np.sqrt((table["sd"] ** 2 / table["queries"]).sum()) / len(table)
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    table.loc["macro"] = {"queries": table["queries"].sum(), "sd": np.nan, "MDD": z * se}
    return table.astype({"queries": int})


def restrict_langs(s: Sample, langs) -> Sample:
    """Only the queries of ``langs`` (e.g. languages never seen in training)."""
    keep = np.isin(s.langs, list(langs))
    return Sample(s.values[:, keep], s.langs[keep], s.clusters[keep], s.query_ids[keep])


def level_ci(sample: Sample, n_boot: int = 2000, seed: int = 0, conf: float = 0.95) -> tuple[float, float, float]:
    """The table's number for one strategy and its two-level bootstrap CI: ``(estimate, low, high)``."""
    zero = Sample(np.zeros_like(sample.values[:1]), sample.langs, sample.clusters, sample.query_ids)
    d = hierarchical_bootstrap(sample, zero, n_boot=n_boot, seed=seed, conf=conf)
    return d.estimate, d.low, d.high


def normal_pvalues(estimate: float, draws: np.ndarray, shift: float = 0.0) -> tuple[float, float, float]:
    """Two-sided, 'greater' (H0: diff ≤ shift) and 'less' (H0: diff ≥ shift) p-values from the
    bootstrap standard error (normal approximation: the bootstrap's resolution, 1 / n_boot, would
    otherwise floor every p-value and make Holm over a large family impossible to pass)."""
    from scipy.stats import norm

    se = float(np.std(draws, ddof=1))
    if se == 0:
        same = estimate == shift
        return (1.0 if same else 0.0), float(estimate <= shift), float(estimate >= shift)
    z = (estimate - shift) / se
    return float(2 * norm.sf(abs(z))), float(norm.sf(z)), float(norm.cdf(z))


def _restrict(s: Sample, ids: np.ndarray) -> Sample:
    keep = np.isin(s.query_ids, ids)
    return Sample(s.values[:, keep], s.langs[keep], s.clusters[keep], s.query_ids[keep])


__all__ = [
    "Sample",
    "Difference",
    "macro_mean",
    "sample_from",
    "hierarchical_bootstrap",
    "restrict_langs",
    "level_ci",
    "minimum_detectable_difference",
    "relative_change",
]
