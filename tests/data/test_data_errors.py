"""Bad input gets a clear error (or warning) naming the file, record, field or value."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from hybridlib.data import DataError, load_afriqa, load_lareqa, load_miracl
from hybridlib.data.miracl import read_qrels, read_topics
from hybridlib.evaluation.scoring import evaluate_pooled


def _miracl(root, topics: bytes, qrels: str, lang: str = "sw"):
    (root / "miracl" / "topics").mkdir(parents=True)
    (root / "miracl" / "qrels").mkdir(parents=True)
    (root / "miracl" / "topics" / f"topics.miracl-v1.0-{lang}-dev.tsv").write_bytes(topics)
    (root / "miracl" / "qrels" / f"qrels.miracl-v1.0-{lang}-dev.tsv").write_text(qrels, encoding="utf-8")


def _lareqa(root, answer_start, text="Paris is big. It is old."):
    para = {
        "context": text,
        "sentences": ["Paris is big.", "It is old."],
        "sentence_breaks": [[0, 13], [14, 24]],
        "qas": [{"id": "q1", "question": "Is Paris big?", "answers": [{"answer_start": answer_start}]}],
    }
    (root / "xquad-r").mkdir(parents=True, exist_ok=True)
    (root / "xquad-r" / "en.json").write_text(json.dumps({"data": [{"paragraphs": [para]}]}), encoding="utf-8")


def test_non_utf8_file_names_file_and_line(tmp_path):
    _miracl(tmp_path, "1\tok query\n2\tcaf\xe9\n".encode("latin-1"), "1 Q0 d1 1\n")
    with pytest.raises(DataError, match=r"topics\.miracl-v1\.0-sw-dev\.tsv: not UTF-8 .*line 2"):
        read_topics("sw", tmp_path)


def test_non_numeric_relevance_names_line_and_field(tmp_path):
    _miracl(tmp_path, b"1\tquery\n", "1 Q0 d1 1\n1 Q0 d2 yes\n")
    with pytest.raises(DataError, match=r"qrels\.miracl-v1\.0-sw-dev\.tsv: line 2: field 'relevance' .*'yes'"):
        read_qrels("sw", tmp_path)


def test_empty_query_text_names_the_record(tmp_path):
    _miracl(tmp_path, b"1\tquery\n7\t  \n", "1 Q0 d1 1\n")
    with pytest.raises(DataError, match=r"line 2 \(query '7'\) has an empty query text"):
        read_topics("sw", tmp_path)


def test_non_numeric_answer_start_names_record_and_field(tmp_path):
    _lareqa(tmp_path, "four")
    with pytest.raises(DataError, match=r"en\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\].*'answer_start'.*'four'"):
        load_lareqa("xquad-r", ["en"], root=tmp_path)


def test_answers_outside_every_sentence_are_warned_about(tmp_path):
    _lareqa(tmp_path, 99)
    with pytest.warns(UserWarning, match="1 answers fall in no sentence span"):
        task = load_lareqa("xquad-r", ["en"], root=tmp_path)
    assert task.meta["unmatched_answers"] == {"en": 1}


def test_empty_language_list_and_missing_afriqa_file_are_errors(tmp_path):
    with pytest.raises(DataError, match="empty language list"):
        load_miracl([])
    with pytest.raises(DataError, match=r"AfriQA: expected file .*gold_span_passages\.afriqa\.hau\.en\.test\.json"):
        load_afriqa(["hau"], root=tmp_path)


def test_an_empty_selection_is_an_error_not_every_language(tmp_path):
    from hybridlib.evaluation.suite import load_suite
    from hybridlib.presets import get_preset

    with pytest.raises(DataError, match="xquad-r: an empty language selection selects nothing"):
        load_lareqa("xquad-r", [])
    smoke = get_preset("smoke")
    with pytest.raises(DataError, match="xquad-r: an empty language selection"):
        load_suite(smoke.with_(lareqa_langs={"xquad-r": ()}), ("xquad-r",))
    with pytest.raises(DataError, match="AfriQA: an empty language selection"):
        load_suite(smoke.with_(afriqa_langs=()), ("afriqa",))


def test_a_missing_afriqa_file_of_the_default_selection_is_an_error(tmp_path):
    """Every language by default: a shipped split's missing file must not drop out silently."""
    import shutil

    from hybridlib.paths import data_dir

    shutil.copytree(data_dir() / "afriqa", tmp_path / "afriqa")
    (tmp_path / "afriqa" / "gold_passages" / "hau" / "gold_span_passages.afriqa.hau.en.test.json").unlink()
    with pytest.raises(DataError, match=r"gold_span_passages\.afriqa\.hau\.en\.test\.json does not exist"):
        load_afriqa(root=tmp_path)
    assert len(load_afriqa(["swa"], root=tmp_path).queries), "swa ships a test split only, and it is read"


def test_an_empty_candidate_text_is_an_error_naming_the_candidate():
    import pandas as pd

    from hybridlib.data.task import RetrievalTask

    q = pd.DataFrame({"query_id": ["q1"], "lang": ["en"], "text": ["a question"]})
    c = pd.DataFrame({"doc_id": ["d1", "d2"], "lang": ["en", "en"], "text": ["a passage", "  "]})
    qrels = pd.DataFrame({"query_id": ["q1"], "doc_id": ["d1"], "relevance": [1]})
    with pytest.raises(DataError, match=r"1 candidates with empty or null text \(e\.g\. doc_id 'd2'\)"):
        RetrievalTask("toy", q, c, qrels)


