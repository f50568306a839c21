"""Parallel-sentence retrieval scored the LAReQA way: cross-lingual x → y and the pooled setting.

On a pooled parallel task (:func:`hybridlib.data.bitext.load_flores`), per query sentence ``q`` in
language ``x``:

- **Cr** (x → y, y ≠ x): the pool is every sentence of ``y``; the one relevant candidate is ``q``'s
  translation. mAP then equals MRR (trec_eval ``recip_rank``) and R@1 is the translation-retrieval
  accuracy (xsim's 1 − error rate). The table's Cr is the mean over all ordered pairs (42 for seven
  languages); FLORES is fully parallel, so that equals the macro over query languages of each
  query's mean over its targets, which is what the per-query arrays hold.
- **Mul** (x → pool): the pool is every sentence of every language *except* ``q`` itself (its own
  text would rank first and is not a result); the relevant candidates are its versions in the other
  languages. mAP / R@10 / R@1 as for LAReQA's Mul (trec_eval ``map`` / ``recall.10`` /
  ``recall.1``), and the paper's rank distance (max − min rank of the relevant versions).
- **own-language top-1** (``top1_own_language``): 1 when the first result is another sentence of
  ``x`` (necessarily wrong: no relevant item shares ``x``), the "wrong, query language" class of
  the LAReQA top-1 decomposition. LPR (preferring the query-language answer over its translations)
  has no value here: the only query-language version of ``q`` is ``q`` itself.

Tatoeba (:func:`~hybridlib.data.bitext.load_tatoeba`): per language pair, x → en and en → x
within that pair's sentences (LASER's protocol): R@1 = accuracy and mAP (= MRR); the summary's
``R@1`` / ``mAP`` are the macro over pairs of the two directions' mean.

Ranks follow :mod:`hybridlib.evaluation.metrics` (ties pessimistic, as everywhere in the study).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation import metrics as M

MUL_METRICS = ("mAP", "R@1", "R@10", "rank_distance")


def _own_column(task: RetrievalTask) -> np.ndarray:
    """Each query's own sentence among the candidates (doc id ``lang:idx`` of query ``lang/idx``)."""
    own = task.queries.query_id.str.replace("/", ":", n=1, regex=False)
    col = pd.Index(task.candidates.doc_id).get_indexer(own)
    if (col < 0).any():
        raise ValueError(f"{task.name}: {(col < 0).sum()} queries have no own sentence among the candidates")
    return col


