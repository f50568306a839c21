"""NTREX-128 parallel sentences (English source ↔ human translation), for training-free offsets.

Only used to estimate language vectors (SHIFT): never evaluated on, and disjoint from every
evaluation set. Files: ``data/ntrex-128/newstest2019-{src.eng,ref.<code>}.txt.gz``, line-aligned.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hybridlib.data.readers import lines, read_text
from hybridlib.data.task import DataError, require_file
from hybridlib.paths import data_dir

CODES = {  # ISO 639-1 of the study -> NTREX file code
    "ar": "arb", "de": "deu", "el": "ell", "es": "spa", "hi": "hin", "ru": "rus",
    "th": "tha", "tr": "tur", "vi": "vie", "zh": "zho-CN",
}  # fmt: skip


def load_ntrex_pairs(langs: list[str], max_pairs: int | None = None, root: str | Path | None = None) -> pd.DataFrame:
    """``lang, line, en_text, text``: the first ``max_pairs`` aligned lines of English and each language."""
    folder = Path(root or data_dir()) / "ntrex-128"
    unknown = sorted(set(langs) - set(CODES))
    if unknown:
        raise DataError(f"NTREX-128: no shipped file for {unknown}; shipped: {sorted(CODES)}")
    src_path = folder / "newstest2019-src.eng.txt.gz"
    require_file(src_path, "NTREX-128 English source")
    src = lines(read_text(src_path))
    frames = []
    for lang in langs:
        path = folder / f"newstest2019-ref.{CODES[lang]}.txt.gz"
        require_file(path, f"NTREX-128 {lang}")
        ref = lines(read_text(path))
        if len(ref) != len(src):
            raise DataError(f"{path}: {len(ref)} lines but the English source {src_path} has {len(src)}")
        n = len(src) if max_pairs is None else min(max_pairs, len(src))
        keep = [i for i in range(n) if src[i].strip() and ref[i].strip()]
        frames.append(
            pd.DataFrame(
                {"lang": lang, "line": keep, "en_text": [src[i] for i in keep], "text": [ref[i] for i in keep]}
            )
        )
    return pd.concat(frames, ignore_index=True)


def ntrex_fingerprint(max_pairs: int | None = None, root: str | Path | None = None) -> str:
    """Digest of the shipped NTREX-128 files and of how many pairs a language a run reads."""
    import hashlib

    h = hashlib.sha1(repr(max_pairs).encode())
    for path in sorted((Path(root or data_dir()) / "ntrex-128").glob("*.txt.gz")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def ntrex_data(transform: str | None, max_pairs: int | None = None) -> dict[str, str]:
    """What NTREX-128 adds to a run's data fingerprints: ``{"fit": ...}`` when ``transform`` is fitted
    on it (SHIFT / LIR: the transforms named ``*-ntrex*``), else ``{}``. The one place that decides
    which runs read NTREX, for head, transform and language-preference records alike (the published
    variants, ``*-ntrex-published*``, too)."""
    return {"fit": ntrex_fingerprint(max_pairs)} if transform and "-ntrex" in transform else {}


__all__ = ["CODES", "load_ntrex_pairs", "ntrex_data", "ntrex_fingerprint"]
