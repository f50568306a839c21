"""A harder pooled mini-MIRACL for the low-resource languages: as many queries and candidates as the
shipped data allows (the scaling extension's monolingual set).

Against ``load_miracl(langs)`` (only queries whose positives *all* have text; the language's
shipped passages as the pool):

- **queries**: every dev query with at least one positive whose text is shipped (yo 53, sw 120,
  te 85, bn 65, th 66, hi 47: 436 queries instead of 252);
- **qrels**: only judged passages that have text. A positive without text could be retrieved by no
  system, so it is dropped rather than counted as never retrieved: condensed-list evaluation
  (Sakai 2007), which keeps nDCG@10 on the same 0-1 scale for every query;
- **candidates**: every shipped passage of the language (those are MIRACL's own judged pools of
  other queries, i.e. passages that retrievers ranked high: hard distractors) plus same-language
  Wikipedia paragraphs from the other shipped datasets: TyDi GoldP dev (sw, te, bn), MLQA-R and
  XQuAD-R (hi, th). A distractor whose normalised text equals a MIRACL passage is dropped, and so
  is every TyDi paragraph whose question is a MIRACL dev query (it may be an unjudged positive).
  yo has no other shipped same-language text, so its pool is unchanged.

Unjudged passages may still be relevant (pooled evaluation): scores are for comparing models.
"""

from __future__ import annotations

import pandas as pd

from hybridlib.data.lareqa import load_lareqa
from hybridlib.data.miracl import LOW_RESOURCE, load_corpus, read_qrels, read_topics
from hybridlib.data.mlqa_tydi import TYDI_LANGS, load_tydi_dev
from hybridlib.data.readers import normalise
from hybridlib.data.task import RetrievalTask, check_langs

LAREQA_LANGS = {"xquad-r": ("hi", "th"), "mlqa-r": ("hi",)}


def distractors(lang: str, miracl_texts: set[str], miracl_queries: set[str]) -> pd.DataFrame:
    """Same-language paragraphs of the other shipped datasets, minus duplicates of ``miracl_texts``
    and TyDi paragraphs whose question is one of ``miracl_queries`` (normalised texts)."""
    parts = []
    if lang in TYDI_LANGS:
        t = load_tydi_dev([lang])
        asked = t.qrels.merge(t.queries[["query_id", "text"]], on="query_id")
        risky = set(asked.loc[asked.text.map(normalise).isin(miracl_queries), "doc_id"])
        parts.append(t.candidates.loc[~t.candidates.doc_id.isin(risky), ["text"]].assign(source="tydi"))
    for dataset, langs in LAREQA_LANGS.items():
        if lang in langs:
            c = load_lareqa(dataset, [lang]).candidates
            parts.append(pd.DataFrame({"text": c["context"].drop_duplicates(), "source": dataset}))
    if not parts:
        return pd.DataFrame(columns=["doc_id", "lang", "text", "context"])
    d = pd.concat(parts, ignore_index=True)
    key = d.text.map(normalise)
    d = d[~key.isin(miracl_texts) & ~key.duplicated()].reset_index(drop=True)
    doc_id = lang + "/distractor-" + d.source + "-" + d.index.astype(str)
    return pd.DataFrame({"doc_id": doc_id, "lang": lang, "text": d.text, "context": d.text})


def load_miracl_hard(langs: list[str] | None = None) -> RetrievalTask:
    """MIRACL dev for ``langs`` (default: the six low-resource languages) over the enlarged pool."""
    langs = check_langs(list(LOW_RESOURCE) if langs is None else langs, LOW_RESOURCE, "MIRACL (hard pool)")
    qs, cs, qr = [], [], []
    for lang in langs:
        topics, qrels, cands = read_topics(lang), read_qrels(lang), load_corpus(lang)
        has_text = qrels.doc_id.isin(cands.doc_id)
        qrels = qrels[has_text]
        keep = set(qrels.loc[qrels.relevance > 0, "query_id"])
        topics = topics[topics.query_id.isin(keep)]
        extra = distractors(
            lang, set(cands.context.map(normalise)) | set(cands.text.map(normalise)), set(topics.text.map(normalise))
        )
        qs.append(topics.assign(query_id=lang + "/" + topics.query_id))
        qrels = qrels[qrels.query_id.isin(keep)]
        qr.append(qrels.assign(query_id=lang + "/" + qrels.query_id, doc_id=lang + "/" + qrels.doc_id))
        cs.append(pd.concat([cands.assign(doc_id=lang + "/" + cands.doc_id), extra], ignore_index=True))
    return RetrievalTask(
        "miracl-hard",
        pd.concat(qs, ignore_index=True),
        pd.concat(cs, ignore_index=True),
        pd.concat(qr, ignore_index=True),
        dict(corpus="pooled+distractors", pooled=True, condensed=True),
    )


__all__ = ["load_miracl_hard", "distractors"]
