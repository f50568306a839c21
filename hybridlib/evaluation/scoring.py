"""Turn (scorer, task) into the paper's numbers: per query, per language, and the paper's averages.

A *scorer* gives the ranks of each query's relevant candidates in a (sub-)task. Dense models score
by inner product of cached, L2-normalised embeddings (cosine); BM25 plugs in the same way.

Averaging follows the paper: Mo = macro-mean over languages of the x->x scores; Cr = mean over
all ordered pairs x != y (110 for XQuAD-R, 42 for MLQA-R); Mul = macro-mean over query languages
of x -> pool-of-all-languages scores. Rank distance is computed in the Mul setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from hybridlib.data.lareqa import settings as lareqa_settings
from hybridlib.data.task import RetrievalTask, missing_positive
from hybridlib.evaluation import metrics as M

LAREQA_METRICS = ("mAP", "R@1", "R@10", "rank_distance")
POOL_METRICS = ("nDCG@10", "R@100", "mAP", "MRR")


class Scorer(Protocol):
    def ranks(self, task: RetrievalTask) -> np.ndarray: ...


@dataclass
class DenseScorer:
    """Inner-product scoring of embeddings; ``query_index`` / ``candidate_index`` are the task
    index labels of their rows, so any sub-task of the embedded task can be scored."""

    queries: np.ndarray
    candidates: np.ndarray
    query_index: np.ndarray
    candidate_index: np.ndarray

    @classmethod
    def for_task(cls, task: RetrievalTask, queries: np.ndarray, candidates: np.ndarray) -> DenseScorer:
        return cls(queries, candidates, task.queries.index.to_numpy(), task.candidates.index.to_numpy())

    def _rows(self, labels: np.ndarray, index: np.ndarray, what: str) -> np.ndarray:
        rows = pd.Index(index).get_indexer(labels)
        if (rows < 0).any():
            raise KeyError(f"{(rows < 0).sum()} {what} of the sub-task were not embedded")
        return rows

    def score_matrix(self, task: RetrievalTask, rows: np.ndarray | None = None) -> np.ndarray:
        """Inner products (cosine on L2-normalised embeddings, float32) of the task's queries at
        positions ``rows`` (all when ``None``) with every candidate of the task, candidates in task order."""
        labels = task.queries.index.to_numpy()
        q = self.queries[self._rows(labels if rows is None else labels[rows], self.query_index, "queries")]
        c = self.candidates[self._rows(task.candidates.index.to_numpy(), self.candidate_index, "candidates")]
        return q.astype(np.float32) @ c.astype(np.float32).T

    def ranks(self, task: RetrievalTask) -> np.ndarray:
        q = self.queries[self._rows(task.queries.index.to_numpy(), self.query_index, "queries")]
        c = self.candidates[self._rows(task.candidates.index.to_numpy(), self.candidate_index, "candidates")]
        return M.ranks_dense(q, c, task.relevant_indices())

    def map(self, fn) -> DenseScorer:
        """Apply an embedding transform ``fn(x, kind)`` (``kind`` = ``"query"``/``"passage"``)."""
        return DenseScorer(
            fn(self.queries, "query"), fn(self.candidates, "passage"), self.query_index, self.candidate_index
        )


def topk(queries: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` by inner product with faiss ``IndexFlatIP`` (cosine on L2-normalised vectors).

    Returns ``(scores, indices)``, each ``(n_queries, k)``; used to write TREC-style runs.
    """
    import faiss

    index = faiss.IndexFlatIP(candidates.shape[1])
    index.add(np.ascontiguousarray(candidates, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, len(candidates)))


def run_frame(task: RetrievalTask, scorer: DenseScorer, k: int = 100) -> pd.DataFrame:
    """A TREC-style run (``query_id, doc_id, score``) of the top ``k`` per query, for ir_measures."""
    q = scorer.queries[scorer._rows(task.queries.index.to_numpy(), scorer.query_index, "queries")]
    c = scorer.candidates[scorer._rows(task.candidates.index.to_numpy(), scorer.candidate_index, "candidates")]
    scores, idx = topk(q, c, k)
    qids = np.repeat(task.queries.query_id.to_numpy(), idx.shape[1])
    return pd.DataFrame(
        {"query_id": qids, "doc_id": task.candidates.doc_id.to_numpy()[idx.ravel()], "score": scores.ravel()}
    )


def embed_task(encoder, task: RetrievalTask, layer: int | None = None) -> DenseScorer:
    """Encode (or read from cache) every query and candidate of ``task`` once."""
    q = encoder.encode(task.queries["text"].tolist(), "query", layer=layer)
    c = encoder.encode(task.candidates["text"].tolist(), "passage", layer=layer)
    return DenseScorer.for_task(task, q, c)


