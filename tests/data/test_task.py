"""RetrievalTask directly: sub-tasks keep embedding rows, drop unanswerable queries, shrink stays
parallel, fingerprints follow content, and judged positives outside the corpus stay counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybridlib.data.task import DataError, RetrievalTask


def _task(qrels_extra: list[tuple[str, str]] = ()) -> RetrievalTask:
    queries = pd.DataFrame(
        {
            "query_id": ["en/1", "de/1", "en/2", "de/2"],
            "qid": ["1", "1", "2", "2"],
            "lang": ["en", "de", "en", "de"],
            "text": ["q1", "F1", "q2", "F2"],
        }
    )
    candidates = pd.DataFrame(
        {"doc_id": ["en:a", "de:a", "en:b", "en:x"], "lang": ["en", "de", "en", "en"], "text": ["a", "A", "b", "x"]}
    )
    pairs = [("en/1", "en:a"), ("en/1", "de:a"), ("de/1", "en:a"), ("de/1", "de:a"), ("en/2", "en:b"), ("de/2", "en:b")]
    pairs += list(qrels_extra)
    qrels = pd.DataFrame(pairs, columns=["query_id", "doc_id"]).assign(relevance=1)
    return RetrievalTask("toy", queries, candidates, qrels)


def test_subset_keeps_embedding_rows_and_drops_unanswerable_queries():
    t = _task()
    sub = t.subset(["de"], ["de"])  # de/2's only answer is English: not answerable in a German pool
    assert list(sub.queries.query_id) == ["de/1"]
    assert list(sub.queries.index) == [1], "row numbers of the loaded task are kept (embedding rows)"
    np.testing.assert_array_equal(sub.relevant_indices(), [[0]])


def test_relevant_indices_mark_judged_positives_outside_the_corpus():
    t = _task([("en/2", "gone")])
    rel = t.relevant_indices()
    assert sorted(rel[2][rel[2] != -1].tolist()) == [-2, 2], "the missing positive is -2: counted, never retrieved"


def test_shrink_keeps_questions_parallel_and_answers_in_the_pool():
    t = _task().shrink(max_queries=1, max_candidates=1)
    assert set(t.queries.query_id) == {"en/1", "de/1"}, "the same first question in every language"
    assert {"en:a", "de:a"} <= set(t.candidates.doc_id), "every answer of a kept query stays"


def test_fingerprint_follows_content_only():
    a, b = _task(), _task()
    assert a.fingerprint() == b.fingerprint()
    changed = _task()
    changed.candidates.loc[3, "text"] = "y"
    assert RetrievalTask("toy", changed.queries, changed.candidates, changed.qrels).fingerprint() != a.fingerprint()


def test_duplicate_ids_are_errors():
    t = _task()
    with pytest.raises(DataError, match="duplicate query ids"):
        RetrievalTask("dup", pd.concat([t.queries, t.queries.iloc[:1]]), t.candidates, t.qrels)
