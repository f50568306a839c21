"""Training data and protocols: which pairs a model trains on and which tasks evaluate it.

Protocols (each a name in :data:`PROTOCOLS`):

- ``mlqa-test``: MLQA **test** question -> paragraph pairs, queries ar/de/es/hi/zh, passages
  de/es/zh (vi left out so that it stays a zero-shot language, as in the paper). Evaluated on
  XQuAD-R, MLQA-R (same dataset family, other articles), pooled mini-MIRACL, TyDi and AfriQA.
- ``mlqa-r>xquad-r``: train on MLQA-R question -> gold-sentence pairs, evaluate on XQuAD-R
  (el, ru, th, tr never seen in training).
- ``xquad-r>mlqa-r``: train on XQuAD-R, evaluate on MLQA-R.

Hard negatives are a parameter (the paper does not say which it used): ``random`` — a random
passage of the same language from another question; ``bm25`` — the passage of the same language
most BM25-similar to the positive (passage-to-passage, so it works for cross-lingual pairs too).

The leakage guard refuses to train when a training query or passage appears in an evaluation set
as the same text (:func:`~hybridlib.data.readers.leakage_key`: equal up to case, Unicode form,
punctuation and spacing), and never allows a TyDi training source when MIRACL is evaluated (TyDi train
holds 446 of the 482 MIRACL-sw dev queries).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from hybridlib.data import load_lareqa, load_mlqa_test
from hybridlib.data.readers import leakage_key, normalise
from hybridlib.data.task import RetrievalTask

PROTOCOLS = {
    "mlqa-test": ("xquad-r", "mlqa-r", "miracl-pooled", "tydi", "afriqa", "afriqa-translated"),
    "mlqa-r>xquad-r": ("xquad-r",),
    "xquad-r>mlqa-r": ("mlqa-r",),
}
CROSS_DATASET_PROTOCOLS = ("mlqa-r>xquad-r", "xquad-r>mlqa-r")  # train on one LAReQA set, test on the other
# the paper preset's training mix: mMARCO (hub, or a local copy via HYBRIDLIB_MMARCO) + the MLQA pairs;
# kept apart from PROTOCOLS, which the CPU grids iterate
PAPER_PROTOCOLS = {"paper": ("xquad-r", "mlqa-r", "miracl-full")}
ALL_PROTOCOLS = {**PROTOCOLS, **PAPER_PROTOCOLS}
MMARCO_ROWS = 200_000  # mMARCO triples per language read for the paper mix unless capped (~99% of pairs by size)
MLQA_TEST_QUERY_LANGS = ("ar", "de", "es", "hi", "zh")
MLQA_TEST_PASSAGE_LANGS = ("de", "es", "zh")


class LeakageError(ValueError):
    """Training data overlaps the evaluation data."""


def _pairs_mlqa_test(max_groups: int | None, data_seed: int = 0) -> pd.DataFrame:
    q, c = load_mlqa_test()
    q = q[q.lang.isin(MLQA_TEST_QUERY_LANGS)]
    c = c[c.lang.isin(MLQA_TEST_PASSAGE_LANGS)]
    ids = np.array(sorted(set(q.id) & set(c.id)))
    if max_groups is not None and max_groups < len(ids):
        ids = np.sort(np.random.default_rng(data_seed).choice(ids, size=max_groups, replace=False))
    q, c = q[q.id.isin(ids)], c[c.id.isin(ids)]
    pairs = q.merge(c, on="id", suffixes=("_q", "_p"))
    return pd.DataFrame(
        {
            "group": pairs.id,
            "q_lang": pairs.lang_q,
            "p_lang": pairs.lang_p,
            "q_text": pairs.text_q,
            "p_text": pairs.text_p,
            "source": "mlqa-test",
        }
    )


def _pairs_lareqa(dataset: str, max_groups: int | None, data_seed: int = 0) -> pd.DataFrame:
    t = load_lareqa(dataset)
    pos = t.qrels[t.qrels.relevance > 0]
    pairs = pos.merge(t.queries[["query_id", "qid", "lang", "text"]], on="query_id").merge(
        t.candidates[["doc_id", "lang", "text"]], on="doc_id", suffixes=("_q", "_p")
    )
    groups = np.array(sorted(pairs.qid.unique()))
    if max_groups is not None and max_groups < len(groups):
        keep = np.random.default_rng(data_seed).choice(groups, size=max_groups, replace=False)
        pairs = pairs[pairs.qid.isin(keep)]
    return pd.DataFrame(
        {
            "group": pairs.qid,
            "q_lang": pairs.lang_q,
            "p_lang": pairs.lang_p,
            "q_text": pairs.text_q,
            "p_text": pairs.text_p,
            "source": dataset,
        }
    )


def _hard_negatives(ex: pd.DataFrame, kind: str, seed: int) -> pd.Series:
    """One negative passage per example, same passage language, never a positive of its question
    (a sentence can answer several questions, so every (text, question) pair is checked)."""
    rng = np.random.default_rng(seed)
    neg = pd.Series(index=ex.index, dtype=object)
    positive_of = set(zip(ex.p_text, ex.group))
    for lang, df in ex.groupby("p_lang"):
        texts = df.p_text.drop_duplicates().to_numpy()
        if len(texts) < 2:
            raise ValueError(f"hard negatives need at least two {lang} passages")
        groups = df.group.to_numpy()

        def clashes(pick, texts=texts, groups=groups):
            return np.array([(texts[j], g) in positive_of for j, g in zip(pick, groups)])

        if kind == "random":
            pick = rng.integers(len(texts), size=len(df))
            bad = clashes(pick)
            for _ in range(100):
                if not bad.any():
                    break
                pick[bad] = rng.integers(len(texts), size=int(bad.sum()))
                bad = clashes(pick)
        elif kind == "bm25":
            from hybridlib.evaluation.bm25 import BM25Scorer

            scores = BM25Scorer().scores(list(texts), list(texts))
            np.fill_diagonal(scores, -np.inf)
            row_of = pd.Index(texts).get_indexer(df.p_text)
            ranked = np.argsort(-scores, axis=1)[:, :20]  # best non-positive among the top 20
            pick = np.array(
                [
                    next((j for j in ranked[r] if (texts[j], g) not in positive_of), ranked[r][-1])
                    for r, g in zip(row_of, groups)
                ]
            )
            bad = clashes(pick)
        else:
            raise ValueError(f"unknown hard-negative kind {kind!r}; known: 'random', 'bm25'")
        if bad.any():
            raise ValueError(f"could not find a negative that is not a positive for {int(bad.sum())} {lang} examples")
        neg.loc[df.index] = texts[pick]
    return neg


_SEEDLESS: dict[tuple, pd.DataFrame] = {}
_EXAMPLES: dict[tuple, pd.DataFrame] = {}


def examples_fingerprint(ex: pd.DataFrame) -> str:
    """16 hex digits of a training-example table's content (pairs, languages, negatives, sources)."""
    from hybridlib.data.task import frame_fingerprint

    return frame_fingerprint(ex[["group", "q_lang", "p_lang", "q_text", "p_text", "neg_text", "source"]])


