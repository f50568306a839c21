"""AfriQA: questions in African languages -> English (or French) gold passages, pooled.

Per language, the candidate pool is every gold passage of the split (deduplicated by text), in
the pivot language; a question's relevant passage is its own gold passage. Queries in the African
language give the cross-lingual task; the human translations (``translated_question``) give the
parallel monolingual en->en (fr->fr) reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..paths import data_dir
from .task import DataError, RetrievalTask, check_langs

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


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise DataError(f"AfriQA: expected file {path} does not exist (ships in data/afriqa; see data/README.md)")
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: malformed JSON on line {i + 1} ({err})") from err
    return out


def load_afriqa(
    langs: list[str] | None = None, split: str = "test", translated: bool = False, root: Path | None = None
) -> RetrievalTask:
    """AfriQA gold-passage retrieval; ``translated=True`` uses the human-translated questions."""
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
            continue  # not every language has every split (swa: test only)
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
