"""Batch composition: X-X-mono, X-Y and Hybrid(α) — the paper's contribution, as a sampler.

A training example is a (query, passage) pair with its languages, a group id (the question id:
parallel versions of one question share it), a passage key (identical passage text = same key)
and a source name. A *strategy* decides, batch by batch, which examples may share a batch:

- **X-X-mono** (α = 1): every batch is one language, query and passage alike; the batch language is
  drawn uniformly over the training languages that have monolingual pairs (as in LAReQA).
- **X-Y** (α = 0): every pair has query language ≠ passage language; the (query, passage) language
  pair is drawn uniformly per example.
- **Hybrid(α)**: each batch is X-X-mono with probability α, else X-Y (paper: α = 0.5).
- **X-X (mixed)** (a baseline the paper lacks; LAReQA's "X-X"): every pair is monolingual, but a
  batch draws its pairs from every language at once, language uniform per example, so in-batch
  negatives come in several languages (ordinary multilingual contrastive training).

Within a batch no passage key and no group id repeats: an identical or parallel passage would be a
false in-batch negative. With several sources, a batch's source is drawn in proportion to its
number of examples (the paper's "sampled based on dataset size") unless weights are given.
Everything is deterministic for a seed (and epoch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sentence_transformers.base.sampler import DefaultBatchSampler

from hybridlib.train.strategy import MIXED, Strategy, make_strategy

EXAMPLE_COLUMNS = ("group", "q_lang", "p_lang", "passage_key", "source")


def validation_batches(examples: pd.DataFrame, batch_size: int, seed: int = 12345) -> list[np.ndarray]:
    """Fixed Hybrid(0.5) batches for a validation loss that is the same whatever strategy is trained.

    Uses ``batch_size`` when the validation pool can fill monolingual batches of that size, else the
    largest halving of it that can (a small held-out set has few same-language pairs per language).
    A pool that cannot fill Hybrid batches of 4 (e.g. mostly cross-lingual pairs) falls back to X-Y
    batches, then to X-X-mono ones: still the same batches for every strategy.
    """
    for strategy in ("hybrid", "x-y", "x-x-mono"):
        size = batch_size
        while size >= 4 or size == batch_size:
            try:
                comp = BatchComposer(examples, make_strategy(strategy, 0.5), size, seed)
                return comp.batches(max(1, len(examples) // size))
            except ValueError:
                size //= 2
    raise ValueError(f"cannot compose validation batches of 4 or more from {len(examples)} held-out examples")


class BatchComposer:
    """Draws batches of example indices that obey a strategy."""

    def __init__(
        self,
        examples: pd.DataFrame,
        strategy: Strategy,
        batch_size: int,
        seed: int = 0,
        source_weights: dict[str, float] | None = None,
    ):
        missing = [c for c in EXAMPLE_COLUMNS if c not in examples.columns]
        if missing:
            raise ValueError(f"training examples lack columns {missing}")
        if batch_size < 2:
            raise ValueError("in-batch negatives need batch_size >= 2")
        self.examples = examples.reset_index(drop=True)
        self.strategy, self.batch_size, self.seed = strategy, batch_size, seed
        mono = (self.examples.q_lang == self.examples.p_lang).to_numpy()
        self._pools: dict[str, dict] = {}
        for source, df in self.examples.groupby("source", sort=True):
            idx = df.index.to_numpy()
            m = mono[idx]
            # a language whose pairs cannot fill one batch with distinct questions takes no mono batches
            mono_by_lang = {
                lang: g.index.to_numpy()
                for lang, g in df[m].groupby("q_lang", sort=True)
                if min(g.group.nunique(), g.passage_key.nunique()) >= batch_size
            }
            cross_by_pair = {pair: g.index.to_numpy() for pair, g in df[~m].groupby(["q_lang", "p_lang"], sort=True)}
            if df[~m].group.nunique() < batch_size:
                cross_by_pair = {}
            mono_any = {lang: g.index.to_numpy() for lang, g in df[m].groupby("q_lang", sort=True)}
            if df[m].group.nunique() < batch_size or df[m].passage_key.nunique() < batch_size:
                mono_any = {}
            pool = {"n": len(df), "mono": mono_by_lang, "cross": cross_by_pair, "mono_any": mono_any}
            self._pools[source] = pool
        if strategy.name == MIXED:
            if not any(p["mono_any"] for p in self._pools.values()):
                raise ValueError(f"{strategy.label} needs {batch_size} distinct monolingual pairs; there are not")
        elif strategy.alpha > 0 and not any(p["mono"] for p in self._pools.values()):
            raise ValueError(f"{strategy.label} needs monolingual pairs; no language has {batch_size} distinct ones")
        if strategy.alpha < 1 and not any(p["cross"] for p in self._pools.values()):
            raise ValueError(f"{strategy.label} needs cross-lingual pairs; there are not {batch_size} distinct ones")
        sources = sorted(self._pools)
        w = np.array([source_weights.get(s, 0.0) if source_weights else self._pools[s]["n"] for s in sources], float)
        if w.sum() <= 0:
            raise ValueError(f"source weights must be positive for at least one of {sources}")
        self._sources, self._source_p = sources, w / w.sum()
        self._group = self.examples.group.to_numpy()
        self._pkey = self.examples.passage_key.to_numpy()

    def _fill(self, rng: np.random.Generator, draw) -> np.ndarray:
        """Draw candidates with ``draw()`` until the batch is full of distinct groups and passages."""
        chosen, groups, keys = [], set(), set()
        tries = 0
        while len(chosen) < self.batch_size:
            i = draw()
            tries += 1
            if self._group[i] in groups or self._pkey[i] in keys:
                if tries > 50 * self.batch_size:
                    raise ValueError("cannot fill a batch with distinct passages: batch_size too large for the pool")
                continue
            chosen.append(i)
            groups.add(self._group[i])
            keys.add(self._pkey[i])
        return np.array(chosen, dtype=np.int64)

    def batch(self, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
        """One batch and whether it is monolingual (one language throughout; X-X (mixed) batches are not)."""
        pool = self._pools[self._sources[rng.choice(len(self._sources), p=self._source_p)]]
        if self.strategy.name == MIXED:
            by_lang = pool["mono_any"] or next(p["mono_any"] for p in self._pools.values() if p["mono_any"])
            langs = sorted(by_lang)

            def draw_mixed():
                ids = by_lang[langs[rng.integers(len(langs))]]
                return ids[rng.integers(len(ids))]

            return self._fill(rng, draw_mixed), False
        want_mono = rng.random() < self.strategy.alpha
        if want_mono and not pool["mono"]:
            want_mono = False
        if not want_mono and not pool["cross"]:
            want_mono = True
        if want_mono:
            langs = sorted(pool["mono"])
            ids = pool["mono"][langs[rng.integers(len(langs))]]
            return self._fill(rng, lambda: ids[rng.integers(len(ids))]), True
        pairs = sorted(pool["cross"])

        def draw():
            ids = pool["cross"][pairs[rng.integers(len(pairs))]]
            return ids[rng.integers(len(ids))]

        return self._fill(rng, draw), False

    def batches(self, n: int, epoch: int = 0) -> list[np.ndarray]:
        """``n`` batches, deterministic for (seed, epoch)."""
        rng = np.random.default_rng([self.seed, epoch])
        return [self.batch(rng)[0] for _ in range(n)]

    def batches_with_kind(self, n: int, epoch: int = 0) -> list[tuple[np.ndarray, bool]]:
        rng = np.random.default_rng([self.seed, epoch])
        return [self.batch(rng) for _ in range(n)]


class StrategyBatchSampler(DefaultBatchSampler):
    """Batches of a :class:`BatchComposer`; the trainer calls it with its usual arguments.

    ``examples`` holds the metadata (group, languages, passage key, source) aligned row by row with
    the text dataset the trainer sees (inside a subclass the dataset is ``self.sampler``).
    """

    def __init__(
        self,
        dataset,
        *args,
        examples: pd.DataFrame,
        strategy: Strategy,
        n_batches: int,
        sampler_seed: int | None = None,
        **kwargs,
    ):
        super().__init__(dataset, *args, **kwargs)  # the trainer's own arguments, untouched
        if len(examples) != len(dataset):
            raise ValueError(f"examples ({len(examples)}) and dataset ({len(dataset)}) are not aligned")
        seed = self.seed if sampler_seed is None else sampler_seed
        self.composer = BatchComposer(examples, strategy, self.batch_size, seed)
        self.n_batches = n_batches

    def __iter__(self):
        for batch in self.composer.batches(self.n_batches, epoch=self.epoch):
            yield batch.tolist()

    def __len__(self) -> int:
        return self.n_batches


class FixedBatchSampler(DefaultBatchSampler):
    """A fixed list of batches (the validation batches of :func:`validation_batches`)."""

    def __init__(self, dataset, *args, batches: list, **kwargs):
        super().__init__(dataset, *args, **kwargs)
        self.fixed = [b.tolist() for b in batches]
        sizes = {len(b) for b in self.fixed}
        if len(sizes) == 1:  # the size the batches really have (validation may halve it): under torchrun,
            self.batch_size = sizes.pop()  # accelerate's BatchSamplerShard drops batches of any other size

    def __iter__(self):
        yield from self.fixed

    def __len__(self) -> int:
        return len(self.fixed)


@dataclass
class SamplerFactory:
    """The ``batch_sampler=`` callable (picklable: the trainer saves its arguments): the strategy
    for the training set; for the validation set fixed Hybrid(0.5) batches (seed 12345), the same
    whatever strategy is trained."""

    train: pd.DataFrame
    val: pd.DataFrame
    strategy: Strategy
    steps: int
    batch_size: int

    def __call__(self, dataset, **kw) -> StrategyBatchSampler:
        if len(dataset) == len(self.train):
            return StrategyBatchSampler(
                dataset, examples=self.train, strategy=self.strategy, n_batches=self.steps, **kw
            )
        return FixedBatchSampler(dataset, batches=validation_batches(self.val, self.batch_size), **kw)
