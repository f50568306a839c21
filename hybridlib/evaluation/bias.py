"""Language bias in the multilingual (pooled) setting: where each relevant answer lands.

For every query and every one of its parallel answers, :func:`answer_ranks` gives the 1-based
position of that answer in the ranking of the whole multilingual pool (1 + the number of candidates
scored strictly higher), tagged with the answer's language. Same-language answers far above
other-language ones is the bias the paper's rank distance summarises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.data.lareqa import settings
from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation.scoring import DenseScorer


def answer_ranks(scorer: DenseScorer, task: RetrievalTask, block: int = 256) -> pd.DataFrame:
    """``query_id, query_lang, answer_lang, rank`` for every relevant answer in the pooled setting."""
    rows = []
    for (x, _), sub in settings(task)["multi"].items():
        rel = sub.relevant_indices()
        q = scorer.queries[pd.Index(scorer.query_index).get_indexer(sub.queries.index)]
        c = scorer.candidates[pd.Index(scorer.candidate_index).get_indexer(sub.candidates.index)]
        clang = sub.candidates.lang.to_numpy()
        qids = sub.queries.query_id.to_numpy()
        for s in range(0, len(q), block):
            scores = q[s : s + block] @ c.T
            r = rel[s : s + block]
            valid = r >= 0
            rs = np.take_along_axis(scores, np.where(valid, r, 0), 1)
            ranks = (scores[:, :, None] > rs[:, None, :]).sum(1) + 1
            qi, ri = np.nonzero(valid)
            rows.append(
                pd.DataFrame(
                    {"query_id": qids[s + qi], "query_lang": x, "answer_lang": clang[r[qi, ri]], "rank": ranks[qi, ri]}
                )
            )
    out = pd.concat(rows, ignore_index=True)
    out["same_language"] = out.query_lang == out.answer_lang
    return out
