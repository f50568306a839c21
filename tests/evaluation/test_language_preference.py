"""LPR, Lang-nDCG@10, the top-1 decomposition and MRC on hand-built rankings with known values,
and Lang-nDCG against ir_measures / trec_eval on graded qrels."""

from __future__ import annotations

import ir_measures
import numpy as np
import pandas as pd
import pytest
from ir_measures import nDCG

from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation.language_preference import (
    TOP1_CLASSES,
    lang_ndcg,
    language_preference,
    preference_summary,
)


class FixedScores:
    """A scorer whose scores are given by hand: ``table[query text]`` = one score per candidate."""

    def __init__(self, table: dict[str, list[float]]):
        self.table = table

    def scores(self, queries: list[str], candidates: list[str]) -> np.ndarray:
        return np.array([self.table[q] for q in queries], dtype=np.float64)


def _task() -> RetrievalTask:
    """q1 asked in en and de (answers a1 in both); q2 asked in en only (answers in en and de)."""
    queries = pd.DataFrame(
        {
            "query_id": ["en/q1", "de/q1", "en/q2"],
            "qid": ["q1", "q1", "q2"],
            "lang": ["en", "de", "en"],
            "text": ["q1 en", "q1 de", "q2 en"],
        }
    )
    candidates = pd.DataFrame(
        {
            "doc_id": ["a1_en", "a1_de", "d_en", "d_de", "a2_en", "a2_de"],
            "lang": ["en", "de", "en", "de", "en", "de"],
            "text": ["a1 en", "a1 de", "d en", "d de", "a2 en", "a2 de"],
        }
    )
    qrels = pd.DataFrame(
        {
            "query_id": ["en/q1", "en/q1", "de/q1", "de/q1", "en/q2", "en/q2"],
            "doc_id": ["a1_en", "a1_de", "a1_en", "a1_de", "a2_en", "a2_de"],
            "relevance": 1,
        }
    )
    return RetrievalTask("toy", queries, candidates, qrels)


SCORES = {
    #         a1_en a1_de d_en d_de a2_en a2_de
    "q1 en": [0.9, 0.5, 0.7, 0.1, 0.0, -0.1],  # own answer first: LPR 1, top-1 right & query language
    "q1 de": [0.8, 0.3, 0.2, 0.9, -0.2, -0.3],  # distractor in de first: wrong & query language; LPR 0
    "q2 en": [0.0, 0.1, 0.2, 0.3, 0.6, 0.6],  # its two answers tie at the top: LPR 1/2
}


def test_hand_built_values():
    out = language_preference(FixedScores(SCORES), _task())
    assert list(out["query_id"]) == ["en/q1", "de/q1", "en/q2"]
    np.testing.assert_array_equal(out["LPR"], [1.0, 0.0, 0.5], err_msg="own-language answer above / below / tied")
    # top-1 classes: right & query language; wrong & query language (d_de); right (first of the tie: a2_en) & en
    np.testing.assert_array_equal(out["top1"], [0, 2, 0])
    # Lang-nDCG@10, by hand: gains 2 (own language) and 1 (other language), discount 1/log2(rank + 1)
    idcg = 2 + 1 / np.log2(3)
    expected = [(2 + 1 / np.log2(4)) / idcg, (1 / np.log2(3) + 2 / np.log2(4)) / idcg]
    np.testing.assert_allclose(out["Lang-nDCG@10"][:2], expected, err_msg="graded nDCG of the two q1 queries")
    # MRC: Spearman of the two q1 rankings over all 6 candidates (no ties), by the textbook formula
    a, b = np.array(SCORES["q1 en"]), np.array(SCORES["q1 de"])
    ra, rb = a.argsort().argsort(), b.argsort().argsort()
    rho = 1 - 6 * ((ra - rb) ** 2).sum() / (6 * (36 - 1))
    np.testing.assert_allclose(out["MRC"][:2], [rho, rho])
    assert np.isnan(out["MRC"][2]), "a question asked in one language has no parallel query: MRC undefined"
    np.testing.assert_array_equal(out["n_answers"], [2, 2, 2])


def test_summary_is_macro_over_query_languages():
    out = language_preference(FixedScores(SCORES), _task())
    s = preference_summary(out)
    assert s["LPR"] == pytest.approx(np.mean([np.mean([1.0, 0.5]), 0.0])), "en mean, de mean, then their mean"
    assert s["lpr_chance"] == pytest.approx(0.5), "two parallel answers: a language-blind retriever scores 1/2"
    shares = s["top1"]
    assert set(shares) == set(TOP1_CLASSES)
    assert shares["right, query language"] == pytest.approx(0.5)  # en 2/2 = 1, de 0/1 = 0
    assert shares["wrong, query language"] == pytest.approx(0.5)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_language_preference_block_boundaries_do_not_change_values():
    small = language_preference(FixedScores(SCORES), _task(), block=1)
    big = language_preference(FixedScores(SCORES), _task(), block=512)
    for k in ("LPR", "Lang-nDCG@10", "MRC", "top1"):
        np.testing.assert_array_equal(small[k], big[k], err_msg=f"{k} depends on the block size")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lang_ndcg_equals_trec_eval_ndcg_cut_10_on_graded_qrels(seed):
    rng = np.random.default_rng(seed)
    n_q, n_c = 12, 40
    scores = rng.normal(size=(n_q, n_c))
    gains = np.zeros((n_q, n_c))
    rel = np.full((n_q, 5), -1)
    for i in range(n_q):
        r = rng.choice(n_c, size=rng.integers(1, 6), replace=False)
        rel[i, : len(r)] = r
        gains[i, r] = 1.0
        gains[i, r[0]] = 2.0
    ours = lang_ndcg(scores, rel, np.take_along_axis(gains, np.where(rel >= 0, rel, 0), 1), 10)
    qrels = [
        ir_measures.Qrel(f"q{i}", f"d{j}", int(gains[i, j])) for i in range(n_q) for j in range(n_c) if gains[i, j]
    ]
    run = [ir_measures.ScoredDoc(f"q{i}", f"d{j}", float(scores[i, j])) for i in range(n_q) for j in range(n_c)]
    theirs = {m.query_id: m.value for m in ir_measures.iter_calc([nDCG @ 10], qrels, run)}
    np.testing.assert_allclose(ours, [theirs[f"q{i}"] for i in range(n_q)], atol=1e-6)


def test_needs_parallel_question_ids():
    t = _task()
    t2 = RetrievalTask(
        "noqid", t.queries.drop(columns="qid"), t.candidates, t.qrels[["query_id", "doc_id", "relevance"]]
    )
    with pytest.raises(ValueError, match="qid"):
        language_preference(FixedScores(SCORES), t2)


def test_mrc_equals_scipy_spearman_with_ties():
    """Coarse scores (many ties, as BM25's zeros) must give scipy's tie-corrected Spearman rho."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    coarse = {k: list(np.round(rng.normal(size=6), 0)) for k in SCORES}
    out = language_preference(FixedScores(coarse), _task())
    rho = spearmanr(coarse["q1 en"], coarse["q1 de"]).statistic
    np.testing.assert_allclose(out["MRC"][:2], [rho, rho], err_msg="average ranks on ties")
