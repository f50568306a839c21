"""LAReQA XQuAD-R and MLQA-R: answer-sentence retrieval in 11 / 7 languages.

Candidates are all ``sentences`` of every paragraph; a question's gold sentence in a language is the
one whose ``sentence_breaks`` span holds ``answers[0].answer_start``. Question ids are shared across
languages, so one question has a gold sentence in every language it exists in.

The pooled task built here is the paper's *multilingual* setting (every parallel answer relevant);
``settings()`` cuts it into the monolingual (x->x) and cross-lingual (x->y, y != x) settings.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hybridlib.data.readers import as_int, read_json
from hybridlib.data.task import DataError, RetrievalTask, check_langs, require_file
from hybridlib.paths import data_dir

LANGS = {
    "xquad-r": ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"),
    "mlqa-r": ("ar", "de", "en", "es", "hi", "vi", "zh"),
}


def _gold_sentence(breaks: list[list[int]], start: int) -> int | None:
    for i, (lo, hi) in enumerate(breaks):
        if lo <= start < hi:
            return i
    return None


def read_lareqa_file(path: Path, lang: str) -> tuple[list[dict], list[dict], list[dict], int]:
    """Questions, candidate sentences and gold pairs of one language file.

    Returns ``(questions, candidates, gold, n_unmatched)`` where ``n_unmatched`` counts answers
    whose ``answer_start`` falls in no sentence span (reported, never silently dropped).
    """
    require_file(path, f"LAReQA {path.parent.name} {lang}")
    doc = read_json(path)
    questions, candidates, gold, unmatched = [], [], [], 0
    for a, article in enumerate(doc.get("data", [])):
        for p, para in enumerate(article.get("paragraphs", [])):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            for field_ in ("context", "sentences", "sentence_breaks", "qas"):
                if field_ not in para:
                    raise DataError(f"{where} lacks field {field_!r}")
            if len(para["sentences"]) != len(para["sentence_breaks"]):
                raise DataError(
                    f"{where}: {len(para['sentences'])} sentences but {len(para['sentence_breaks'])} breaks"
                )
            base = f"{lang}:{a}:{p}"
            for s, sent in enumerate(para["sentences"]):
                candidates.append(dict(doc_id=f"{base}:{s}", lang=lang, text=sent, context=para["context"]))
            for k, qa in enumerate(para["qas"]):
                if "id" not in qa or "question" not in qa or not qa.get("answers"):
                    raise DataError(f"{where}.qas[{k}] lacks id, question or answers")
                qid = qa["id"]
                questions.append(dict(query_id=f"{lang}/{qid}", qid=qid, lang=lang, text=qa["question"]))
                start = as_int(qa["answers"][0].get("answer_start"), f"{where}.qas[{k}].answers[0]", "answer_start")
                s = _gold_sentence(para["sentence_breaks"], start)
                if s is None:
                    unmatched += 1
                else:
                    gold.append(dict(qid=qid, doc_id=f"{base}:{s}"))
    return questions, candidates, gold, unmatched


@lru_cache(maxsize=4)
def _load(dataset: str, langs: tuple[str, ...], root: str) -> RetrievalTask:
    qs, cs, gold, unmatched = [], [], [], {}
    for lang in langs:
        q, c, g, u = read_lareqa_file(Path(root) / dataset / f"{lang}.json", lang)
        qs += q
        cs += c
        gold += g
        unmatched[lang] = u
    queries = pd.DataFrame(qs)
    gold = pd.DataFrame(gold, columns=["qid", "doc_id"])
    # every parallel answer is relevant to every language version of the question
    qrels = queries[["query_id", "qid"]].merge(gold, on="qid")[["query_id", "doc_id"]]
    qrels["relevance"] = 1
    if any(unmatched.values()):
        warnings.warn(
            f"{dataset}: {sum(unmatched.values())} answers fall in no sentence span and have no gold sentence "
            f"(per language: { {k: v for k, v in unmatched.items() if v} })",
            stacklevel=3,
        )
    meta = dict(dataset=dataset, unmatched_answers=unmatched, setting="multilingual (pooled)")
    return RetrievalTask(dataset, queries, pd.DataFrame(cs), qrels, meta)


def load_lareqa(dataset: str, langs: list[str] | None = None, root: str | Path | None = None) -> RetrievalTask:
    """Load XQuAD-R (``"xquad-r"``) or MLQA-R (``"mlqa-r"``) as one pooled multilingual task."""
    if dataset not in LANGS:
        raise DataError(f"unknown LAReQA dataset {dataset!r}; known: {sorted(LANGS)}")
    langs = check_langs(langs, LANGS[dataset], dataset)
    return _load(dataset, tuple(langs), str(root or data_dir()))


def settings(task: RetrievalTask) -> dict[str, dict[tuple[str, str | None], RetrievalTask]]:
    """The paper's three settings as sub-tasks keyed by (query language, pool language).

    ``mono[(x, x)]``: x -> x. ``cross[(x, y)]``: x -> y for y != x, only queries answerable in y.
    ``multi[(x, None)]``: x -> the pool of all languages, every parallel answer relevant.
    """
    langs = task.query_langs
    out: dict = {"mono": {}, "cross": {}, "multi": {}}
    for x in langs:
        out["mono"][(x, x)] = task.subset([x], [x], f"{task.name}/mono/{x}")
        out["multi"][(x, None)] = task.subset([x], langs, f"{task.name}/multi/{x}")
        for y in langs:
            if y != x:
                out["cross"][(x, y)] = task.subset([x], [y], f"{task.name}/cross/{x}-{y}")
    return out
