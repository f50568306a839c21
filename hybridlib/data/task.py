"""One in-memory form for every retrieval task: queries, candidates, relevance judgements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class DataError(ValueError):
    """Bad or missing input data; the message names the file, field or value."""


MISSING = -2  # relevant_indices(): a judged positive absent from the corpus


def missing_positive(qrels: pd.DataFrame) -> np.ndarray:
    """Judged-relevant rows whose passage is not in the corpus (``d_row`` -1): they stay with their
    query (never retrieved, still counted, as in trec_eval); judged non-relevant ones are dropped."""
    return ((qrels["d_row"].to_numpy() < 0) & (qrels["relevance"].to_numpy() > 0)).astype(bool)


def frame_fingerprint(*frames: pd.DataFrame) -> str:
    """16 hex digits of the content of data frames (values and column names, not the index)."""
    import hashlib

    h = hashlib.sha1()
    for df in frames:
        h.update("\x00".join(map(str, df.columns)).encode())
        h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class RetrievalTask:
    """Queries ``(query_id, lang, text)``, candidates ``(doc_id, lang, text, context)`` and qrels.

    The frames' index is the row number in the task as loaded; :meth:`subset` keeps it, so
    embeddings computed once for the loaded task serve every sub-task (``emb[sub.queries.index]``).

    ``qrels`` has the columns ``query_id, doc_id, relevance`` — exactly the DataFrame form that
    ``ir_measures`` accepts. Only judgements with ``relevance > 0`` matter for the binary metrics
    of this study; judged non-relevant rows may be kept (MIRACL has them).
    """

    name: str
    queries: pd.DataFrame
    candidates: pd.DataFrame
    qrels: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        for df, cols, what in (
            (self.queries, ["query_id", "lang", "text"], "queries"),
            (self.candidates, ["doc_id", "lang", "text"], "candidates"),
            (self.qrels, ["query_id", "doc_id", "relevance"], "qrels"),
        ):
            missing = [c for c in cols if c not in df.columns]
            if missing:
                raise DataError(f"task {self.name!r}: {what} lacks columns {missing}")
        for df, what, key in ((self.queries, "queries", "query_id"), (self.candidates, "candidates", "doc_id")):
            text = df["text"]
            empty = text.isna() | (text.astype(str).str.strip() == "")
            if empty.any():
                raise DataError(
                    f"task {self.name!r}: {int(empty.sum())} {what} with empty or null text "
                    f"(e.g. {key} {df.loc[empty, key].iloc[0]!r}): an empty text cannot be scored"
                )
        if self.queries["query_id"].duplicated().any():
            raise DataError(f"task {self.name!r}: duplicate query ids")
        if self.candidates["doc_id"].duplicated().any():
            raise DataError(f"task {self.name!r}: duplicate candidate ids")
        if "q_row" not in self.qrels:  # integer row links, computed once for the loaded task
            qrels = self.qrels.assign(
                q_row=pd.Index(self.queries["query_id"]).get_indexer(self.qrels["query_id"]),
                d_row=pd.Index(self.candidates["doc_id"]).get_indexer(self.qrels["doc_id"]),
            )
            qrels["q_row"] = _rows(self.queries.index, qrels["q_row"])
            qrels["d_row"] = _rows(self.candidates.index, qrels["d_row"])
            object.__setattr__(self, "qrels", qrels)

    def __repr__(self) -> str:
        return (
            f"RetrievalTask({self.name!r}, {len(self.queries)} queries, "
            f"{len(self.candidates)} candidates, {int((self.qrels.relevance > 0).sum())} positives)"
        )

    def fingerprint(self) -> str:
        """16 hex digits of the task's content: query ids/languages/texts, candidate ids/languages/
        texts and judgements, so any change of language subset, cap or data file changes it.

        Memoised on the task (tasks are read-only; hashing a corpus takes up to a second and a
        results notebook asks for each task's fingerprint for every run it reads)."""
        memo = self.__dict__.get("_fingerprint")
        if memo is None:
            memo = frame_fingerprint(
                self.queries[["query_id", "lang", "text"]],
                self.candidates[["doc_id", "lang", "text"]],
                self.qrels[["query_id", "doc_id", "relevance"]],
            )
            object.__setattr__(self, "_fingerprint", memo)  # frozen dataclass: not a field
        return memo

    @property
    def query_langs(self) -> list[str]:
        return sorted(self.queries["lang"].unique())

    @property
    def candidate_langs(self) -> list[str]:
        return sorted(self.candidates["lang"].unique())

    def ir_measures_qrels(self) -> pd.DataFrame:
        """The judgements as an ``ir_measures`` qrels frame (``query_id, doc_id, relevance``)."""
        return self.qrels[["query_id", "doc_id", "relevance"]].copy()

    def subset(
        self, query_langs: Iterable[str], candidate_langs: Iterable[str], name: str | None = None
    ) -> RetrievalTask:
        """Queries in ``query_langs`` against the pool of ``candidate_langs``.

        Judgements are restricted to the pool, and queries left without a relevant candidate
        are dropped (the paper's cross-lingual setting keeps only queries answerable in y).
        """
        ql, cl = list(query_langs), list(candidate_langs)
        cands = self.candidates[self.candidates["lang"].isin(cl)]
        qs = self.queries[self.queries["lang"].isin(ql)]
        in_pool = np.isin(self.qrels["d_row"], cands.index) | missing_positive(self.qrels)
        qrels = self.qrels[np.isin(self.qrels["q_row"], qs.index) & in_pool]
        answerable = np.unique(qrels.loc[qrels["relevance"] > 0, "q_row"])
        qs = qs[np.isin(qs.index, answerable)]
        qrels = qrels[np.isin(qrels["q_row"], answerable)]
        return RetrievalTask(
            name or f"{self.name}[{'+'.join(ql)}->{'+'.join(cl)}]",
            qs,  # the index keeps the row number in the task first loaded (embedding rows)
            cands,
            qrels.reset_index(drop=True),
            dict(self.meta),
        )

    def shrink(
        self, max_queries: int | None = None, max_candidates: int | None = None, by: str = "lang"
    ) -> RetrievalTask:
        """A small deterministic sample (smoke runs): the first ``max_queries`` queries of each
        ``by`` group, and per group every candidate relevant to a kept query plus the first others
        up to ``max_candidates``. Parallel LAReQA questions stay parallel (first ids of the first group
        are kept in every language where they exist)."""
        if max_queries is None and max_candidates is None:
            return self
        qs = self.queries
        if max_queries is not None:
            if "qid" in qs:  # parallel ids: keep the same questions in every language
                keep_ids = pd.unique(qs["qid"])[:max_queries]
                qs = qs[qs["qid"].isin(keep_ids)]
            else:
                qs = qs.groupby(by, sort=False).head(max_queries)
        qrels = self.qrels[np.isin(self.qrels["q_row"], qs.index)]
        needed = np.unique(qrels.loc[qrels["relevance"] > 0, "d_row"])
        cands = self.candidates
        if max_candidates is not None:
            is_needed = np.isin(cands.index, needed)
            rank_in_group = cands.groupby(by if by in cands else "lang", sort=False).cumcount().to_numpy()
            cands = cands[is_needed | (rank_in_group < max_candidates)]
        qrels = qrels[np.isin(qrels["d_row"], cands.index) | missing_positive(qrels)]
        return RetrievalTask(self.name, qs, cands, qrels, dict(self.meta, shrunk=(max_queries, max_candidates)))

    def relevant_indices(self) -> np.ndarray:
        """``(n_queries, max_rel)`` candidate row indices of each query's positives, ``-1`` padded;
        ``-2`` marks a judged positive that is not in the corpus (never retrieved, still counted)."""
        pos = self.qrels[self.qrels["relevance"] > 0]
        q = pd.Index(self.queries.index).get_indexer(pos["q_row"])
        c = pd.Index(self.candidates.index).get_indexer(pos["d_row"])
        c = np.where(pos["d_row"].to_numpy() < 0, MISSING, c)
        keep = (q >= 0) & ((c >= 0) | (c == MISSING))
        q, c = q[keep], c[keep]
        counts = np.bincount(q, minlength=len(self.queries))
        width = max(int(counts.max()) if len(counts) else 0, 1)
        out = np.full((len(self.queries), width), -1, dtype=np.int64)
        order = np.lexsort((c, q))
        q, c = q[order], c[order]
        slot = np.arange(len(q)) - np.searchsorted(q, q)
        out[q, slot] = c
        return out


def _rows(index: pd.Index, positions: pd.Series) -> np.ndarray:
    """Index labels at ``positions`` (-1 stays -1: a judgement whose query or doc is not loaded)."""
    pos = positions.to_numpy()
    return np.where(pos >= 0, index.to_numpy()[np.maximum(pos, 0)], -1)


def check_langs(requested: Iterable[str] | None, known: Iterable[str], source: str) -> list[str]:
    """Validate a language list against those a source has; the error lists the known ones."""
    known = sorted(known)
    if requested is None:
        return known
    requested = list(requested)
    if not requested:
        raise DataError(f"{source}: an empty language selection selects nothing; pass None for all of {known}")
    unknown = [lang for lang in requested if lang not in known]
    if unknown:
        raise DataError(f"{source}: unknown language(s) {unknown}; known: {known}")
    return requested


def require_file(path, what: str, hint: str = "") -> None:
    """Raise a ``DataError`` that says where a missing file was expected and where to get it."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise DataError(
            f"{what}: expected file {path} does not exist."
            + (f" {hint}" if hint else " It ships in data/ of this repository; see data/README.md.")
        )
