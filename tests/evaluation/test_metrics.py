"""Metrics against brute-force definitions and against ir_measures / pytrec_eval, ties included."""

from __future__ import annotations

import ir_measures
import numpy as np
import pandas as pd
import pytest
from ir_measures import AP, RR, R, nDCG

from hybridlib.evaluation import metrics


def _random_case(seed: int, n_q=30, n_c=60, max_rel=4, tie_levels=None):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_q, n_c))
    if tie_levels:  # coarse scores => many ties
        scores = np.round(scores * tie_levels) / tie_levels
    rel = np.full((n_q, max_rel), -1)
    for i in range(n_q):
        k = rng.integers(1, max_rel + 1)
        rel[i, :k] = rng.choice(n_c, size=k, replace=False)
    return scores, rel


def _brute_ranks(scores, rel):
    """Sort every candidate: score descending, non-relevant before relevant on ties, then index."""
    out = np.zeros(rel.shape, dtype=int)
    for i in range(len(scores)):
        r = [c for c in rel[i] if c >= 0]
        is_rel = np.isin(np.arange(scores.shape[1]), r)
        order = sorted(
            range(scores.shape[1]), key=lambda c: (-scores[i, c], is_rel[c], list(rel[i]).index(c) if is_rel[c] else 0)
        )
        out[i, : len(r)] = sorted(order.index(c) + 1 for c in r)
    return out


@pytest.mark.parametrize("ties", [None, 2])
def test_ranks_match_brute_force(ties):
    scores, rel = _random_case(0, tie_levels=ties)
    np.testing.assert_array_equal(metrics.ranks_from_scores(scores, rel), _brute_ranks(scores, rel))


def _trec_run(scores, rel):
    """qrels / run frames whose docids make trec_eval break ties exactly like our convention.

    trec_eval orders equal scores by docno *descending*; relevant docs get docnos that sort
    before non-relevant ones ('a…' < 'b…'), so they come last among ties (pessimistic), and among
    tied relevant docs the earlier position in ``rel`` gets the larger docno.
    """
    qrels, run = [], []
    for i in range(len(scores)):
        r = [c for c in rel[i] if c >= 0]
        name = {c: f"a{len(r) - j:03d}" for j, c in enumerate(r)}
        for c in range(scores.shape[1]):
            doc = name.get(c, f"b{c:04d}")
            run.append((f"q{i}", doc, float(scores[i, c])))
            if c in name:
                qrels.append((f"q{i}", doc, 1))
    return (
        pd.DataFrame(qrels, columns=["query_id", "doc_id", "relevance"]),
        pd.DataFrame(run, columns=["query_id", "doc_id", "score"]),
    )


@pytest.mark.parametrize("ties", [None, 2])
def test_metrics_equal_trec_eval(ties):
    scores, rel = _random_case(1, n_c=150, tie_levels=ties)
    ranks = metrics.ranks_from_scores(scores, rel)
    qrels, run = _trec_run(scores, rel)
    measures = {
        "mAP": AP,
        "mAP@20": AP @ 20,
        "R@1": R @ 1,
        "R@10": R @ 10,
        "R@100": R @ 100,
        "nDCG@10": nDCG @ 10,
        "MRR": RR,
    }
    ref = {(m.query_id, str(m.measure)): m.value for m in ir_measures.iter_calc(list(measures.values()), qrels, run)}
    ours = metrics.per_query(ranks, list(measures))
    for name, measure in measures.items():
        expected = np.array([ref[(f"q{i}", str(measure))] for i in range(len(scores))])
        np.testing.assert_allclose(ours[name], expected, atol=1e-9, err_msg=f"{name} differs from trec_eval {measure}")


def test_rank_distance_definition():
    ranks = np.array([[1, 2, 0], [3, 9, 40], [5, 0, 0]])
    np.testing.assert_array_equal(metrics.rank_distance(ranks), [1, 37, 0])


def test_dense_ranks_blocking_matches_single_block():
    rng = np.random.default_rng(3)
    q, c = rng.normal(size=(70, 8)).astype(np.float32), rng.normal(size=(90, 8)).astype(np.float32)
    rel = rng.integers(0, 90, size=(70, 2))
    a = metrics.ranks_dense(q, c, rel, block=16)
    b = metrics.ranks_from_scores(q @ c.T, rel)
    np.testing.assert_array_equal(a, b)


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="nope"):
        metrics.per_query(np.ones((1, 1), int), ["nope"])
