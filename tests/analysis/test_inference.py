"""The two-level bootstrap and the verdicts, against planted truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybridlib.analysis.inference import hierarchical_bootstrap, macro_mean, sample_from
from hybridlib.analysis.scorecard import _verdict
from hybridlib.analysis.stats import holm


def _runs(effect: float, n_q: int = 300, langs=("en", "de", "ar"), seeds: int = 5, rng=None, cluster_sd=0.3):
    """Per-seed Series for A (= B + effect) and B; parallel questions share a cluster effect."""
    rng = rng or np.random.default_rng(0)
    q_effect = rng.normal(0, cluster_sd, n_q)  # shared by a question's language versions
    ids = [f"{lang}/q{i}" for lang in langs for i in range(n_q)]
    base = np.concatenate([q_effect for _ in langs])

    def runs(shift):
        return [
            pd.Series(0.5 + shift + base + rng.normal(0, 0.02) + rng.normal(0, 0.1, len(ids)), index=ids)
            for _ in range(seeds)
        ]

    return sample_from(runs(effect)), sample_from(runs(0.0))


def test_macro_mean_weights_languages_equally():
    v = np.array([1.0, 1.0, 1.0, 0.0])
    assert macro_mean(v, np.array(["en", "en", "en", "de"])) == 0.5


def test_macro_mean_skips_nan_as_pandas_groupby_does():
    v = np.array([1.0, np.nan, 0.5, np.nan, 0.0])
    langs = np.array(["en", "en", "de", "ar", "sw"])
    expected = pd.DataFrame({"v": v, "l": langs}).groupby("l")["v"].mean().mean()
    assert macro_mean(v, langs) == pytest.approx(expected), "a NaN value, and a language of NaNs only, are skipped"


def test_reused_cluster_weights_give_the_draws_of_a_fresh_generator():
    from hybridlib.analysis import inference

    a, b = _runs(0.01, n_q=50, seeds=3)
    inference._cluster_draws.cache_clear()
    fresh = hierarchical_bootstrap(a, b, n_boot=300, seed=7)
    hierarchical_bootstrap(b, a, n_boot=300, seed=3)  # another seed in between
    again = hierarchical_bootstrap(a, b, n_boot=300, seed=7)
    assert inference._cluster_draws.cache_info().hits >= 1, "the second call reuses the weights"
    np.testing.assert_array_equal(fresh.draws, again.draws, err_msg="reuse must not change the random stream")
    w, rng = inference._cluster_weights(7, 50, 300, True)
    direct = np.random.default_rng(7)
    np.testing.assert_array_equal(w, direct.multinomial(50, np.full(50, 1 / 50), size=300))
    assert rng.integers(1 << 30) == direct.integers(1 << 30), "the generator continues where the weights left it"


def test_planted_effect_is_found_and_covered():
    a, b = _runs(0.05)
    d = hierarchical_bootstrap(a, b, n_boot=1000)
    assert d.low > 0 and d.p_two_sided < 0.01, "an effect far above the noise is significant"
    assert d.low < 0.05 < d.high, "the CI covers the planted effect"
    assert _verdict(0.04, d.low, d.high) == "reproduced" and _verdict(-0.04, d.low, d.high) == "reversed"


def test_null_effect_is_not_significant():
    a, b = _runs(0.0, rng=np.random.default_rng(3))
    d = hierarchical_bootstrap(a, b, n_boot=1000)
    assert d.low < 0 < d.high and d.p_two_sided > 0.05
    assert _verdict(0.04, d.low, d.high) in ("same sign, n.s.", "opposite sign, n.s.")


def test_clustering_widens_the_interval():
    """Parallel questions are not independent: resampling clusters gives a wider CI than treating
    every (language, question) query as its own unit."""
    a, b = _runs(0.0, rng=np.random.default_rng(1), cluster_sd=0.0, seeds=1)
    # differences that share a question-level component between A and B's versions
    rng = np.random.default_rng(2)
    shared = rng.normal(0, 0.2, 300)
    a = a.__class__(a.values + np.tile(shared, 3)[None, :], a.langs, a.clusters, a.query_ids)
    clustered = hierarchical_bootstrap(a, b, n_boot=2000)
    flat = a.__class__(a.values, a.langs, a.query_ids, a.query_ids)  # every query its own cluster
    flat_b = b.__class__(b.values, b.langs, b.query_ids, b.query_ids)
    unclustered = hierarchical_bootstrap(flat, flat_b, n_boot=2000)
    assert (clustered.high - clustered.low) > 1.3 * (unclustered.high - unclustered.low)


def test_seed_variance_widens_the_interval():
    a, b = _runs(0.0, rng=np.random.default_rng(4))
    noisy = a.__class__(
        a.values + np.array([[-0.05], [0.05], [-0.04], [0.04], [0.0]]), a.langs, a.clusters, a.query_ids
    )
    with_seeds = hierarchical_bootstrap(noisy, b, n_boot=2000)
    without = hierarchical_bootstrap(noisy, b, n_boot=2000, resample_seeds=False)
    assert (with_seeds.high - with_seeds.low) > 1.5 * (without.high - without.low)


def test_holm():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])


def test_minimum_detectable_difference_matches_the_textbook():
    from hybridlib.analysis.inference import minimum_detectable_difference

    d = np.random.default_rng(0).normal(0, 0.2, 100)
    assert minimum_detectable_difference(d) == pytest.approx(2.8016 * d.std(ddof=1) / 10, rel=1e-3)


def test_power_by_language_detects_its_own_mdd_80_percent_of_the_time():
    """Plant a macro effect equal to the reported macro MDD: a two-sided z-test on the macro mean
    must reject in ~80% of simulated evaluations (per-language sd and query counts differ)."""
    from scipy.stats import norm

    from hybridlib.analysis.inference import Sample, power_by_language

    rng = np.random.default_rng(0)
    sizes, sds = {"bn": 300, "sw": 1200, "yo": 500}, {"bn": 0.3, "sw": 0.2, "yo": 0.4}
    langs = np.concatenate([[lang] * n for lang, n in sizes.items()])
    ids = np.array([f"{lang}/{i}" for i, lang in enumerate(langs)])
    sd_of = np.array([sds[lang] for lang in langs])

    def sample(values):
        return Sample(values[None, :], langs, ids, ids)

    zero = sample(np.zeros(len(ids)))
    table = power_by_language(sample(rng.normal(0, sd_of)), zero)
    assert table.loc["sw", "queries"] == 1200 and table.loc["macro", "queries"] == 2000
    mdd = table.loc["macro", "MDD"]
    se = np.sqrt(sum(sds[g] ** 2 / n for g, n in sizes.items())) / 3
    assert mdd == pytest.approx((norm.ppf(0.975) + norm.ppf(0.8)) * se, rel=0.05)
    hits = 0
    for _ in range(600):
        d = rng.normal(mdd, sd_of)
        est = macro_mean(d, langs)
        hits += abs(est / se) > norm.ppf(0.975)
    assert 0.74 < hits / 600 < 0.86, f"power at the MDD is {hits / 600:.2f}, expected ~0.80"


def test_pooled_task_queries_are_their_own_clusters():
    """MIRACL ids repeat across languages (sw/12, yo/12): they must not be resampled as one question."""
    from hybridlib.analysis.scorecard import clusters_for

    ids = ["sw/1", "sw/2", "yo/1", "yo/2"]
    per_seed = [pd.Series([0.1, 0.2, 0.3, 0.4], index=ids)]
    assert len(np.unique(sample_from(per_seed).clusters)) == 2, "the LAReQA rule merges parallel ids"
    for ds in ("miracl", "miracl-hard", "afriqa"):
        s = sample_from(per_seed, clusters_of=clusters_for(ds))
        assert len(np.unique(s.clusters)) == 4, f"{ds}: every query its own cluster"
    assert clusters_for("xquad-r") is None, "XQuAD-R keeps the parallel-question clusters"


def _seed_world(rng, seeds: int, seed_sd: float = 0.03, n_q: int = 60):
    """A and B with the same truth; the seed level dominates (per-seed shifts ~ N(0, seed_sd))."""
    ids = [f"{lang}/q{i}" for lang in ("en", "de") for i in range(n_q)]

    def runs():
        return [
            pd.Series(0.5 + rng.normal(0, seed_sd) + rng.normal(0, 0.05, len(ids)), index=ids) for _ in range(seeds)
        ]

    return sample_from(runs()), sample_from(runs())


@pytest.mark.parametrize("seeds,plain_low", [(3, 0.70), (5, 0.82)])
def test_small_sample_correction_brings_seed_level_coverage_near_95(seeds, plain_low):
    """Planted worlds with no effect and seed-dominated noise: the plain bootstrap over 3 seeds
    under-covers (~85 %); the corrected seed level covers about 95 % (normal quantiles keep it a bit
    below at 3 seeds: a t with 2-4 df has heavier tails)."""
    rng = np.random.default_rng(11)
    n = 200
    plain = corrected = 0
    for k in range(n):
        a, b = _seed_world(rng, seeds)
        d = hierarchical_bootstrap(a, b, n_boot=400, seed=k)  # corrected (the default)
        corrected += d.low <= 0 <= d.high
        lo, hi = np.quantile(d.draws_plain, [0.025, 0.975])  # the same resamples, uncorrected
        plain += lo <= 0 <= hi
    assert plain_low <= plain / n < 0.93, f"plain coverage {plain}/{n} at {seeds} seeds"
    assert corrected > plain and 0.88 <= corrected / n <= 0.99, f"corrected coverage {corrected}/{n} at {seeds} seeds"


def test_leave_one_seed_out_names_the_run_that_moves_the_estimate():
    from hybridlib.analysis.inference import leave_one_seed_out

    a, b = _runs(0.02, seeds=3, rng=np.random.default_rng(2))
    a = type(a)(a.values.copy(), a.langs, a.clusters, a.query_ids)
    a.values[1] -= 0.05  # seed 1 of A early-stopped, far below its others
    rows = pd.DataFrame(leave_one_seed_out(a, b, [0, 1, 2], [0, 1, 2], n_boot=300))
    assert len(rows) == 6, "each of the six runs left out once"
    top = rows.iloc[(rows.estimate - (a.estimate() - b.estimate())).abs().argmax()]
    assert top["left out"] == "A seed 1", rows


def test_corrected_draws_widen_only_the_seed_level_and_keep_the_plain_ones():
    a, b = _runs(0.01, seeds=3, rng=np.random.default_rng(4))
    d = hierarchical_bootstrap(a, b, n_boot=500, seed=3)
    plain = hierarchical_bootstrap(a, b, n_boot=500, seed=3, small_sample=False)
    np.testing.assert_allclose(d.draws_plain, plain.draws, err_msg="the same resamples, uncorrected")
    assert d.draws.std() > plain.draws.std(), "the corrected seed level is wider"
    one = hierarchical_bootstrap(a, b, n_boot=500, seed=3, resample_seeds=False)
    np.testing.assert_allclose(one.draws, one.draws_plain, err_msg="no seed level resampled: nothing to correct")