def training_examples(
    protocol: str,
    max_groups: int | None = None,
    negatives: str = "random",
    seed: int = 0,
    exclude_langs: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The example table the samplers draw from: ``group, q_lang, p_lang, q_text, p_text,
    neg_text, passage_key, source`` (``passage_key`` identifies identical passage texts).
    Memoised per process (a copy is returned)."""
    key = (protocol, max_groups, negatives, seed, tuple(exclude_langs))
    if key not in _EXAMPLES:
        _EXAMPLES[key] = _training_examples(*key)
    return _EXAMPLES[key].copy()


def _training_examples(
    protocol: str, max_groups: int | None, negatives: str, seed: int, exclude_langs: tuple[str, ...]
) -> pd.DataFrame:
    if protocol == "paper":  # the paper's mix as far as public data allows: mMARCO + the MLQA pairs
        from hybridlib.data.mmarco import mmarco_pairs

        qa = _pairs_mlqa_test(max_groups)
        qa = qa.reset_index(drop=True).assign(neg_text=_hard_negatives(qa.reset_index(drop=True), negatives, seed))
        ex = pd.concat([qa, mmarco_pairs(max_rows=max_groups or MMARCO_ROWS)], ignore_index=True)
        ex["passage_key"] = pd.factorize(ex.p_text.map(normalise))[0]
        return ex
    ex = _seedless_pairs(protocol, max_groups, exclude_langs).copy()
    ex["neg_text"] = _hard_negatives(ex, negatives, seed)
    return ex


def _seedless_pairs(protocol: str, max_groups: int | None, exclude_langs: tuple[str, ...]) -> pd.DataFrame:
    """The pairs and passage keys of a protocol, the part of its examples no seed changes (memoised:
    a grid's seeds share it; read-only, callers copy)."""
    key = (protocol, max_groups, tuple(exclude_langs))
    if key in _SEEDLESS:
        return _SEEDLESS[key]
    if protocol == "mlqa-test":
        ex = _pairs_mlqa_test(max_groups)
    elif protocol in ("mlqa-r>xquad-r", "xquad-r>mlqa-r"):
        ex = _pairs_lareqa(protocol.split(">")[0], max_groups)
    else:
        raise ValueError(f"unknown protocol {protocol!r}; known: {list(ALL_PROTOCOLS)}")
    if exclude_langs:
        ex = ex[~ex.q_lang.isin(exclude_langs) & ~ex.p_lang.isin(exclude_langs)]
    ex = ex.reset_index(drop=True)
    ex["passage_key"] = pd.factorize(ex.p_text.map(normalise))[0]
    _SEEDLESS[key] = ex
    return ex


def split_validation(
    ex: pd.DataFrame, frac: float = 0.05, seed: int = 0, min_groups: int = 32
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out whole groups (questions) for the validation loss (at least ``min_groups``)."""
    groups = np.array(sorted(ex.group.unique()))
    n_val = min(len(groups) // 2, max(min_groups, int(len(groups) * frac)))
    val = set(np.random.default_rng(seed).choice(groups, size=n_val, replace=False))
    is_val = ex.group.isin(val)
    return ex[~is_val].reset_index(drop=True), ex[is_val].reset_index(drop=True)


_NORMALISED: dict[bytes, frozenset[str]] = {}


def _normalised_set(texts: pd.Series) -> frozenset[str]:
    """``{leakage_key(t)}`` of a text column, memoised by content (grids re-check the same pools)."""
    key = hashlib.sha1(pd.util.hash_pandas_object(texts, index=False).to_numpy().tobytes()).digest()
    if key not in _NORMALISED:
        _NORMALISED[key] = frozenset(texts.map(leakage_key))
    return _NORMALISED[key]


def _eval_texts(tasks: dict[str, RetrievalTask]) -> tuple[set[str], set[str]]:
    queries, passages = set(), set()
    for t in tasks.values():
        queries |= _normalised_set(t.queries.text)
        passages |= _normalised_set(t.candidates.text)
        if "context" in t.candidates:
            passages |= _normalised_set(t.candidates.context.dropna())
    return queries, passages


def _hits(texts: pd.Series, pool: set[str]) -> pd.Series:
    """Which texts occur in ``pool`` as the same text (:func:`~hybridlib.data.readers.leakage_key`;
    set lookups: ``isin`` on a large set is slow)."""
    hit = {t: leakage_key(t) in pool for t in set(texts)}  # each distinct text keyed once
    return pd.Series([hit[t] for t in texts], index=texts.index, dtype=bool)


def drop_overlap(ex: pd.DataFrame, tasks: dict[str, RetrievalTask]) -> tuple[pd.DataFrame, int]:
    """Remove training examples whose query or passage text occurs in an evaluation set."""
    queries, passages = _eval_texts(tasks)
    bad = _hits(ex.q_text, queries) | _hits(ex.p_text, passages) | _hits(ex.neg_text, passages)
    return ex[~bad].reset_index(drop=True), int(bad.sum())


def check_no_leakage(ex: pd.DataFrame, tasks: dict[str, RetrievalTask]) -> None:
    """Raise :class:`LeakageError` if any training text is in an evaluation set, or if a TyDi
    source would be trained on while MIRACL is evaluated."""
    if any(str(s).startswith("tydi") for s in ex.source.unique()) and any("miracl" in n for n in tasks):
        raise LeakageError(
            "TyDi is a training source while MIRACL is evaluated: TyDi train contains most "
            "MIRACL-sw/en/ko dev queries. Remove the TyDi source."
        )
    queries, passages = _eval_texts(tasks)
    q_hits = _hits(ex.q_text, queries)
    p_hits = _hits(ex.p_text, passages) | _hits(ex.neg_text, passages)
    if q_hits.any() or p_hits.any():
        example = ex.q_text[q_hits].head(2).tolist() + ex.p_text[p_hits].str[:60].head(2).tolist()
        raise LeakageError(
            f"{int(q_hits.sum())} training queries and {int(p_hits.sum())} training passages "
            f"occur in the evaluation sets {sorted(tasks)} (e.g. {example}); "
            "use drop_overlap() or another protocol"
        )