def pooled_ranks(scorer, task: RetrievalTask, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of each query's relevant candidates over the whole pool with its own sentence
    excluded, and whether its first result is in its own language (``(n_queries,)`` 0/1)."""
    rel = task.relevant_indices()
    own = _own_column(task)
    cand_lang = task.candidates.lang.to_numpy()
    q_lang = task.queries.lang.to_numpy()
    ranks = np.zeros(rel.shape, dtype=np.int64)
    top1_own = np.zeros(len(task.queries))
    for start in range(0, len(task.queries), block):
        rows = np.arange(start, min(start + block, len(task.queries)))
        s = scorer.score_matrix(task, rows)
        s[np.arange(len(rows)), own[rows]] = -np.inf
        ranks[rows] = M.ranks_from_scores(s, rel[rows])
        top1_own[rows] = cand_lang[s.argmax(1)] == q_lang[rows]
    return ranks, top1_own


def evaluate_flores(scorer, task: RetrievalTask) -> tuple[dict, dict[str, np.ndarray]]:
    """Summary (JSON-able) and per-query arrays of a pooled parallel task (see the module)."""
    langs = task.query_langs
    cross = {}
    for x in langs:
        for y in langs:
            if x != y:
                sub = task.subset([x], [y], f"{task.name}/cross/{x}-{y}")
                cross[(x, y)] = pd.DataFrame(
                    M.per_query(scorer.ranks(sub), ("mAP", "R@1")), index=sub.queries.query_id.to_numpy()
                )
    ranks, top1_own = pooled_ranks(scorer, task)
    multi = pd.DataFrame(M.per_query(ranks, MUL_METRICS), index=task.queries.query_id.to_numpy())
    multi["top1_own_language"] = top1_own
    qlang = pd.Series(task.queries.lang.to_numpy(), index=multi.index)
    cr_q = pd.concat(cross.values()).groupby(level=0).mean().reindex(multi.index)  # each query: mean over targets
    matrix = pd.DataFrame({(x, y): {"mAP": d["mAP"].mean(), "R@1": d["R@1"].mean()} for (x, y), d in cross.items()}).T
    per_language = pd.DataFrame(
        {
            "Cr_mAP": cr_q["mAP"].groupby(qlang).mean(),
            "Cr_R@1": cr_q["R@1"].groupby(qlang).mean(),
            "Mul_mAP": multi["mAP"].groupby(qlang).mean(),
            "Mul_R@10": multi["R@10"].groupby(qlang).mean(),
            "RD": multi["rank_distance"].groupby(qlang).mean(),
            "top1_own_language": multi["top1_own_language"].groupby(qlang).mean(),
            "n_queries": qlang.value_counts(),
        }
    )
    summary = {
        "Cr_mAP": float(matrix["mAP"].mean()),
        "Cr_R@1": float(matrix["R@1"].mean()),
        "Mul_mAP": float(per_language["Mul_mAP"].mean()),
        "Mul_R@1": float(multi["R@1"].groupby(qlang).mean().mean()),
        "Mul_R@10": float(per_language["Mul_R@10"].mean()),
        "RD": float(per_language["RD"].mean()),
        "top1_own_language": float(per_language["top1_own_language"].mean()),
    }
    cross_map = matrix["mAP"].unstack()
    out = {
        "summary": summary,
        "per_language": per_language.round(6).to_dict(orient="index"),
        "cross_mAP": cross_map.round(6).to_dict(orient="index"),
        "n_queries": int(len(task.queries)),
        "n_candidates": int(len(task.candidates)),
    }
    ids = multi.index.to_numpy().astype(str)
    arrays = {"cross/query_id": ids, "multi/query_id": ids}
    arrays |= {f"cross/{m}": cr_q[m].to_numpy() for m in ("mAP", "R@1")}
    arrays |= {f"multi/{m}": multi[m].to_numpy() for m in (*MUL_METRICS, "top1_own_language")}
    return out, arrays


def evaluate_tatoeba(scorer, task: RetrievalTask) -> tuple[dict, dict[str, np.ndarray]]:
    """x → en and en → x within each Tatoeba pair (R@1 = accuracy, mAP = MRR); summary and arrays."""
    per_pair, ids, values = {}, [], {"R@1": [], "mAP": []}
    for pair in sorted(task.queries.pair.unique()):
        row = {}
        for src, tgt in ((pair, "en"), ("en", pair)):
            qs = task.queries[(task.queries.pair == pair) & (task.queries.lang == src)]
            cs = task.candidates[(task.candidates.pair == pair) & (task.candidates.lang == tgt)]
            qrels = task.qrels[np.isin(task.qrels.q_row, qs.index) & np.isin(task.qrels.d_row, cs.index)]
            sub = RetrievalTask(f"{task.name}/{src}-{tgt}", qs, cs, qrels)
            per = M.per_query(scorer.ranks(sub), ("R@1", "mAP"))
            direction = "xx->en" if tgt == "en" else "en->xx"
            row[f"{direction} R@1"], row[f"{direction} mAP"] = float(per["R@1"].mean()), float(per["mAP"].mean())
            ids.append(qs.query_id.to_numpy().astype(str))
            for m in values:
                values[m].append(per[m])
        row["n_pairs"] = int((task.queries.pair == pair).sum() // 2)
        per_pair[pair] = row
    table = pd.DataFrame(per_pair).T
    summary = {c: float(table[c].mean()) for c in table.columns if c != "n_pairs"}
    for m in ("R@1", "mAP"):  # the macro over pairs of both directions' mean
        summary[m] = float(table[[f"xx->en {m}", f"en->xx {m}"]].mean(axis=1).mean())
    out = {"summary": summary, "per_language": table.round(6).to_dict(orient="index")}
    arrays = {"pairs/query_id": np.concatenate(ids)} | {f"pairs/{m}": np.concatenate(v) for m, v in values.items()}
    return out, arrays
