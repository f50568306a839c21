"""AfriQA: questions in African languages -> English (or French) gold passages, pooled.

Per language, the candidate pool is every gold passage of the split (deduplicated by text), in
the pivot language; a question's relevant passage is its own gold passage. Queries in the African
language give the cross-lingual task; the human translations (``translated_question``) give the
parallel monolingual en->en (fr->fr) reference.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hybridlib.data.readers import read_jsonl
from hybridlib.data.task import DataError, RetrievalTask, check_langs
from hybridlib.paths import data_dir

PIVOT = {
    "bem": "en",
    "fon": "fr",
    "hau": "en",
    "ibo": "en",
    "kin": "en",
    "swa": "en",
    "twi": "en",
    "yor": "en",
    "zul": "en",
}

# the splits the AfriQA release has per language (swa: test only; yor: no dev; zul: no train): a file
# of one of these missing from data/ is an error even when every language is asked for, never a
# silent drop from the evaluation
SPLITS_OF = {lang: ("train", "dev", "test") for lang in PIVOT} | {
    "swa": ("test",),
    "yor": ("train", "test"),
    "zul": ("dev", "test"),
}


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise DataError(f"AfriQA: expected file {path} does not exist (ships in data/afriqa; see data/README.md)")
    return read_jsonl(path)


def load_afriqa(
    langs: list[str] | None = None, split: str = "test", translated: bool = False, root: Path | None = None
) -> RetrievalTask:
    """AfriQA gold-passage retrieval; ``translated=True`` uses the human-translated questions."""
    requested = langs is not None
    langs = check_langs(langs, PIVOT, "AfriQA")
    qs, cs, qr, skipped = [], [], [], {}
    for lang in langs:
        pivot = PIVOT[lang]
        path = (
            Path(root or data_dir())
            / "afriqa"
            / "gold_passages"
            / lang
            / f"gold_span_passages.afriqa.{lang}.{pivot}.{split}.json"
        )
        if not path.exists():
            if requested or split in SPLITS_OF[lang]:  # asked for, or shipped: an error
                _jsonl(path)
            continue  # all languages: this language has no such split (swa: test only)
        ids = {}
        for k, r in enumerate(_jsonl(path)):
            for key in ("id", "context", "question_lang", "question_translated"):
                if key not in r:
                    raise DataError(f"{path}: record {k} lacks field {key!r}")
            if not isinstance(r["context"], str) or not r["context"].strip():
                skipped[lang] = skipped.get(lang, 0) + 1  # no gold passage text: reported in meta
                continue
            did = ids.setdefault(r["context"], f"{lang}>{pivot}/p{len(ids)}")
            qid = f"{lang}/{r['id']}"
            text = r["question_translated"] if translated else r["question_lang"]
            qs.append(dict(query_id=qid, lang=pivot if translated else lang, text=text, pool=lang))
            qr.append(dict(query_id=qid, doc_id=did, relevance=1))
        cs += [dict(doc_id=d, lang=pivot, text=c, context=c, pool=lang) for c, d in ids.items()]
    if not qs:
        raise DataError(f"AfriQA: no gold passages for {langs} in split {split!r}")
    name = f"afriqa-{split}" + ("-translated" if translated else "")
    return RetrievalTask(
        name,
        pd.DataFrame(qs),
        pd.DataFrame(cs),
        pd.DataFrame(qr),
        dict(split=split, pooled=True, skipped_no_passage=skipped),
    )