@dataclass
class SettingScores:
    """Per-query metric arrays of one (query language, pool) setting."""

    query_ids: np.ndarray
    values: dict[str, np.ndarray]

    def mean(self, metric: str) -> float:
        return float(np.mean(self.values[metric])) if len(self.query_ids) else float("nan")


def score_task(scorer: Scorer, task: RetrievalTask, names=POOL_METRICS) -> SettingScores:
    ranks = scorer.ranks(task)
    return SettingScores(task.queries["query_id"].to_numpy(), M.per_query(ranks, list(names)))


@dataclass
class LareqaResult:
    """The three settings of one model on XQuAD-R or MLQA-R, with the paper's averages."""

    dataset: str
    mono: dict[str, SettingScores] = field(default_factory=dict)  # key: x
    cross: dict[tuple[str, str], SettingScores] = field(default_factory=dict)  # key: (x, y)
    multi: dict[str, SettingScores] = field(default_factory=dict)  # key: x

    @property
    def langs(self) -> list[str]:
        return sorted(self.mono)

    def summary(self) -> dict[str, float]:
        """Mo/Cr/Mul averages: ``Mo_mAP, Mo_R@1, Cr_mAP, Cr_R@1, Mul_mAP, Mul_R@10, RD``."""
        # nanmean: a subsampled task can leave a language pair without answerable queries
        mo = {m: np.nanmean([s.mean(m) for s in self.mono.values()]) for m in ("mAP", "R@1")}
        cr = {m: np.nanmean([s.mean(m) for s in self.cross.values()]) for m in ("mAP", "R@1")}
        mul = {m: np.nanmean([s.mean(m) for s in self.multi.values()]) for m in ("mAP", "R@10", "rank_distance")}
        return {
            "Mo_mAP": mo["mAP"],
            "Mo_R@1": mo["R@1"],
            "Cr_mAP": cr["mAP"],
            "Cr_R@1": cr["R@1"],
            "Mul_mAP": mul["mAP"],
            "Mul_R@10": mul["R@10"],
            "RD": mul["rank_distance"],
        }

    def per_language(self) -> pd.DataFrame:
        """One row per language: Mo (x->x), Cr (mean of x->y over y), Mul (x->all), rank distance."""
        rows = []
        for x in self.langs:
            cr = [s for (a, _), s in self.cross.items() if a == x]
            rows.append(
                {
                    "lang": x,
                    "Mo_mAP": self.mono[x].mean("mAP"),
                    "Mo_R@1": self.mono[x].mean("R@1"),
                    "Cr_mAP": float(np.nanmean([s.mean("mAP") for s in cr])),
                    "Cr_R@1": float(np.nanmean([s.mean("R@1") for s in cr])),
                    "Mul_mAP": self.multi[x].mean("mAP"),
                    "Mul_R@10": self.multi[x].mean("R@10"),
                    "RD": self.multi[x].mean("rank_distance"),
                }
            )
        return pd.DataFrame(rows).set_index("lang")

    def cross_matrix(self, metric: str = "mAP") -> pd.DataFrame:
        """Query language x target language matrix (diagonal = monolingual)."""
        langs = self.langs
        m = pd.DataFrame(np.nan, index=langs, columns=langs)
        for (x, y), s in self.cross.items():
            m.loc[x, y] = s.mean(metric)
        for x, s in self.mono.items():
            m.loc[x, x] = s.mean(metric)
        m.index.name, m.columns.name = "query", "target"
        return m

    def per_query_frame(self) -> dict[str, np.ndarray]:
        """Compact per-query arrays for paired tests and CIs (aligned by query id per setting).

        ``mono`` and ``multi``: one value per query; ``cross``: each query's mean over its target
        languages. The tables' Cr is the mean over ordered language pairs; when every pair holds
        the same questions (XQuAD-R: every question in every language) that equals the macro over
        query languages of ``cross``, exactly and in every question-cluster bootstrap draw, so only
        the marker ``cross/pairs_balanced`` is stored; otherwise (MLQA-R) ``cross_pair`` holds one
        value per (query, target language), ids ``x>y/qid``.
        Keys: ``{setting}/{metric}`` and ``{setting}/query_id``.
        """
        out: dict[str, np.ndarray] = {}
        for name, part in (("mono", self.mono), ("multi", self.multi)):
            ids = np.concatenate([part[x].query_ids for x in self.langs])
            out[f"{name}/query_id"] = ids
            for m in ("mAP", "R@1", "R@10") + (("rank_distance",) if name == "multi" else ()):
                out[f"{name}/{m}"] = np.concatenate([part[x].values[m] for x in self.langs])
        frames = [
            pd.DataFrame({"query_id": s.query_ids, "mAP": s.values["mAP"], "R@1": s.values["R@1"]})
            for s in self.cross.values()
        ]
        cr = pd.concat(frames).groupby("query_id", sort=True).mean()
        out["cross/query_id"] = cr.index.to_numpy()
        out["cross/mAP"], out["cross/R@1"] = cr["mAP"].to_numpy(), cr["R@1"].to_numpy()
        if pairs_balanced(s.query_ids for s in self.cross.values()):
            out["cross/pairs_balanced"] = np.array([True])
            return out
        # every (query, target language) pair: the tables' Cr is the mean over ordered language pairs
        pair_ids = [
            np.array([f"{x}>{y}/{q.split('/', 1)[-1]}" for q in s.query_ids]) for (x, y), s in self.cross.items()
        ]
        out["cross_pair/query_id"] = np.concatenate(pair_ids) if pair_ids else np.array([], dtype=str)
        for m in ("mAP", "R@1"):
            out[f"cross_pair/{m}"] = (
                np.concatenate([s.values[m] for s in self.cross.values()]) if pair_ids else np.array([])
            )
        return out


