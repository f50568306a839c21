"""Property tests of the batch strategies (every batch obeys it; α; determinism; uniformity)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hybridlib.train.samplers import BatchComposer
from hybridlib.train.strategy import Strategy, make_strategy

LANGS = ["de", "es", "zh", "ar"]


def _examples(n_groups=300, seed=0) -> pd.DataFrame:
    """Every group (question) has a query in each language and passages in de/es/zh."""
    rows = []
    for g in range(n_groups):
        for q in LANGS:
            for p in ("de", "es", "zh"):
                rows.append(dict(group=g, q_lang=q, p_lang=p, passage_key=f"{p}:{g}", source="mlqa"))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name,alpha", [("x-x-mono", None), ("x-y", None), ("hybrid", 0.5), ("hybrid", 0.2)])
def test_every_batch_obeys_its_strategy(name, alpha):
    ex = _examples()
    comp = BatchComposer(ex, make_strategy(name, alpha), batch_size=16, seed=1)
    for batch, is_mono in comp.batches_with_kind(200):
        b = ex.iloc[batch]
        assert len(b) == 16
        assert b.passage_key.is_unique and b.group.is_unique, "no duplicate passage or parallel question in a batch"
        if is_mono:
            assert (b.q_lang == b.p_lang).all() and b.q_lang.nunique() == 1, "a mono batch is one language"
        else:
            assert (b.q_lang != b.p_lang).all(), "an X-Y batch has query language != passage language"
        if name == "x-x-mono":
            assert is_mono
        if name == "x-y":
            assert not is_mono


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.75])
def test_share_of_mono_batches_within_binomial_interval(alpha):
    comp = BatchComposer(_examples(), make_strategy("hybrid", alpha), batch_size=8, seed=3)
    n = 2000
    k = sum(m for _, m in comp.batches_with_kind(n))
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, alpha)
    assert lo <= k <= hi, f"{k}/{n} monolingual batches is outside the 99.9% binomial interval of α={alpha}"


def test_same_seed_same_batches_other_seed_differs():
    ex = _examples()
    a = BatchComposer(ex, make_strategy("hybrid"), 8, seed=7).batches(50)
    b = BatchComposer(ex, make_strategy("hybrid"), 8, seed=7).batches(50)
    c = BatchComposer(ex, make_strategy("hybrid"), 8, seed=8).batches(50)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    e1 = BatchComposer(ex, make_strategy("hybrid"), 8, seed=7).batches(50, epoch=1)
    assert not all(np.array_equal(x, y) for x, y in zip(a, e1)), "a new epoch reshuffles"


def test_language_draws_are_uniform():
    ex = _examples()
    mono = BatchComposer(ex, make_strategy("x-x-mono"), 8, seed=0)
    langs = [ex.q_lang.iloc[b[0]] for b in mono.batches(1500)]
    counts = pd.Series(langs).value_counts().reindex(["de", "es", "zh"]).to_numpy()
    assert stats.chisquare(counts).pvalue > 0.001, f"X-X-mono batch languages not uniform: {counts}"
    xy = BatchComposer(ex, make_strategy("x-y"), 8, seed=0)
    pairs = pd.Series([tuple(r) for b in xy.batches(600) for r in ex.iloc[b][["q_lang", "p_lang"]].to_numpy()])
    counts = pairs.value_counts().to_numpy()
    assert len(counts) == 9 and stats.chisquare(counts).pvalue > 0.001, "X-Y language pairs not uniform"


def test_sources_in_proportion_to_size():
    ex = pd.concat(
        [_examples(300).assign(source="big"), _examples(100).assign(source="small", group=lambda d: d.group + 10_000)]
    )
    comp = BatchComposer(ex, make_strategy("hybrid"), 8, seed=0)
    share = np.mean([ex.source.iloc[b[0]] == "big" for b in comp.batches(2000)])
    assert abs(share - 0.75) < 0.04, f"big source holds 75% of examples but got {share:.3f} of batches"
    weighted = BatchComposer(ex, make_strategy("hybrid"), 8, seed=0, source_weights={"big": 1, "small": 1})
    share = np.mean([ex.source.iloc[b[0]] == "big" for b in weighted.batches(2000)])
    assert abs(share - 0.5) < 0.04


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_alpha_outside_unit_interval_is_an_error(alpha):
    with pytest.raises(ValueError, match="alpha must lie in"):
        Strategy("hybrid", alpha)


def test_unknown_strategy_and_impossible_pools():
    with pytest.raises(ValueError, match="unknown strategy"):
        make_strategy("zigzag")
    ex = _examples()
    with pytest.raises(ValueError, match="needs monolingual pairs"):
        BatchComposer(ex[ex.q_lang != ex.p_lang], make_strategy("x-x-mono"), 8)


def test_validation_batches_shrink_to_what_the_pool_can_fill():
    from hybridlib.train.samplers import validation_batches

    ex = _examples(n_groups=20)  # 20 distinct questions: a batch of 64 cannot be filled
    batches = validation_batches(ex, 64)
    assert batches and len(batches[0]) == 16, "falls back to the largest halving that fits (64 -> 32 -> 16)"
    again = validation_batches(ex, 64)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again)), "validation batches are fixed"


def test_halved_validation_batches_survive_sharding_across_ranks():
    """Under torchrun, accelerate's BatchSamplerShard keeps only batches of the sampler's
    ``batch_size``: the fixed validation sampler must report the size its batches really have."""
    from accelerate.data_loader import BatchSamplerShard
    from datasets import Dataset

    from hybridlib.train.samplers import FixedBatchSampler, validation_batches

    ex = _examples(n_groups=20)
    batches = validation_batches(ex, 64)  # halved to 16
    sampler = FixedBatchSampler(
        Dataset.from_dict({"i": list(range(len(ex)))}), batch_size=64, drop_last=True, batches=batches
    )
    shards = [list(BatchSamplerShard(sampler, num_processes=2, process_index=r)) for r in (0, 1)]
    assert all(shards), "each rank gets validation batches (else the trainer finds no eval_loss)"
    assert sum(map(len, shards)) == len(batches) - len(batches) % 2, "the batches are dealt, none lost but a remainder"


def test_x_x_mixed_batches_are_monolingual_pairs_in_mixed_languages():
    ex = _examples()
    comp = BatchComposer(ex, make_strategy("x-x-mixed"), batch_size=16, seed=2)
    n_langs = []
    for batch, is_mono in comp.batches_with_kind(300):
        b = ex.iloc[batch]
        assert (b.q_lang == b.p_lang).all(), "X-X (mixed) trains on monolingual pairs only"
        assert b.passage_key.is_unique and b.group.is_unique, "no duplicate passage or parallel question in a batch"
        assert not is_mono, "a mixed batch is not counted as a one-language batch"
        n_langs.append(b.q_lang.nunique())
    assert np.mean(n_langs) > 2.5, f"batches should mix the 3 monolingual languages, mean {np.mean(n_langs):.2f}"
    langs = pd.Series([ex.q_lang.iloc[i] for b, _ in comp.batches_with_kind(300) for i in b]).value_counts()
    assert stats.chisquare(langs.to_numpy()).pvalue > 0.001, f"X-X (mixed) languages not uniform: {langs.to_dict()}"


def test_x_x_mixed_needs_monolingual_pairs():
    cross_only = _examples(50)
    cross_only = cross_only[cross_only.q_lang != cross_only.p_lang]
    with pytest.raises(ValueError, match="X-X \\(mixed\\) needs 16 distinct monolingual pairs"):
        BatchComposer(cross_only, make_strategy("x-x-mixed"), batch_size=16)
