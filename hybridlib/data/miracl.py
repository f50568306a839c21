"""MIRACL v1.0 dev: topics and qrels from files, the corpus from one of three sources.

Corpus sources:
- ``"pooled"`` (default, offline): the 80,971 real MIRACL passages in ``data/miracl-passages``.
  Only dev queries whose positives *all* have text are kept, and the task name says
  ``miracl-pooled``: scores are inflated by a ~1,000x smaller corpus and are for comparing models.
- a local directory of official corpus files (``{dir}/{lang}/*.jsonl[.gz]`` or
  ``{dir}/miracl-corpus-v1.0-{lang}/*.jsonl.gz``) with ``docid, title, text``.
- ``"hub"``: ``datasets.load_dataset("miracl/miracl-corpus", lang)`` (needs a network).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from hybridlib.data.readers import as_int, lines, read_jsonl, read_text
from hybridlib.data.task import DataError, RetrievalTask, check_langs, require_file
from hybridlib.paths import data_dir

LANGS = ("ar", "bn", "de", "en", "es", "fa", "fi", "fr", "hi", "id", "ja", "ko", "ru", "sw", "te", "th", "yo", "zh")
LOW_RESOURCE = ("yo", "sw", "te", "bn", "th", "hi")


def read_topics(lang: str, root: Path | None = None) -> pd.DataFrame:
    path = Path(root or data_dir()) / "miracl" / "topics" / f"topics.miracl-v1.0-{lang}-dev.tsv"
    require_file(path, f"MIRACL {lang} dev topics")
    rows = []
    for i, line in enumerate(lines(read_text(path))):
        parts = line.split("\t")
        if len(parts) != 2:
            raise DataError(f"{path}: line {i + 1} is not 'qid<TAB>query'")
        if not parts[1].strip():
            raise DataError(f"{path}: line {i + 1} (query {parts[0]!r}) has an empty query text")
        rows.append(dict(query_id=parts[0], lang=lang, text=parts[1]))
    return pd.DataFrame(rows)


def read_qrels(lang: str, root: Path | None = None) -> pd.DataFrame:
    path = Path(root or data_dir()) / "miracl" / "qrels" / f"qrels.miracl-v1.0-{lang}-dev.tsv"
    require_file(path, f"MIRACL {lang} dev qrels")
    rows = []
    for i, line in enumerate(lines(read_text(path))):
        parts = line.split()
        if len(parts) != 4:
            raise DataError(f"{path}: line {i + 1} is not TREC qrels ('qid Q0 docid rel')")
        rows.append((parts[0], parts[2], as_int(parts[3], f"{path}: line {i + 1}", "relevance")))
    return pd.DataFrame(rows, columns=["query_id", "doc_id", "relevance"])


def _corpus_frame(rows: list[dict], lang: str, where: str) -> pd.DataFrame:
    for i, r in enumerate(rows[:5]):
        for key in ("docid", "text"):
            if key not in r:
                raise DataError(f"{where}: record {i} lacks field {key!r}")
    df = pd.DataFrame(rows)
    title = df["title"].fillna("") if "title" in df else ""
    # mE5 / MIRACL convention: "title text" as the passage
    return pd.DataFrame(
        dict(doc_id=df["docid"], lang=lang, text=(title + " " + df["text"]).str.strip(), context=df["text"])
    ).drop_duplicates("doc_id")


def load_corpus(lang: str, corpus: str | Path = "pooled", root: Path | None = None) -> pd.DataFrame:
    root = Path(root or data_dir())
    if corpus == "pooled":
        path = root / "miracl-passages" / "passages" / f"{lang}.jsonl.gz"
        require_file(path, f"pooled MIRACL passages {lang}")
        return _corpus_frame(read_jsonl(path), lang, str(path))
    if corpus == "hub":
        from datasets import load_dataset

        ds = load_dataset("miracl/miracl-corpus", lang, split="train")
        return _corpus_frame(ds.to_list(), lang, "miracl/miracl-corpus")
    base = Path(corpus)
    files = sorted(
        p
        for d in (base / lang, base / f"miracl-corpus-v1.0-{lang}")
        if d.is_dir()
        for p in d.iterdir()
        if p.name.endswith((".jsonl", ".jsonl.gz"))
    )
    if not files:
        raise DataError(
            f"no MIRACL corpus files for {lang!r} under {base} (expected {base}/{lang}/*.jsonl[.gz] or "
            f"{base}/miracl-corpus-v1.0-{lang}/*.jsonl.gz, from the miracl/miracl-corpus dataset)"
        )
    return _corpus_frame([r for f in files for r in read_jsonl(f)], lang, str(base))


def load_miracl(
    langs: list[str] | None = None, corpus: str | Path = "pooled", root: Path | None = None
) -> RetrievalTask:
    """MIRACL dev for ``langs`` (default: the six low-resource languages of the study).

    Each language is its own pool (monolingual retrieval); ``task.subset([x], [x])`` gives one.
    In pooled mode only queries whose positives all have text are kept.
    """
    if langs is not None and not list(langs):
        raise DataError("MIRACL: an empty language list; pass None for the study's six languages")
    langs = check_langs(list(LOW_RESOURCE) if langs is None else langs, LANGS, "MIRACL")
    qs, cs, qr = [], [], []
    for lang in langs:
        topics, qrels, cands = read_topics(lang, root), read_qrels(lang, root), load_corpus(lang, corpus, root)
        qrels = qrels.assign(query_id=lang + "/" + qrels["query_id"])
        topics = topics.assign(query_id=lang + "/" + topics["query_id"])
        cands = cands.assign(doc_id=lang + "/" + cands["doc_id"])
        qrels = qrels.assign(doc_id=lang + "/" + qrels["doc_id"])
        pos = qrels[qrels.relevance > 0]
        if corpus == "pooled":
            has = pos["doc_id"].isin(cands["doc_id"])
            complete = has.groupby(pos["query_id"]).all()
            keep = complete[complete].index
        else:  # a local / hub corpus: judged passages it lacks stay in the recall denominator
            missing = ~pos["doc_id"].isin(cands["doc_id"])
            if missing.any():
                none_found = sorted(set(pos["query_id"]) - set(pos.loc[~missing, "query_id"]))
                warnings.warn(
                    f"MIRACL {lang}: {int(missing.sum())} judged-relevant passages are not in the corpus {corpus}; "
                    f"they count as never retrieved (as in trec_eval); {len(none_found)} queries have no "
                    f"findable positive (e.g. {none_found[:3]})",
                    stacklevel=2,
                )
            keep = pos["query_id"].unique()
        qs.append(topics[topics["query_id"].isin(keep)])
        qr.append(qrels[qrels["query_id"].isin(keep)])
        cs.append(cands)
    name = "miracl-pooled" if corpus == "pooled" else "miracl"
    meta = dict(corpus=str(corpus), pooled=corpus == "pooled")
    return RetrievalTask(
        name, pd.concat(qs, ignore_index=True), pd.concat(cs, ignore_index=True), pd.concat(qr, ignore_index=True), meta
    )
