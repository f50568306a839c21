"""mMARCO training triples (``unicamp-dl/mmarco``), the bulk of the paper's Table 9, as training pairs.

Each language config of the hub dataset holds the same MS MARCO training triples (query, positive,
BM25 negative) machine-translated, row for row, so row ``i`` is one *parallel* question in every
language. That is what the strategies need: monolingual pairs (query and passage in language x)
and cross-lingual ones (query in x, passage and negative in y, from the same row).

Sources, in order: a local directory (``root`` or ``HYBRIDLIB_MMARCO``) holding ``<config>.jsonl``
files with the hub's fields ``query, positive, negative`` (e.g. written by
``load_dataset("unicamp-dl/mmarco", "english", split="train").to_json("english.jsonl")``); else the
hub, streamed with ``datasets``. Offline without a local copy the error says exactly that.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pandas as pd

from hybridlib.data.readers import read_jsonl
from hybridlib.data.task import DataError

HUB_NAME = "unicamp-dl/mmarco"
CONFIGS = {
    "en": "english",
    "ar": "arabic",
    "zh": "chinese",
    "de": "german",
    "es": "spanish",
    "ru": "russian",
    "hi": "hindi",
    "fr": "french",
    "id": "indonesian",
    "it": "italian",
    "ja": "japanese",
    "nl": "dutch",
    "pt": "portuguese",
    "vi": "vietnamese",
}
PAPER_LANGS = ("en", "ar", "zh", "de", "es", "ru", "hi")  # the paper's Table 9 mMARCO languages
FIELDS = ("query", "positive", "negative")


def read_triples(lang: str, max_rows: int, root: str | Path | None = None) -> pd.DataFrame:
    """The first ``max_rows`` training triples of one language (local copy first, then the hub)."""
    if lang not in CONFIGS:
        raise DataError(f"mMARCO has no language {lang!r}; known: {sorted(CONFIGS)}")
    config = CONFIGS[lang]
    root = root or os.environ.get("HYBRIDLIB_MMARCO")
    if root:
        path = Path(root) / f"{config}.jsonl"
        if not path.exists():
            raise DataError(f"mMARCO {lang}: expected {path} (fields {FIELDS}) in the local copy {root}")
        rows = read_jsonl(path)[:max_rows]
    else:
        rows = _from_hub(config, max_rows)
    for i, r in enumerate(rows):
        missing = [f for f in FIELDS if not isinstance(r.get(f), str) or not r[f].strip()]
        if missing:
            raise DataError(f"mMARCO {lang} row {i}: missing or empty field(s) {missing}")
    return pd.DataFrame(rows, columns=list(FIELDS)).assign(row=range(len(rows)))


def _from_hub(config: str, max_rows: int) -> list[dict]:
    try:
        from datasets import load_dataset

        stream = load_dataset(HUB_NAME, config, split="train", streaming=True)
        return [dict(r) for r in itertools.islice(stream, max_rows)]
    except Exception as err:  # offline, or the hub refused: say what is needed and how to provide it
        offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
        raise DataError(
            f"mMARCO training triples need the hub dataset {HUB_NAME!r} (config {config!r}, split 'train')"
            + (" but HF_DATASETS_OFFLINE/HF_HUB_OFFLINE is set" if offline else "")
            + f". To run offline, set HYBRIDLIB_MMARCO to a directory holding {config}.jsonl with the fields "
            f"{FIELDS} (load_dataset({HUB_NAME!r}, {config!r}, split='train').to_json('{config}.jsonl')). "
            f"({type(err).__name__}: {err})"
        ) from err


def mmarco_pairs(
    langs: tuple[str, ...] = PAPER_LANGS, max_rows: int = 1000, root: str | Path | None = None
) -> pd.DataFrame:
    """Training examples in the samplers' form: every (query language, passage language) pair of
    each parallel row, with mMARCO's own (BM25) negative in the passage language."""
    per_lang = {lang: read_triples(lang, max_rows, root) for lang in langs}
    n = min(len(t) for t in per_lang.values())
    out = []
    for x, y in itertools.product(langs, repeat=2):
        q, p = per_lang[x].iloc[:n], per_lang[y].iloc[:n]
        out.append(
            pd.DataFrame(
                {
                    "group": "mmarco-" + q.row.astype(str),
                    "q_lang": x,
                    "p_lang": y,
                    "q_text": q["query"].to_numpy(),
                    "p_text": p["positive"].to_numpy(),
                    "neg_text": p["negative"].to_numpy(),
                    "source": "mmarco",
                }
            )
        )
    return pd.concat(out, ignore_index=True)


__all__ = ["HUB_NAME", "CONFIGS", "PAPER_LANGS", "read_triples", "mmarco_pairs"]
