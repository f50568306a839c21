"""The evaluation engine on real task structure with oracle and adversarial scorers, and BM25."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.data import RetrievalTask, load_lareqa
from hybridlib.evaluation.bm25 import BM25Scorer, tokenize
from hybridlib.evaluation.scoring import DenseScorer, evaluate_lareqa, evaluate_pooled, pooled_table


def _oracle_embeddings(task: RetrievalTask, noise: float = 0.0, seed: int = 0):
    """Queries and their gold sentences share a one-hot direction per question id."""
    rng = np.random.default_rng(seed)
    qids = {q: i for i, q in enumerate(pd.unique(task.queries.qid))}
    dim = len(qids) + 8
    q = np.zeros((len(task.queries), dim), np.float32)
    q[np.arange(len(q)), task.queries.qid.map(qids).to_numpy()] = 1
    c = rng.normal(scale=0.01, size=(len(task.candidates), dim)).astype(np.float32)
    gold = task.qrels.merge(task.queries[["query_id", "qid"]], on="query_id").drop_duplicates(["doc_id", "qid"])
    rows = pd.Index(task.candidates.doc_id).get_indexer(gold.doc_id)
    np.add.at(c, (rows, gold.qid.map(qids).to_numpy()), 1.0)  # a sentence may answer several questions
    c += rng.normal(scale=noise, size=c.shape).astype(np.float32)
    return q, c


def test_oracle_scores_perfectly():
    t = load_lareqa("mlqa-r", ["en", "de", "es"]).shrink(40, 200)
    q, c = _oracle_embeddings(t)
    res = evaluate_lareqa(DenseScorer.for_task(t, q, c), t)
    s = res.summary()
    for k in ("Mo_mAP", "Mo_R@1", "Cr_mAP", "Cr_R@1", "Mul_mAP"):
        assert s[k] == 1.0, f"an oracle must score 1 on {k}, got {s[k]}"
    # rank distance of an oracle = number of relevant items - 1, averaged
    n_rel = t.qrels.groupby("query_id").size()
    assert np.isclose(s["RD"], np.mean([np.mean(n_rel[res.multi[x].query_ids] - 1) for x in res.langs]))
    assert len(res.cross) == 6 and res.cross_matrix().shape == (3, 3)


def test_monolingual_bias_shows_in_rank_distance():
    """Boost same-language candidates: Mo stays perfect, Mul rank distance grows."""
    t = load_lareqa("xquad-r", ["en", "de"]).shrink(30, 100)
    q, c = _oracle_embeddings(t, noise=0.0)
    res0 = evaluate_lareqa(DenseScorer.for_task(t, q, c), t).summary()
    lang_dim = np.zeros((len(t.candidates), 2), np.float32)
    lang_dim[np.arange(len(c)), (t.candidates.lang == "de").to_numpy().astype(int)] = 2.0
    qlang = np.zeros((len(t.queries), 2), np.float32)
    qlang[np.arange(len(q)), (t.queries.lang == "de").to_numpy().astype(int)] = 1.0
    res1 = evaluate_lareqa(DenseScorer.for_task(t, np.hstack([q, qlang]), np.hstack([c, lang_dim])), t).summary()
    assert res1["Mo_mAP"] == 1.0
    assert res1["RD"] > res0["RD"] + 10, "a language preference must push other-language answers down"


def test_pooled_table_mean_and_median():
    t = load_lareqa("xquad-r", ["en", "de"]).subset(["en"], ["en"]).shrink(20, 50)
    q, c = _oracle_embeddings(t)
    table = pooled_table(evaluate_pooled(DenseScorer.for_task(t, q, c), t))
    assert table.loc["en", "nDCG@10"] == 1.0 and table.loc["mean", "R@100"] == 1.0


def test_bm25_tokenises_every_script_and_finds_exact_text():
    toks = tokenize(["สวัสดีครับ", "東京タワー", "Hello"])
    assert all(len(t) >= 2 for t in toks[:2]), "Thai and Chinese must split into several pieces"
    qs = pd.DataFrame({"query_id": ["q1", "q2"], "lang": "en", "text": ["tallest tower in Tokyo", "capital of Kenya"]})
    cs = pd.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3"],
            "lang": "en",
            "text": ["Nairobi is the capital of Kenya", "Tokyo tower is tall", "bananas are yellow"],
        }
    )
    qrels = pd.DataFrame({"query_id": ["q1", "q2"], "doc_id": ["d2", "d1"], "relevance": [1, 1]})
    res = evaluate_pooled(BM25Scorer(), RetrievalTask("toy", qs, cs, qrels))
    assert res["en"].mean("MRR") == 1.0


def _cr_from_stored_arrays(frame: dict[str, np.ndarray], metric: str) -> float:
    """The tables' Cr (mean over ordered pairs) as the analysis reads it from stored arrays."""
    setting = "cross" if "cross/pairs_balanced" in frame else "cross_pair"
    groups = [q.split("/", 1)[0] for q in frame[f"{setting}/query_id"]]
    return float(pd.Series(frame[f"{setting}/{metric}"]).groupby(groups).mean().mean())


def test_stored_cross_arrays_give_the_tables_cr_for_balanced_and_unbalanced_pairs():
    """XQuAD-R (every question in every language) stores per-query target means and a marker;
    MLQA-R (questions missing in some languages) stores every (query, target) value. Either way the
    stored arrays reproduce the Cr the summary prints, the mean over ordered language pairs."""
    xq = load_lareqa("xquad-r", ["en", "de", "es"])
    xq = xq.subset(["en", "de", "es"], ["en", "de", "es"])
    ml = load_lareqa("mlqa-r", ["en", "de", "es"]).shrink(40, 200)
    for task, balanced in ((xq, True), (ml, False)):
        q, c = _oracle_embeddings(task, noise=0.3)
        res = evaluate_lareqa(DenseScorer.for_task(task, q, c), task)
        frame = res.per_query_frame()
        assert ("cross/pairs_balanced" in frame) == balanced, f"{task.name}: balanced pairs should be {balanced}"
        assert ("cross_pair/query_id" in frame) != balanced, f"{task.name}: per-pair arrays only when unbalanced"
        for metric in ("mAP", "R@1"):
            want = res.summary()[f"Cr_{metric}"]
            assert np.isclose(_cr_from_stored_arrays(frame, metric), want, atol=1e-12), (task.name, metric)
