"""Language preference in the pooled multilingual setting, measured the ways the field now does.

On XQuAD-R (and MLQA-R where questions are parallel) every question's answer exists as a parallel
sentence in several languages, all relevant: exactly the *parallel pool* these metrics need. Per
query ``q`` in language ``x`` over the pool of every language:

- **LPR** (Language Preference Rate; MLAIRE, Jang et al. 2026, arXiv 2605.07249): 1 if ``q``'s
  answer in its own language is scored above every parallel answer in another language, 0 if below
  one of them, 1/2 on a tie with the best of them; defined only where both exist. Its mean is the
  rate at which the retriever prefers the query's language among semantically equivalent passages;
  a language-blind retriever would score ``1 / n_answers`` (1/11 on XQuAD-R: ``lpr_chance``).
- **Lang-nDCG@10** (MLAIRE): nDCG@10 with graded gains, 2 for the answer in the query language and
  1 for each parallel answer in another language, linear gain and log2(rank + 1) discount, ideal
  ranking = the gain-2 answer then the gain-1 ones. Equals trec_eval ``ndcg_cut.10`` (ir_measures
  ``nDCG@10``) on qrels holding those grades (tested).
- **top-1 decomposition** (MLAIRE's 4-way decomposition of the first result): right or wrong
  (is it one of the parallel answers?) × in the query language or not. Classes ``0`` right & query
  language, ``1`` right & other language (a semantic success the user may not read), ``2`` wrong &
  query language (language preferred over meaning), ``3`` wrong & other language.
- **MRC** (Mean Rank Correlation; Yang, Jiang & Baldwin 2024, "Language bias in information
  retrieval: the nature of the beast and mitigation methods", EMNLP MRL, arXiv 2509.06195): the
  Spearman correlation between the rankings that two parallel queries (the same question in two
  languages) give to the whole pool, averaged over language pairs. Stored per query as the mean of
  its correlations with the other language versions of its question (so the macro over query
  languages equals the mean over ordered language pairs when every question exists in every
  language, as on XQuAD-R); NaN for a question asked in one language only. Ties get average ranks.

Where the papers could not be read in full offline (only their abstracts were reachable), the
definitions above are this study's operational reading of them, stated exactly so they can be
compared; ``docs/deviations.md`` says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hybridlib.data.task import RetrievalTask

TOP1_CLASSES = ("right, query language", "right, other language", "wrong, query language", "wrong, other language")
PREFERENCE_METRICS = ("LPR", "Lang-nDCG@10", "MRC")


def pool_scores(scorer: Any, task: RetrievalTask, rows: np.ndarray) -> np.ndarray:
    """Scores of the queries at positions ``rows`` of ``task`` against all its candidates.

    Dense scorers: :meth:`~hybridlib.evaluation.scoring.DenseScorer.score_matrix` (inner product).
    Lexical scorers expose ``scores(query_texts, candidate_texts)`` (BM25)."""
    if hasattr(scorer, "score_matrix"):
        return scorer.score_matrix(task, rows)
    if hasattr(scorer, "scores"):
        return scorer.scores(task.queries.text.to_numpy()[rows].tolist(), task.candidates.text.tolist())
    raise TypeError(f"{type(scorer).__name__} gives no scores (needs embeddings or a scores() method)")


def _spearman_rows(scores: np.ndarray) -> np.ndarray:
    """Row-wise average ranks (ties share the mean of their positions, as scipy's ``rankdata``),
    centred and scaled to unit norm: the dot product of two rows is Spearman's rho."""
    m, n = scores.shape
    order = np.argsort(scores, axis=1)
    ranks_sorted = np.broadcast_to(np.arange(1, n + 1, dtype=np.float64), (m, n))
    new_run = np.ones((m, n), dtype=bool)
    new_run[:, 1:] = np.diff(np.take_along_axis(scores, order, 1), axis=1) != 0
    if not new_run.all():  # ties (duplicate texts, float32 scores, BM25 zeros): average each run
        run = np.cumsum(new_run, axis=1) - 1 + (np.arange(m) * n)[:, None]
        total = np.bincount(run.ravel(), weights=ranks_sorted.ravel(), minlength=m * n)
        count = np.bincount(run.ravel(), minlength=m * n)
        ranks_sorted = total[run] / count[run]
    r = np.empty((m, n), dtype=np.float64)
    np.put_along_axis(r, order, ranks_sorted, 1)
    r -= r.mean(1, keepdims=True)
    return r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-12)


def lang_ndcg(scores: np.ndarray, rel: np.ndarray, gains: np.ndarray, k: int = 10) -> np.ndarray:
    """nDCG@k of graded relevant items: ``rel`` ``(n_queries, max_rel)`` candidate columns (``-1``
    padded) with ``gains`` of the same shape; linear gain, log2(rank + 1) discount.

    A relevant item's rank is 1 + the number of candidates scored at least as high (other than
    itself): ties are broken against it, the study's pessimistic convention (no sort needed)."""
    valid = rel >= 0
    rel_s = np.take_along_axis(scores, np.where(valid, rel, 0), 1)
    rank = (scores[:, :, None] >= rel_s[:, None, :]).sum(1)  # itself included: 1-based
    disc = np.where(valid & (rank <= k), 1.0 / np.log2(rank + 1.0), 0.0)
    dcg = (np.where(valid, gains, 0.0) * disc).sum(1)
    ideal = -np.sort(-np.where(valid, gains, 0.0), axis=1)[:, :k]
    idcg = (ideal / np.log2(np.arange(2, ideal.shape[1] + 2))).sum(1)
    return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1), np.nan)