def pairs_balanced(query_ids_per_pair: Iterable[Iterable[str]]) -> bool:
    """Whether every ordered language pair holds the same questions (query ids ``<lang or pair>/qid``)."""
    sets = {frozenset(q.split("/", 1)[-1] for q in ids) for ids in query_ids_per_pair}
    return len(sets) == 1


def evaluate_lareqa(scorer: Scorer, task: RetrievalTask) -> LareqaResult:
    """Score all three settings of a pooled LAReQA task (see :func:`hybridlib.data.settings`)."""
    res = LareqaResult(task.name)
    for setting, subs in lareqa_settings(task).items():
        for (x, y), sub in subs.items():
            scores = score_task(scorer, sub, LAREQA_METRICS if setting == "multi" else ("mAP", "R@1", "R@10"))
            if setting == "mono":
                res.mono[x] = scores
            elif setting == "cross":
                res.cross[(x, y)] = scores
            else:
                res.multi[x] = scores
    return res


def evaluate_pooled(scorer: Scorer, task: RetrievalTask, group: str = "lang") -> dict[str, SettingScores]:
    """Per-language pooled retrieval (MIRACL, TyDi, AfriQA): each group is its own candidate pool.

    ``group`` names the query column that selects the pool (``lang``; AfriQA uses ``pool``).
    """
    out = {}
    for g in sorted(task.queries[group].unique()):
        qs = task.queries[task.queries[group] == g]
        cands = (
            task.candidates[task.candidates[group] == g]
            if group in task.candidates
            else task.candidates[task.candidates["lang"] == g]
        )
        in_pool = np.isin(task.qrels["d_row"], cands.index) | missing_positive(task.qrels)
        qrels = task.qrels[np.isin(task.qrels["q_row"], qs.index) & in_pool]
        sub = RetrievalTask(f"{task.name}/{g}", qs, cands, qrels)
        out[g] = score_task(scorer, sub)
    return out


def evaluate_topk(scorer: DenseScorer, task: RetrievalTask, k: int = 100) -> dict[str, SettingScores]:
    """Per-language retrieval over a *full* corpus: faiss top-``k`` runs scored by ``ir_measures``.

    nDCG@10 and R@100 equal trec_eval ``ndcg_cut.10`` / ``recall.100`` on the top-``k`` run (judged
    passages outside the corpus count as never retrieved); used where exact ranks over millions of
    candidates would not fit in memory. On a small corpus they equal :func:`evaluate_pooled`.
    """
    import ir_measures
    from ir_measures import R, nDCG

    out = {}
    qrels = task.ir_measures_qrels()
    for lang in sorted(task.queries["lang"].unique()):
        sub = task.subset([lang], [lang])
        run = run_frame(sub, scorer, k=k)
        per = {(m.query_id, str(m.measure)): m.value for m in ir_measures.iter_calc([nDCG @ 10, R @ 100], qrels, run)}
        qids = sub.queries["query_id"].to_numpy()
        values = {name: np.array([per.get((q, name), 0.0) for q in qids]) for name in ("nDCG@10", "R@100")}
        out[lang] = SettingScores(qids, values)
    return out


def pooled_table(result: dict[str, SettingScores], metrics=("nDCG@10", "R@100")) -> pd.DataFrame:
    """Per-language means with the mean and median over languages (the paper's Tables 12-13 form)."""
    df = pd.DataFrame(
        {g: {m: s.mean(m) for m in metrics} | {"n_queries": len(s.query_ids)} for g, s in result.items()}
    ).T
    n = len(result)
    df.loc["mean"] = df.iloc[:n, : len(metrics)].mean()
    df.loc["median"] = df.iloc[:n, : len(metrics)].median()
    df.loc[["mean", "median"], "n_queries"] = df["n_queries"].iloc[:n].sum()
    return df
