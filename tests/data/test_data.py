"""Loaders on the real shipped files (published counts) and on tiny malformed fixtures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hybridlib.data import DataError, load_afriqa, load_lareqa, load_miracl, load_mlqa_test, load_tydi_dev, settings
from hybridlib.data.lareqa import read_lareqa_file
from hybridlib.paths import data_dir

XQUAD_CANDIDATES = {
    "ar": 1222,
    "de": 1276,
    "el": 1234,
    "en": 1180,
    "es": 1215,
    "hi": 1244,
    "ru": 1219,
    "th": 852,
    "tr": 1167,
    "vi": 1209,
    "zh": 1196,
}
MLQA_COUNTS = {
    "ar": (517, 2545),
    "de": (512, 2362),
    "en": (1148, 6264),
    "es": (500, 1787),
    "hi": (507, 2426),
    "vi": (511, 2828),
    "zh": (504, 2322),
}
MIRACL_DEV = {
    "ar": 2896,
    "bn": 411,
    "de": 305,
    "en": 799,
    "es": 648,
    "fa": 632,
    "fi": 1271,
    "fr": 343,
    "hi": 350,
    "id": 960,
    "ja": 860,
    "ko": 213,
    "ru": 1252,
    "sw": 482,
    "te": 828,
    "th": 733,
    "yo": 119,
    "zh": 393,
}


def test_manifest_checksums():
    manifest = data_dir() / "MANIFEST.sha256"
    lines = manifest.read_text().splitlines()
    assert len(lines) > 150, "the manifest should list every shipped data file"
    for line in lines:
        digest, rel = line.split(maxsplit=1)
        path = data_dir() / rel
        assert path.exists(), f"{rel} is in MANIFEST.sha256 but missing from data/"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{rel} differs from its checksum"


def test_xquad_r_counts():
    t = load_lareqa("xquad-r")
    assert t.queries.groupby("lang").size().eq(1190).all(), "XQuAD-R has 1,190 questions in every language"
    assert len(t.candidates) == 13014
    assert t.candidates.groupby("lang").size().to_dict() == XQUAD_CANDIDATES
    assert sum(t.meta["unmatched_answers"].values()) == 0
    # every question has exactly one gold sentence in each of the 11 languages
    assert t.qrels.groupby("query_id").size().eq(11).all()


def test_mlqa_r_counts():
    t = load_lareqa("mlqa-r")
    q, c = t.queries.groupby("lang").size(), t.candidates.groupby("lang").size()
    assert {lang: (int(q[lang]), int(c[lang])) for lang in q.index} == MLQA_COUNTS


def test_settings_shapes():
    t = load_lareqa("mlqa-r")
    s = settings(t)
    assert len(s["mono"]) == 7 and len(s["cross"]) == 42 and len(s["multi"]) == 7
    de_zh = s["cross"][("de", "zh")]
    assert len(de_zh.queries) == 190, "MLQA-R de∩zh overlap is 190 questions"
    assert set(de_zh.candidates.lang) == {"zh"}
    mono = s["mono"][("en", "en")]
    assert (mono.qrels.relevance > 0).groupby(mono.qrels.query_id).sum().eq(1).all()
    assert set(s["multi"][("en", None)].candidates.lang) == set(t.query_langs)


def test_miracl_counts_and_pooled_subset():
    from hybridlib.data.miracl import read_topics

    assert {lang: len(read_topics(lang)) for lang in MIRACL_DEV} == MIRACL_DEV
    t = load_miracl()
    assert t.name == "miracl-pooled", "pooled mode must say so in its name"
    assert t.queries.groupby("lang").size().to_dict() == {"yo": 45, "sw": 43, "te": 83, "bn": 23, "th": 35, "hi": 23}
    pos = t.qrels[t.qrels.relevance > 0]
    assert pos.doc_id.isin(t.candidates.doc_id).all(), "pooled queries keep only those whose positives have text"


def test_other_sources():
    q, c = load_mlqa_test()
    assert q.groupby("lang").size().to_dict() == {
        "ar": 4252,
        "de": 3821,
        "es": 3283,
        "hi": 3875,
        "vi": 4365,
        "zh": 3128,
    }
    tydi = load_tydi_dev()
    assert tydi.queries.groupby("lang").size().to_dict() == {"bn": 113, "sw": 499, "te": 669}
    af = load_afriqa(["hau", "yor"])
    assert set(af.candidates.lang) == {"en"} and len(af.queries) == 300 + 254 - 1
    assert af.meta["skipped_no_passage"] == {"yor": 1}, "records without a gold passage are counted, not hidden"


def test_unknown_language_lists_known():
    with pytest.raises(DataError, match=r"unknown language.*'xx'.*known: \['ar'"):
        load_lareqa("xquad-r", ["en", "xx"])
    with pytest.raises(DataError, match="unknown LAReQA dataset"):
        load_lareqa("squad-r")
    with pytest.raises(DataError, match="MIRACL: unknown language"):
        load_miracl(["xx"])


def test_missing_file_says_where(tmp_path):
    with pytest.raises(DataError, match=r"expected file .*xquad-r/en.json does not exist"):
        load_lareqa("xquad-r", ["en"], root=tmp_path)
    with pytest.raises(DataError, match="topics"):
        load_miracl(["yo"], root=tmp_path)


def _write(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_malformed_json_names_file(tmp_path):
    p = _write(tmp_path / "xquad-r" / "en.json", '{"data": [')
    with pytest.raises(DataError, match=r"en.json: malformed JSON"):
        read_lareqa_file(p, "en")


def test_missing_field_names_record(tmp_path):
    p = _write(tmp_path / "x" / "en.json", {"data": [{"paragraphs": [{"context": "a", "qas": []}]}]})
    with pytest.raises(DataError, match=r"data\[0\]\.paragraphs\[0\] lacks field 'sentences'"):
        read_lareqa_file(p, "en")


def test_unmatched_answer_is_counted_not_dropped(tmp_path):
    para = {
        "context": "One. Two.",
        "sentences": ["One.", "Two."],
        "sentence_breaks": [[0, 4], [5, 9]],
        "qas": [
            {"id": "q1", "question": "?", "answers": [{"text": "Two", "answer_start": 5}]},
            {"id": "q2", "question": "??", "answers": [{"text": "x", "answer_start": 99}]},
        ],
    }
    p = _write(tmp_path / "x" / "en.json", {"data": [{"title": "t", "paragraphs": [para]}]})
    qs, cands, gold, unmatched = read_lareqa_file(p, "en")
    assert len(qs) == 2 and len(cands) == 2 and unmatched == 1
    assert gold == [{"qid": "q1", "doc_id": "en:0:0:1"}]


def test_malformed_miracl_corpus_line(tmp_path):
    from hybridlib.data.miracl import load_corpus

    d = tmp_path / "corpus" / "yo"
    _write(d / "docs.jsonl", '{"docid": "1#0", "title": "t", "text": "a"}\nnot json\n')
    with pytest.raises(DataError, match=r"docs.jsonl: malformed JSON on line 2"):
        load_corpus("yo", tmp_path / "corpus")
    with pytest.raises(DataError, match="no MIRACL corpus files"):
        load_corpus("sw", tmp_path / "corpus")


def test_ir_measures_qrels_and_shrink():
    t = load_lareqa("xquad-r", ["en", "de"]).shrink(10, 30)
    assert t.queries.groupby("lang").size().eq(10).all()
    q = t.ir_measures_qrels()
    assert list(q.columns) == ["query_id", "doc_id", "relevance"]
    rel = t.relevant_indices()
    assert (rel >= 0).sum(1).tolist() == [2] * 20, "each shrunk question keeps its gold sentence in both languages"


def test_miracl_hard_pool_keeps_every_findable_query_and_adds_only_new_distractors():
    from hybridlib.data.miracl_hard import load_miracl_hard
    from hybridlib.data.readers import normalise

    hard, strict = load_miracl_hard(["sw", "yo"]), load_miracl(["sw", "yo"])
    assert set(strict.queries.query_id) < set(hard.queries.query_id), "every strict query is kept, and more"
    pos = hard.qrels[hard.qrels.relevance > 0]
    assert set(pos.query_id) == set(hard.queries.query_id), "every query has a positive"
    assert hard.qrels.doc_id.isin(hard.candidates.doc_id).all(), "condensed: every judged passage has text"
    extra = hard.candidates[hard.candidates.doc_id.str.contains("/distractor-")]
    assert set(extra.lang) == {"sw"}, "TyDi gives sw distractors; yo has no other shipped text"
    miracl_texts = set(strict.candidates[strict.candidates.lang == "sw"].context.map(normalise))
    assert not extra.text.map(normalise).isin(miracl_texts).any() and extra.doc_id.is_unique


def test_distractors_drop_tydi_paragraphs_of_miracl_questions():
    from hybridlib.data import load_tydi_dev
    from hybridlib.data.miracl_hard import distractors
    from hybridlib.data.readers import normalise

    tydi = load_tydi_dev(["sw"])
    asked = tydi.queries.iloc[0]
    gold = tydi.qrels.loc[tydi.qrels.query_id == asked.query_id, "doc_id"]
    paragraph = tydi.candidates.loc[tydi.candidates.doc_id.isin(gold), "text"].iloc[0]
    kept = set(distractors("sw", set(), set()).text)
    assert paragraph in kept
    dropped = set(distractors("sw", set(), {normalise(asked.text)}).text)
    assert paragraph not in dropped, "a TyDi paragraph may be an unjudged positive of the same MIRACL question"
