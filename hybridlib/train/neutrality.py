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
- ``none``: identity.

``fit_transform`` returns ``pre(x, kind, langs) -> x'`` used before the head and before scoring.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

TRANSFORMS = ("none", "center-train", "center-eval", "erase-train", "leace-train")

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


def fit_transform(
    name: str,
    train: pd.DataFrame | None,
    q: np.ndarray | None,
    p: np.ndarray | None,
    encoder=None,
    layer: int | None = None,
    tasks: dict | None = None,
) -> Pre:
    """Build a transform from training-side embeddings (``q``, ``p`` aligned with ``train``) or,
    for ``center-eval``, from the evaluation pools in ``tasks`` (encoded with ``encoder``)."""
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r}; known: {TRANSFORMS}")
    if name == "none":
        return lambda x, kind, langs: x
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
