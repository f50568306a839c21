"""Parallel-sentence retrieval on low-resource languages: FLORES-200 (via SIB-200) and Tatoeba.

**FLORES** (``data/flores/<code>/{train,dev,test}.tsv``, the SIB-200 copy of FLORES-200): 1,004
sentences per language, parallel through ``index_id``, in sw yo te bn th hi and en. Loaded as one
pooled task in LAReQA's form: every sentence is a query (``<lang>/<index_id>``) and a candidate
(``<lang>:<index_id>``); a query's relevant candidates are its versions in every *other* language
(its own is itself, which :mod:`hybridlib.evaluation.bitext` excludes from the ranking). The
splits are merged: nothing here is trained on (SIB-200's topic labels are not used).

**Tatoeba** (``data/tatoeba/tatoeba.<xxx>-eng.{xxx,eng}``, LASER's test set): line-aligned
language↔English pairs, sw te th bn hi (no Yorùbá pair exists). Loaded as a task whose queries are
both sides (``<lang>/<line>`` and ``en/<xxx>-<line>``) and whose relevant candidate is the other
side of the same line; evaluation scores x → en and en → x within each pair's own sentences.

Both are disjoint from what trains (MLQA test) and from what fits SHIFT / LIR (NTREX-128):
``tests/data/test_bitext.py`` checks that no sentence is shared (after :func:`leakage_key`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from hybridlib.data.readers import lines, read_text
from hybridlib.data.task import DataError, RetrievalTask, check_langs, require_file
from hybridlib.paths import data_dir

# study code -> FLORES-200 code (the SIB-200 folder name)
FLORES_CODES = {
    "en": "eng_Latn",
    "sw": "swh_Latn",
    "yo": "yor_Latn",
    "te": "tel_Telu",
    "bn": "ben_Beng",
    "th": "tha_Thai",
    "hi": "hin_Deva",
}
FLORES_SPLITS = ("train", "dev", "test")
# study code -> Tatoeba (ISO 639-3) code; Tatoeba has no Yorùbá pair
TATOEBA_CODES = {"sw": "swh", "te": "tel", "th": "tha", "bn": "ben", "hi": "hin"}


def read_flores_file(path: Path) -> pd.DataFrame:
    """``index_id, text`` of one SIB-200 TSV (header ``index_id<TAB>category<TAB>text``)."""
    require_file(path, "FLORES (SIB-200)")
    rows = lines(read_text(path))
    if not rows or rows[0].split("\t") != ["index_id", "category", "text"]:
        raise DataError(f"{path}: header must be 'index_id<TAB>category<TAB>text', got {rows[:1]!r}")
    out = []
    for i, row in enumerate(rows[1:], start=2):
        parts = row.split("\t")
        if len(parts) != 3:
            raise DataError(f"{path}: line {i} has {len(parts)} tab-separated fields, expected 3")
        if not parts[0].isdigit():
            raise DataError(f"{path}: line {i}: field 'index_id' must be an integer, got {parts[0]!r}")
        if not parts[2].strip():
            raise DataError(f"{path}: line {i} (index_id {parts[0]}): empty field 'text'")
        out.append((int(parts[0]), parts[2]))
    return pd.DataFrame(out, columns=["index_id", "text"])


@lru_cache(maxsize=4)
def _flores(langs: tuple[str, ...], root: str) -> RetrievalTask:
    frames = []
    for lang in langs:
        folder = Path(root) / "flores" / FLORES_CODES[lang]
        df = pd.concat([read_flores_file(folder / f"{s}.tsv") for s in FLORES_SPLITS], ignore_index=True)
        dup = df.index_id[df.index_id.duplicated()]
        if len(dup):
            raise DataError(f"{folder}: index_id {int(dup.iloc[0])} occurs in more than one row")
        frames.append(df.assign(lang=lang).sort_values("index_id"))
    ids = [set(f.index_id) for f in frames]
    if any(s != ids[0] for s in ids):
        odd = next(lang for lang, s in zip(langs, ids, strict=True) if s != ids[0])
        raise DataError(f"FLORES: {odd} does not hold the same index_ids as {langs[0]}: the files are not parallel")
    sents = pd.concat(frames, ignore_index=True)
    queries = pd.DataFrame(
        {
            "query_id": sents.lang + "/" + sents.index_id.astype(str),
            "qid": sents.index_id.astype(str),
            "lang": sents.lang,
            "text": sents.text,
        }
    )
    candidates = pd.DataFrame(
        {"doc_id": sents.lang + ":" + sents.index_id.astype(str), "lang": sents.lang, "text": sents.text}
    )
    pairs = queries[["query_id", "qid", "lang"]].merge(
        candidates.assign(qid=sents.index_id.astype(str))[["doc_id", "qid", "lang"]], on="qid", suffixes=("", "_d")
    )
    qrels = pairs.loc[pairs.lang != pairs.lang_d, ["query_id", "doc_id"]].assign(relevance=1)
    meta = dict(dataset="flores", setting="pooled, self excluded", self_doc=True)
    return RetrievalTask("flores", queries, candidates, qrels.reset_index(drop=True), meta)


def load_flores(langs: list[str] | None = None, root: str | Path | None = None) -> RetrievalTask:
    """FLORES-200 sentences of ``langs`` (default: en sw yo te bn th hi) as one pooled parallel task."""
    langs = check_langs(langs, FLORES_CODES, "flores")
    if len(langs) < 2:
        raise DataError(f"flores: parallel retrieval needs at least two languages, got {langs}")
    return _flores(tuple(langs), str(root or data_dir()))


@lru_cache(maxsize=4)
def _tatoeba(langs: tuple[str, ...], root: str) -> RetrievalTask:
    qs, cs, rel = [], [], []
    for lang in langs:
        code = TATOEBA_CODES[lang]
        base = Path(root) / "tatoeba" / f"tatoeba.{code}-eng"
        sides = {}
        for side in (code, "eng"):
            path = Path(f"{base}.{side}")
            require_file(path, "Tatoeba (LASER)")
            sides[side] = lines(read_text(path))
        if len(sides[code]) != len(sides["eng"]):
            raise DataError(f"{base}.*: {len(sides[code])} {code} lines but {len(sides['eng'])} eng lines")
        for i, (x, e) in enumerate(zip(sides[code], sides["eng"], strict=True)):
            if not x.strip() or not e.strip():
                raise DataError(f"{base}.{code if not x.strip() else 'eng'}: line {i + 1} is empty")
            xq, eq = f"{lang}/{i}", f"en/{lang}-{i}"
            qs += [dict(query_id=xq, lang=lang, pair=lang, text=x), dict(query_id=eq, lang="en", pair=lang, text=e)]
            cs += [
                dict(doc_id=f"{lang}:{i}", lang=lang, pair=lang, text=x),
                dict(doc_id=f"en:{lang}-{i}", lang="en", pair=lang, text=e),
            ]
            rel += [(xq, f"en:{lang}-{i}"), (eq, f"{lang}:{i}")]
    qrels = pd.DataFrame(rel, columns=["query_id", "doc_id"]).assign(relevance=1)
    return RetrievalTask("tatoeba", pd.DataFrame(qs), pd.DataFrame(cs), qrels, dict(dataset="tatoeba"))


def load_tatoeba(langs: list[str] | None = None, root: str | Path | None = None) -> RetrievalTask:
    """Tatoeba language↔English pairs of ``langs`` (default: sw te th bn hi); English sides are kept
    per pair (``en/<lang>-<line>``), since the English sentences differ from pair to pair."""
    langs = check_langs(langs, TATOEBA_CODES, "tatoeba")
    return _tatoeba(tuple(langs), str(root or data_dir()))
