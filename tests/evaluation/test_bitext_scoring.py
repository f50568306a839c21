"""Bitext scoring against planted embeddings: perfect, random and a planted own-language bias."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation.bitext import evaluate_flores, evaluate_tatoeba
from hybridlib.evaluation.scoring import DenseScorer

LANGS = ("en", "sw", "yo")


def parallel_task(n: int = 40) -> RetrievalTask:
    ids = [(lang, i) for lang in LANGS for i in range(n)]
    queries = pd.DataFrame(
        {"query_id": [f"{lang}/{i}" for lang, i in ids], "qid": [str(i) for _, i in ids],
         "lang": [lang for lang, _ in ids], "text": [f"{lang} sentence {i}" for lang, i in ids]}
    )  # fmt: skip
    candidates = pd.DataFrame(
        {"doc_id": [f"{lang}:{i}" for lang, i in ids], "lang": [lang for lang, _ in ids], "text": queries.text}
    )
    qrels = pd.DataFrame(
        [(f"{a}/{i}", f"{b}:{i}", 1) for a in LANGS for b in LANGS if a != b for i in range(n)],
        columns=["query_id", "doc_id", "relevance"],
    )
    return RetrievalTask("planted", queries, candidates, qrels)


def embeddings(task: RetrievalTask, meaning: float, language: float, seed: int = 0) -> np.ndarray:
    """Each sentence = meaning * its sentence vector + language * its language vector + noise."""
    rng = np.random.default_rng(seed)
    sent = rng.normal(size=(100, 32))
    lang = {x: rng.normal(size=32) for x in LANGS}
    x = np.stack(
        [
            meaning * sent[int(q)] + language * lang[la]
            for q, la in zip(task.queries.qid, task.queries.lang, strict=True)
        ]
    )
    x = x + 0.1 * rng.normal(size=x.shape)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_perfect_embeddings_score_one_and_exclude_the_query_itself():
    t = parallel_task()
    e = embeddings(t, meaning=1.0, language=0.0)
    out, arrays = evaluate_flores(DenseScorer.for_task(t, e, e), t)
    s = out["summary"]
    assert s["Cr_mAP"] == 1.0 and s["Cr_R@1"] == 1.0
    # the query's own sentence (score 1 with itself) would take rank 1 if it were not excluded
    assert s["Mul_mAP"] == 1.0, "the pooled setting must not rank a query's own sentence"
    assert s["RD"] == 1.0, "two translations at ranks 1 and 2: rank distance 1"
    assert s["top1_own_language"] == 0.0
    assert len(arrays["multi/query_id"]) == len(arrays["multi/mAP"]) == len(t.queries)


def test_random_embeddings_score_chance():
    t = parallel_task(n=100)
    e = np.random.default_rng(1).normal(size=(len(t.queries), 32))
    out, _ = evaluate_flores(DenseScorer.for_task(t, e, e), t)
    chance = np.mean(1 / np.arange(1, 101))  # MRR of one relevant item among 100, uniformly placed
    assert out["summary"]["Cr_mAP"] == pytest.approx(chance, abs=0.03)
    assert out["summary"]["top1_own_language"] == pytest.approx(99 / 299, abs=0.08)


def test_language_bias_shows_as_own_language_top1_and_rank_distance():
    t = parallel_task()
    fair = evaluate_flores(DenseScorer.for_task(t, *(2 * [embeddings(t, 1.0, 0.2)])), t)[0]["summary"]
    biased = evaluate_flores(DenseScorer.for_task(t, *(2 * [embeddings(t, 1.0, 1.5)])), t)[0]["summary"]
    assert biased["top1_own_language"] > 0.5 > fair["top1_own_language"]
    assert biased["RD"] > fair["RD"] and biased["Mul_mAP"] < fair["Mul_mAP"]
    # within one target language the shared language vector is a common offset: x -> y stays far above chance
    assert biased["Cr_R@1"] > 0.5 > 1 / 40


def test_tatoeba_directions():
    n = 30
    qs = pd.DataFrame(
        [dict(query_id=f"te/{i}", lang="te", pair="te", text=f"t{i}") for i in range(n)]
        + [dict(query_id=f"en/te-{i}", lang="en", pair="te", text=f"e{i}") for i in range(n)]
    )
    cs = qs.rename(columns={"query_id": "doc_id"}).assign(doc_id=lambda d: d.doc_id.str.replace("/", ":"))
    qrels = pd.DataFrame(
        [(f"te/{i}", f"en:te-{i}", 1) for i in range(n)] + [(f"en/te-{i}", f"te:{i}", 1) for i in range(n)],
        columns=["query_id", "doc_id", "relevance"],
    )
    t = RetrievalTask("tatoeba", qs, cs, qrels)
    v = np.random.default_rng(0).normal(size=(n, 16))
    e = np.concatenate([v, v])
    e[0] = -e[n]  # te/0 points away from its translation: one miss of 30 in te -> en
    out, arrays = evaluate_tatoeba(DenseScorer.for_task(t, e, e), t)
    assert out["per_language"]["te"]["xx->en R@1"] == pytest.approx(29 / 30)
    assert out["per_language"]["te"]["n_pairs"] == n
    assert len(arrays["pairs/R@1"]) == 2 * n == len(arrays["pairs/query_id"])
    assert out["summary"]["R@1"] == pytest.approx((29 / 30 + out["per_language"]["te"]["en->xx R@1"]) / 2)
