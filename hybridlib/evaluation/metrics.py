"""Retrieval metrics computed exactly from the ranks of each query's relevant items.

A relevant item's rank is 1 + the number of pool candidates scored strictly above it, plus the
non-relevant candidates that tie with it (ties are broken *against* the relevant item, the
pessimistic convention; with float embeddings ties arise only from duplicate texts), plus the
relevant items that tie with it and come earlier. No full sort is needed.

Every metric is defined per query from ``ranks`` (``(n_queries, max_rel)``, 1-based, 0 = padding)
and is tested against ``ir_measures`` / pytrec_eval (``tests/evaluation/test_metrics.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

MetricFn = Callable[[np.ndarray], np.ndarray]


MISSING = -2  # a judged positive absent from the corpus (see RetrievalTask.relevant_indices)
NEVER_RETRIEVED = 2**40  # its rank: contributes < 1e-12 to AP, nothing to R@k / nDCG@10 / RR, counts in |rel|


def ranks_from_scores(scores: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """1-based ranks of the relevant candidates.

    ``scores``: ``(n_queries, n_candidates)``; ``rel``: ``(n_queries, max_rel)`` candidate column
    indices, ``-1`` padded. Returns ``(n_queries, max_rel)`` int ranks (0 where padded), sorted
    ascending within each row.
    """
    missing = rel == MISSING
    rel = np.where(missing, -1, rel)
    valid = rel >= 0
    rows = np.arange(len(scores))[:, None]
    rel_scores = np.where(valid, scores[rows, np.where(valid, rel, 0)], np.inf)
    # candidates at or above each relevant score (a relevant item counts itself)
    at_or_above = (scores[:, :, None] >= rel_scores[:, None, :]).sum(1)
    # among relevant items: how many are at or above (to remove), and strictly above
    rel_ge = (rel_scores[:, :, None] >= rel_scores[:, None, :]) & valid[:, :, None]
    nonrel_at_or_above = at_or_above - rel_ge.sum(1)
    # order relevant items by score, ties by position: rank among relevant = position in that order
    order = np.argsort(-np.where(valid, rel_scores, -np.inf), axis=1, kind="stable")
    nonrel_sorted = np.take_along_axis(nonrel_at_or_above, order, 1)
    valid_sorted = np.take_along_axis(valid, order, 1)
    position = np.arange(1, rel.shape[1] + 1)[None, :]
    ranks = np.where(valid_sorted, nonrel_sorted + position, 0)
    if missing.any():  # judged positives not in the corpus: after everything, so they add ~0 and count in |rel|
        n_found = valid.sum(1, keepdims=True)
        slot = np.arange(rel.shape[1])[None, :]
        n_missing = missing.sum(1, keepdims=True)
        ranks = np.where((slot >= n_found) & (slot < n_found + n_missing), NEVER_RETRIEVED, ranks)
    return ranks.astype(np.int64)


def iter_score_blocks(q: np.ndarray, c: np.ndarray, block: int = 512) -> Iterator[tuple[slice, np.ndarray]]:
    """Cosine / inner-product scores in query blocks (bounded memory)."""
    for s in range(0, len(q), block):
        sl = slice(s, min(s + block, len(q)))
        yield sl, q[sl] @ c.T


def ranks_dense(q: np.ndarray, c: np.ndarray, rel: np.ndarray, block: int = 256) -> np.ndarray:
    """Ranks of relevant candidates under inner-product scoring of embeddings ``q`` and ``c``."""
    out = np.zeros(rel.shape, dtype=np.int64)
    for sl, s in iter_score_blocks(q.astype(np.float32), c.astype(np.float32), block):
        out[sl] = ranks_from_scores(s, rel[sl])
    return out


def _n_rel(ranks: np.ndarray) -> np.ndarray:
    return (ranks > 0).sum(1)


def average_precision(ranks: np.ndarray, k: int | None = None) -> np.ndarray:
    """AP over the full ranking (LAReQA's mAP), or AP@k; both divide by the number of relevant items.

    Equals trec_eval ``map`` (ir_measures ``AP``) and ``map_cut.k`` (``AP@k``). Note that
    sentence-transformers' evaluator divides MAP@k by min(k, |rel|) instead.
    """
    pos = np.arange(1, ranks.shape[1] + 1)[None, :]
    valid = ranks > 0
    if k is not None:
        valid = valid & (ranks <= k)
    prec = np.where(valid, pos / np.maximum(ranks, 1), 0.0)
    return prec.sum(1) / np.maximum(_n_rel(ranks), 1)


def recall_at(ranks: np.ndarray, k: int) -> np.ndarray:
    """Fraction of a query's relevant items in the top ``k``: trec_eval ``recall.k`` (ir_measures ``R@k``).

    R@1 is the paper's metric for the monolingual and cross-lingual settings (one gold item per
    query there, so R@1 = P@1 = success@1), R@10 for the multilingual setting.
    """
    return ((ranks > 0) & (ranks <= k)).sum(1) / np.maximum(_n_rel(ranks), 1)


def ndcg_at(ranks: np.ndarray, k: int = 10) -> np.ndarray:
    """Binary-gain nDCG@k: trec_eval ``ndcg_cut.k`` (ir_measures ``nDCG@k``) with relevance 0/1."""
    hit = (ranks > 0) & (ranks <= k)
    dcg = np.where(hit, 1.0 / np.log2(np.maximum(ranks, 1) + 1), 0.0).sum(1)
    ideal_n = np.minimum(_n_rel(ranks), k)
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    return dcg / np.maximum(discounts[ideal_n], 1e-12)


def reciprocal_rank(ranks: np.ndarray) -> np.ndarray:
    """1 / rank of the first relevant item: trec_eval ``recip_rank`` (ir_measures ``RR``)."""
    return 1.0 / np.maximum(ranks[:, 0], 1)


def rank_distance(ranks: np.ndarray) -> np.ndarray:
    """The paper's language-bias measure: highest minus lowest 1-based rank of a query's relevant items.

    Computed in the multilingual (pooled) setting, where a query's relevant items are its parallel
    answers in every language: 0 means all translations rank contiguously at the top... of each
    other (no language preference); large values mean some languages' answers are pushed down.
    """
    valid = ranks > 0
    hi = np.where(valid, ranks, 0).max(1)
    lo = np.where(valid, ranks, np.iinfo(np.int64).max).min(1)
    return np.where(valid.any(1), hi - lo, 0).astype(np.float64)


METRICS: dict[str, MetricFn] = {
    "mAP": average_precision,
    "mAP@20": lambda r: average_precision(r, 20),
    "R@1": lambda r: recall_at(r, 1),
    "R@10": lambda r: recall_at(r, 10),
    "R@100": lambda r: recall_at(r, 100),
    "nDCG@10": ndcg_at,
    "MRR": reciprocal_rank,
    "rank_distance": rank_distance,
}


def per_query(ranks: np.ndarray, names: list[str] | tuple[str, ...] = tuple(METRICS)) -> dict[str, np.ndarray]:
    """Every requested metric per query, from one rank array."""
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {list(METRICS)}")
    return {n: METRICS[n](ranks) for n in names}
