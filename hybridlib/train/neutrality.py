"""Training-free language neutrality: per-language mean centring and linear erasure of language identity.

- ``center-train``: subtract the mean embedding of the text's language, separately for queries and
  passages, estimated on the *training side* of the protocol (unlabelled text), then re-normalise
  (Libovický, Rosa & Fraser 2020). Languages never seen in training fall back to the global mean.
- ``center-eval``: the same with means estimated on the *evaluation pool itself* (transductive but
  label-free).
- ``erase-train``: project out the span of the language-mean differences (the directions a linear
  classifier uses to tell the training languages apart), fitted on training-side text.
- ``leace-train``: LEACE (Belrose et al. 2023, ``concept-erasure`` package), the least-squares
  optimal linear eraser that makes the language one-hot unpredictable by any linear classifier,
  fitted on training-side text (queries and passages pooled), then re-normalise.
- ``shift-ntrex``: SHIFT (Jang et al. 2026, arXiv 2606.18801): per target language ``l`` a language
  vector ``v_l = mean(e_l − e_en)`` over parallel sentence pairs (English source ↔ human
  translation, NTREX-128: disjoint from every evaluated pool, the first ``Preset.ntrex_max_pairs``
  lines of its 1,997 a language), encoded as
  passages; subtracted from *passage* embeddings only (queries untouched), then re-normalised since
  the study scores by cosine. English and languages without pairs are not shifted.
- ``lir-ntrex``: LIR (Yang, Yang, Cer & Darve 2021, arXiv 2109.04727): per language and side, the
  top ``LIR_RANK`` right singular vectors of that language's (uncentred) embedding matrix span its
  language-identity subspace; each embedding loses its projection on its own language's subspace,
  then is re-normalised. Fitted on the NTREX-128 sentences of each language (queries encoded as
  queries, passages as passages); languages without sentences are left unchanged.
- ``shift-ntrex-published``, ``lir-ntrex-published``, ``lir-ntrex-published-r2``: SHIFT and LIR as
  their papers apply them, beside the study's variants above: the shifted / projected embeddings are
  *not* re-normalised, so scoring (inner product) is the dot product the published code ranks by
  (LIR: the authors' ``lir(embed, c, r)`` returns ``embed − (embed c) cᵀ``). Re-normalising changes
  each candidate's length by a different factor, so it can reorder exactly the cross-language
  candidates that Mul mAP and LPR measure. ``-r2`` removes two components from queries and one from
  passages: the study's reading of the "r = 2/1" variant of the authors' notebook (we had no copy
  of it). What stays the study's: LIR fits on NTREX-128 (≤ 1,997 sentences a language; the paper
  used 10,000 monolingual sentences a language, which no offline source here has).
- ``none``: identity.

``fit_transform`` returns ``pre(x, kind, langs) -> x'`` used before the head and before scoring.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

PUBLISHED = {  # the published form of SHIFT / LIR -> the study's re-normalised variant it is compared with
    "shift-ntrex-published": "shift-ntrex",
    "lir-ntrex-published": "lir-ntrex",
    "lir-ntrex-published-r2": "lir-ntrex",
}
TRANSFORMS = (
    "none",
    "center-train",
    "center-eval",
    "erase-train",
    "leace-train",
    "shift-ntrex",
    "lir-ntrex",
    *PUBLISHED,
)
LIR_RANK = 1
LIR_RANKS = {"lir-ntrex-published-r2": {"query": 2, "passage": 1}}  # others: LIR_RANK on both sides

Pre = Callable[[np.ndarray, str, np.ndarray], np.ndarray]


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def language_means(x: np.ndarray, langs) -> dict[str, np.ndarray]:
    langs = np.asarray(langs)
    return {lang: x[langs == lang].mean(0) for lang in np.unique(langs)}


def centerer(means: dict[str, dict[str, np.ndarray]]) -> Pre:
    """``means[kind][lang]``; unseen languages use the mean of the known language means."""

    def pre(x: np.ndarray, kind: str, langs) -> np.ndarray:
        m = means[kind]
        fallback = np.mean(list(m.values()), axis=0)
        langs = np.asarray(langs)
        out = x.copy()
        for lang in np.unique(langs):
            out[langs == lang] -= m.get(lang, fallback)
        return _normalise(out)

    return pre


def eraser(means: dict[str, dict[str, np.ndarray]]) -> Pre:
    """Remove the subspace spanned by differences of language means (queries and passages pooled)."""
    vecs = [v for kind in means.values() for v in kind.values()]
    centre = np.mean(vecs, axis=0)
    diffs = np.stack([v - centre for v in vecs])
    u, s, _ = np.linalg.svd(diffs.T, full_matrices=False)
    basis = u[:, s > 1e-6 * s.max()]
    proj = np.eye(len(centre)) - basis @ basis.T

    def pre(x: np.ndarray, kind: str, langs) -> np.ndarray:
        return _normalise(x @ proj.T).astype(np.float32)

    return pre


def leace(x: np.ndarray, langs) -> Pre:
    """LEACE eraser of the language label fitted on ``x`` (rows) with labels ``langs``."""
    import torch
    from concept_erasure import LeaceEraser

    langs = np.asarray(langs)
    names = np.unique(langs)
    if len(names) < 2:
        raise ValueError(f"LEACE needs text in at least two languages to fit, got {names.tolist()}")
    z = torch.from_numpy((langs[:, None] == names[None, :]).astype(np.float64))
    fitted = LeaceEraser.fit(torch.from_numpy(x.astype(np.float64)), z)

    def pre(x: np.ndarray, kind: str, langs) -> np.ndarray:
        with torch.no_grad():
            out = fitted(torch.from_numpy(x.astype(np.float64))).numpy()
        return _normalise(out).astype(np.float32)

    return pre


def shift(vectors: dict[str, np.ndarray], renormalise: bool = True) -> Pre:
    """SHIFT: subtract ``vectors[lang]`` from passage embeddings of that language (queries unchanged);
    then re-normalise (the study's variant) or not (as published: dot-product scoring)."""

    def pre(x: np.ndarray, kind: str, langs) -> np.ndarray:
        if kind == "query":
            return x
        langs = np.asarray(langs)
        out = x.astype(np.float32).copy()
        for lang, v in vectors.items():
            out[langs == lang] -= v
        return (_normalise(out) if renormalise else out).astype(np.float32)

    return pre


def lir(bases: dict[str, dict[str, np.ndarray]], renormalise: bool = True) -> Pre:
    """LIR: remove each language's identity subspace, ``bases[kind][lang]`` of shape ``(r, d)``
    (orthonormal rows); then re-normalise (the study's variant) or not (as published)."""

    def pre(x: np.ndarray, kind: str, langs) -> np.ndarray:
        langs = np.asarray(langs)
        out = x.astype(np.float32).copy()
        for lang, c in bases[kind].items():
            rows = langs == lang
            out[rows] -= (out[rows] @ c.T) @ c
        return (_normalise(out) if renormalise else out).astype(np.float32)

    return pre


def identity_subspace(x: np.ndarray, rank: int) -> np.ndarray:
    """The top ``rank`` right singular vectors of the uncentred matrix ``x`` (rows: embeddings)."""
    _, _, vt = np.linalg.svd(x.astype(np.float64), full_matrices=False)
    return vt[:rank].astype(np.float32)


def _ntrex_langs(tasks: dict) -> list[str]:
    from hybridlib.data.ntrex import CODES

    langs = set()
    for t in tasks.values():
        langs |= set(t.queries.lang) | set(t.candidates.lang)
    return sorted(langs & set(CODES))


def fit_ntrex(name: str, encoder, layer: int | None, tasks: dict, max_pairs: int | None = None) -> Pre:
    """SHIFT or LIR fitted on NTREX-128 parallel sentences of the evaluated languages.

    The returned function carries ``pre.info`` (pairs / sentences used per language)."""
    from hybridlib.data.ntrex import load_ntrex_pairs

    langs = _ntrex_langs(tasks)
    pairs = load_ntrex_pairs(langs, max_pairs)
    renormalise = name not in PUBLISHED
    if name.startswith("shift-ntrex"):
        en = encoder.encode(pairs.en_text.tolist(), "passage", layer)
        tr = encoder.encode(pairs.text.tolist(), "passage", layer)
        d = tr - en
        vectors = {lang: d[(pairs.lang == lang).to_numpy()].mean(0) for lang in langs}
        pre = shift(vectors, renormalise)
        pre.info = {"pairs_per_language": pairs.groupby("lang").size().astype(int).to_dict(), "source": "en"}
        pre.info |= {} if renormalise else {"renormalised": False}
        return pre
    english = pairs.drop_duplicates("line")
    texts = {lang: pairs.text[pairs.lang == lang].tolist() for lang in langs} | {"en": english.en_text.tolist()}
    ranks = LIR_RANKS.get(name, {"query": LIR_RANK, "passage": LIR_RANK})
    bases = {
        kind: {lang: identity_subspace(encoder.encode(t, kind, layer), ranks[kind]) for lang, t in texts.items()}
        for kind in ("query", "passage")
    }
    pre = lir(bases, renormalise)
    pre.info = {
        "sentences_per_language": {k: len(v) for k, v in texts.items()},
        "rank": ranks if name in LIR_RANKS else LIR_RANK,
    } | ({} if renormalise else {"renormalised": False})
    return pre


def fit_transform(
    name: str,
    train: pd.DataFrame | None,
    q: np.ndarray | None,
    p: np.ndarray | None,
    encoder=None,
    layer: int | None = None,
    tasks: dict | None = None,
    ntrex_max_pairs: int | None = None,
) -> Pre:
    """Build a transform from training-side embeddings (``q``, ``p`` aligned with ``train``) or,
    for ``center-eval``, from the evaluation pools in ``tasks`` (encoded with ``encoder``)."""
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r}; known: {TRANSFORMS}")
    if name == "none":
        return lambda x, kind, langs: x
    if "-ntrex" in name:
        return fit_ntrex(name, encoder, layer, tasks, ntrex_max_pairs)
    if name == "center-eval":
        qs, ps, ql, pl = [], [], [], []
        for t in tasks.values():
            qs.append(encoder.encode(t.queries.text.tolist(), "query", layer))
            ps.append(encoder.encode(t.candidates.text.tolist(), "passage", layer))
            ql += t.queries.lang.tolist()
            pl += t.candidates.lang.tolist()
        return centerer(
            {"query": language_means(np.concatenate(qs), ql), "passage": language_means(np.concatenate(ps), pl)}
        )
    if name == "leace-train":
        return leace(np.concatenate([q, p]), np.concatenate([train.q_lang.to_numpy(), train.p_lang.to_numpy()]))
    means = {"query": language_means(q, train.q_lang), "passage": language_means(p, train.p_lang)}
    return centerer(means) if name == "center-train" else eraser(means)
