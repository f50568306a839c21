"""SQuAD-format readers: MLQA test (training pairs), TyDi GoldP dev (pooled retrieval)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hybridlib.data.readers import as_int, read_json
from hybridlib.data.task import DataError, RetrievalTask, check_langs, require_file
from hybridlib.paths import data_dir


def read_squad(path: Path) -> list[dict]:
    """Flatten a SQuAD v1.1 file into ``{id, question, context, title, answer_start}`` rows."""
    require_file(path, "SQuAD-format file")
    doc = read_json(path)
    rows = []
    for a, article in enumerate(doc.get("data", [])):
        for p, para in enumerate(article.get("paragraphs", [])):
            if "context" not in para or "qas" not in para:
                raise DataError(f"{path}: data[{a}].paragraphs[{p}] lacks 'context' or 'qas'")
            for k, qa in enumerate(para["qas"]):
                if "id" not in qa or "question" not in qa:
                    raise DataError(f"{path}: a question in data[{a}].paragraphs[{p}] lacks 'id' or 'question'")
                ans = qa.get("answers") or [{}]
                rows.append(
                    dict(
                        id=qa["id"],
                        question=qa["question"],
                        context=para["context"],
                        title=article.get("title", ""),
                        answer_start=None
                        if ans[0].get("answer_start") is None
                        else as_int(
                            ans[0]["answer_start"], f"{path}: data[{a}].paragraphs[{p}].qas[{k}]", "answer_start"
                        ),
                    )
                )
    return rows


MLQA_TEST_FILES = (
    {  # (context lang, question lang) pairs present offline
        ("de", q) for q in ("ar", "es", "hi", "vi", "zh")
    }
    | {("es", q) for q in ("ar", "de", "hi", "vi", "zh")}
    | {("vi", "de")}
    | {("zh", q) for q in ("ar", "de", "es", "hi", "vi")}
)


def load_mlqa_test(root: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MLQA test questions and paragraphs, joined on the shared MLQA id.

    Returns ``(questions, contexts)``: questions ``(id, lang, text)`` and contexts
    ``(id, lang, text)``, one row per (id, language) that exists. Answers are blank in this
    release, so only question -> paragraph pairs can be formed (``protocols`` does that).
    """
    base = Path(root or data_dir()) / "mlqa-test"
    qs, cs = {}, {}
    for c_lang, q_lang in sorted(MLQA_TEST_FILES):
        path = base / f"test-context-{c_lang}-question-{q_lang}.json"
        for r in read_squad(path):
            qs[(r["id"], q_lang)] = r["question"]
            cs[(r["id"], c_lang)] = r["context"]
    questions = pd.DataFrame([dict(id=i, lang=lang, text=t) for (i, lang), t in qs.items()])
    contexts = pd.DataFrame([dict(id=i, lang=lang, text=t) for (i, lang), t in cs.items()])
    return questions, contexts


TYDI_LANGS = {
    "ar": "arabic",
    "bn": "bengali",
    "en": "english",
    "fi": "finnish",
    "id": "indonesian",
    "ko": "korean",
    "ru": "russian",
    "sw": "swahili",
    "te": "telugu",
}


def load_tydi_dev(langs: list[str] | None = None, root: Path | None = None) -> RetrievalTask:
    """TyDi QA GoldP dev as pooled retrieval: question -> its gold paragraph among all dev
    paragraphs of its language (duplicate paragraph texts merged, so each text is one candidate)."""
    langs = check_langs(langs or ["sw", "te", "bn"], TYDI_LANGS, "TyDi GoldP")
    qs, cs, qr = [], [], []
    for lang in langs:
        path = Path(root or data_dir()) / "tydiqa-goldp" / TYDI_LANGS[lang] / f"{TYDI_LANGS[lang]}_tydiqa_dev.json"
        rows = read_squad(path)
        ctx_id = {}
        for r in rows:
            did = ctx_id.setdefault(r["context"], f"{lang}/p{len(ctx_id)}")
            qs.append(dict(query_id=f"{lang}/{r['id']}", lang=lang, text=r["question"]))
            qr.append(dict(query_id=f"{lang}/{r['id']}", doc_id=did, relevance=1))
        cs += [dict(doc_id=d, lang=lang, text=c, context=c) for c, d in ctx_id.items()]
    return RetrievalTask(
        "tydi-goldp-dev-pooled", pd.DataFrame(qs), pd.DataFrame(cs), pd.DataFrame(qr), dict(pooled=True)
    )