def language_preference(scorer: Any, task: RetrievalTask, k: int = 10, block: int = 512) -> dict[str, np.ndarray]:
    """Per-query LPR, Lang-nDCG@k, top-1 class and MRC of the pooled multilingual ``task``.

    Returns arrays aligned on ``query_id``: ``LPR``, ``Lang-nDCG@10`` (float, NaN where undefined),
    ``top1`` (int8 class, see :data:`TOP1_CLASSES`), ``MRC`` (float, NaN without a parallel query)."""
    if "qid" not in task.queries:
        raise ValueError(f"{task.name}: language preference needs parallel questions (a 'qid' column)")
    rel_all = task.relevant_indices()
    cand_lang = task.candidates["lang"].to_numpy()
    qlang = task.queries["lang"].to_numpy()
    qid = task.queries["qid"].to_numpy()
    order = np.argsort(qid, kind="stable")  # every language version of a question in one block
    bounds = np.flatnonzero(np.r_[True, qid[order][1:] != qid[order][:-1], True])
    n = len(qid)
    lpr, ndcg, mrc = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    top1 = np.zeros(n, dtype=np.int8)
    n_answers = (rel_all >= 0).sum(1).astype(np.int16)
    start = 0
    while start < len(bounds) - 1:
        stop = start + 1
        while stop < len(bounds) - 1 and bounds[stop + 1] - bounds[start] <= block:
            stop += 1
        rows = order[bounds[start] : bounds[stop]]
        s = np.asarray(pool_scores(scorer, task, rows), dtype=np.float32)
        rel = rel_all[rows]
        valid = rel >= 0
        rel_c = np.where(valid, rel, 0)
        same = valid & (cand_lang[rel_c] == qlang[rows][:, None])
        other = valid & ~same
        # LPR: own-language answer above every other-language answer (ties count one half)
        rel_s = np.take_along_axis(s, rel_c, 1)
        own = np.where(same, rel_s, -np.inf).max(1)
        best_other = np.where(other, rel_s, -np.inf).max(1)
        ok = same.any(1) & other.any(1)
        lpr[rows] = np.where(ok, np.where(own > best_other, 1.0, np.where(own == best_other, 0.5, 0.0)), np.nan)
        # Lang-nDCG@k: graded gains 2 (query language) / 1 (other language)
        ndcg[rows] = lang_ndcg(s, rel, np.where(same, 2.0, 1.0), k)
        # top-1 decomposition
        first = np.argmax(s, axis=1)
        right = (rel == first[:, None]).any(1)
        in_qlang = cand_lang[first] == qlang[rows]
        top1[rows] = np.where(right, np.where(in_qlang, 0, 1), np.where(in_qlang, 2, 3))
        # MRC: each query's mean Spearman correlation with its question's other language versions
        z = _spearman_rows(s)
        for a, b in zip(bounds[start:stop], bounds[start + 1 : stop + 1]):
            g = slice(a - bounds[start], b - bounds[start])
            m = len(range(*g.indices(len(rows))))
            if m > 1:
                rho = z[g] @ z[g].T
                mrc[rows[g]] = (rho.sum(1) - np.diag(rho)) / (m - 1)
        start = stop
    return {
        "query_id": task.queries["query_id"].to_numpy(),
        "LPR": lpr,
        "Lang-nDCG@10": ndcg,
        "top1": top1,
        "MRC": mrc,
        "n_answers": n_answers,
    }


def preference_summary(per_query: dict[str, np.ndarray]) -> dict:
    """Macro over query languages (query ids ``lang/qid``) of each metric, top-1 class shares, and
    ``lpr_chance``: the LPR of a language-blind retriever (mean of 1 / number of parallel answers)."""
    lang = pd.Series(per_query["query_id"]).str.split("/", n=1).str[0].to_numpy()
    df = pd.DataFrame({m: per_query[m] for m in PREFERENCE_METRICS} | {"lang": lang})
    per_lang = df.groupby("lang").mean()
    out = {m: float(per_lang[m].mean()) for m in PREFERENCE_METRICS}
    shares = pd.crosstab(lang, per_query["top1"], normalize="index").reindex(columns=range(4), fill_value=0.0)
    out["top1"] = {name: float(shares[i].mean()) for i, name in enumerate(TOP1_CLASSES)}
    if "n_answers" in per_query:
        n = per_query["n_answers"]
        out["lpr_chance"] = float(np.mean(1.0 / n[n > 1])) if (n > 1).any() else float("nan")
    return out


__all__ = [
    "PREFERENCE_METRICS",
    "TOP1_CLASSES",
    "language_preference",
    "lang_ndcg",
    "pool_scores",
    "preference_summary",
]