def test_missing_judged_passages_count_as_never_retrieved(tmp_path):
    """A local corpus lacking a judged passage: warned about, and it stays in the recall denominator
    (trec_eval semantics), so R@100 is 1/2, not 1/1."""
    _miracl(tmp_path, b"1\tquery one\n2\tquery two\n", "1 Q0 d1 1\n1 Q0 d9 1\n2 Q0 d9 1\n")
    (tmp_path / "corpus" / "sw").mkdir(parents=True)
    rows = [{"docid": d, "title": "", "text": f"text {d}"} for d in ("d1", "d2", "d3")]
    (tmp_path / "corpus" / "sw" / "docs.jsonl").write_text("\n".join(map(json.dumps, rows)), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"2 judged-relevant passages are not in the corpus.*1 queries have no"):
        task = load_miracl(["sw"], corpus=tmp_path / "corpus", root=tmp_path)

    class Oracle:  # the present positive first, everything else after
        def ranks(self, t):
            from hybridlib.evaluation.metrics import ranks_from_scores

            rel = t.relevant_indices()
            scores = np.zeros((len(t.queries), len(t.candidates)))
            for i, r in enumerate(rel):
                scores[i, r[r >= 0]] = 1.0
            return ranks_from_scores(scores, rel)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = evaluate_pooled(Oracle(), task)["sw"]
    assert res.values["R@100"].tolist() == [0.5, 0.0], "a missing positive is never retrieved but still counted"
    assert res.values["nDCG@10"][0] == pytest.approx(1 / (1 + 1 / np.log2(3)))


def test_full_corpus_topk_evaluation_equals_exact_ranks(tmp_path):
    """faiss top-100 + ir_measures (the full-corpus path) gives the exact-rank metrics on a corpus
    small enough for both, missing judged passages included."""
    from hybridlib.evaluation.scoring import DenseScorer, evaluate_topk

    topics = "".join(f"{i}\tquery number {i}\n" for i in range(6)).encode()
    qrels = "".join(f"{i} Q0 d{i} 1\n{i} Q0 d{i + 10} 1\n" for i in range(6)) + "5 Q0 missing 1\n"
    _miracl(tmp_path, topics, qrels)
    (tmp_path / "corpus" / "sw").mkdir(parents=True)
    rows = [{"docid": f"d{j}", "title": "", "text": f"passage {j}"} for j in range(40)]
    (tmp_path / "corpus" / "sw" / "docs.jsonl").write_text("\n".join(map(json.dumps, rows)), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        task = load_miracl(["sw"], corpus=tmp_path / "corpus", root=tmp_path)
    rng = np.random.default_rng(0)
    q = rng.normal(size=(len(task.queries), 8)).astype(np.float32)
    c = rng.normal(size=(len(task.candidates), 8)).astype(np.float32)
    scorer = DenseScorer.for_task(task, q, c)
    exact, topk = evaluate_pooled(scorer, task)["sw"], evaluate_topk(scorer, task)["sw"]
    for m in ("nDCG@10", "R@100"):
        np.testing.assert_allclose(topk.values[m], exact.values[m], atol=1e-9, err_msg=m)


def test_truncated_gzip_names_the_file(tmp_path):
    """A .jsonl.gz / .txt.gz cut short mid-download must name the file, not raise a bare EOFError."""
    import gzip

    from hybridlib.data.readers import read_text

    path = tmp_path / "passages.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"docid": "1", "text": "x"}\n' * 200)[:60])
    with pytest.raises(DataError, match="passages.jsonl.gz.*damaged gzip"):
        read_text(path)


def test_ntrex_pairs_mismatched_lines_name_the_file(tmp_path):
    """NTREX files are line-aligned; a reference with a missing line would pair wrong sentences."""
    import gzip

    from hybridlib.data.ntrex import load_ntrex_pairs

    (tmp_path / "ntrex-128").mkdir()
    (tmp_path / "ntrex-128" / "newstest2019-src.eng.txt.gz").write_bytes(gzip.compress(b"a\nb\nc\n"))
    (tmp_path / "ntrex-128" / "newstest2019-ref.deu.txt.gz").write_bytes(gzip.compress(b"A\nB\n"))
    with pytest.raises(DataError, match="ref.deu.txt.gz: 2 lines but the English source"):
        load_ntrex_pairs(["de"], root=tmp_path)
    with pytest.raises(DataError, match="no shipped file"):
        load_ntrex_pairs(["xx"], root=tmp_path)
    (tmp_path / "ntrex-128" / "newstest2019-ref.deu.txt.gz").write_bytes(gzip.compress(b"A\nB\nC\n"))
    pairs = load_ntrex_pairs(["de"], max_pairs=2, root=tmp_path)
    assert pairs[["en_text", "text"]].values.tolist() == [["a", "A"], ["b", "B"]], "line i pairs with line i"
