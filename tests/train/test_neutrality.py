"""SHIFT and LIR on planted worlds: the offsets and subspaces they must find and remove."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.data.ntrex import load_ntrex_pairs
from hybridlib.train.neutrality import fit_ntrex, identity_subspace, lir, shift


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_shift_moves_passages_only():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 8)).astype(np.float32)
    v = rng.normal(size=8).astype(np.float32)
    pre = shift({"de": v})
    langs = np.array(["de", "de", "en", "en"])
    np.testing.assert_allclose(pre(x, "query", langs), x, err_msg="SHIFT leaves queries untouched")
    out = pre(x, "passage", langs)
    np.testing.assert_allclose(out[:2], _unit(x[:2] - v), atol=1e-6, err_msg="German passages lose v, re-normalised")
    np.testing.assert_allclose(out[2:], _unit(x[2:]), atol=1e-6, err_msg="English (no vector) is only re-normalised")


def test_lir_finds_and_removes_a_planted_language_direction():
    rng = np.random.default_rng(1)
    d = 16
    u = _unit(rng.normal(size=d))
    x = 5.0 * u + 0.3 * rng.normal(size=(400, d))  # one dominant direction: the language's identity
    c = identity_subspace(x, 1)
    assert abs(float(c[0] @ u)) > 0.99, "the top singular direction of the uncentred matrix is the planted one"
    pre = lir({"query": {"de": c}, "passage": {"de": c}})
    out = pre(x.astype(np.float32), "passage", np.array(["de"] * len(x)))
    assert np.abs(out @ u).max() < 0.05, "after LIR nothing is left along the language direction"
    other = pre(x[:5].astype(np.float32), "passage", np.array(["en"] * 5))
    np.testing.assert_allclose(other, _unit(x[:5]), atol=1e-5, err_msg="a language without a subspace is untouched")


class OffsetEncoder:
    """Each NTREX text's embedding = a random semantic vector of its line + a planted offset of its
    language; SHIFT must recover offset(l) − offset(en)."""

    def __init__(self, pairs: pd.DataFrame, offsets: dict[str, np.ndarray], seed: int = 0):
        rng = np.random.default_rng(seed)
        sem = {line: rng.normal(size=8) for line in pairs.line.unique()}
        self.table = {}
        for r in pairs.itertuples():
            self.table[r.en_text] = sem[r.line] + offsets["en"]
            self.table[r.text] = sem[r.line] + offsets[r.lang]

    def encode(self, texts, kind, layer=None):
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


def test_shift_recovers_planted_offsets_from_the_shipped_ntrex_pairs():
    rng = np.random.default_rng(2)
    langs = ["de", "zh"]
    pairs = load_ntrex_pairs(langs, max_pairs=30)
    offsets = {lang: rng.normal(size=8) for lang in langs + ["en"]}
    task = type("T", (), {"queries": pd.DataFrame({"lang": langs}), "candidates": pd.DataFrame({"lang": ["en"]})})()
    pre = fit_ntrex("shift-ntrex", OffsetEncoder(pairs, offsets), None, {"t": task}, max_pairs=30)
    assert pre.info["pairs_per_language"] == {"de": 30, "zh": 30}, "how many pairs each vector uses is recorded"
    x = np.zeros((1, 8), dtype=np.float32) + 1.0
    got = pre(x, "passage", np.array(["de"]))
    np.testing.assert_allclose(got, _unit(x - (offsets["de"] - offsets["en"])), atol=1e-5)


def test_published_shift_and_lir_are_not_renormalised():
    rng = np.random.default_rng(3)
    x = _unit(rng.normal(size=(6, 8))).astype(np.float32)
    v = rng.normal(size=8).astype(np.float32)
    langs = np.array(["de"] * 3 + ["en"] * 3)
    out = shift({"de": v}, renormalise=False)(x, "passage", langs)
    np.testing.assert_allclose(out[:3], x[:3] - v, atol=1e-6, err_msg="published SHIFT: x − v, no re-normalisation")
    np.testing.assert_allclose(out[3:], x[3:], err_msg="a language without a vector is left exactly as it was")
    c = identity_subspace(x[:3], 1)
    out = lir({"query": {"de": c}, "passage": {"de": c}}, renormalise=False)(x, "passage", langs)
    np.testing.assert_allclose(
        out[:3], x[:3] - (x[:3] @ c.T) @ c, atol=1e-6, err_msg="published LIR: embed − (embed c) cᵀ"
    )


def test_renormalising_after_shift_can_reorder_cross_language_candidates():
    """Why the published form matters: two candidates of different languages whose order under the
    dot product (published) and the cosine (re-normalised) differ."""
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    cands = np.array([[0.9, 0.3], [0.6, 0.6]], dtype=np.float32)  # en, de
    langs = np.array(["en", "de"])
    v = np.array([0.0, 0.55], dtype=np.float32)  # German passages lose most of their second axis
    dot = shift({"de": v}, renormalise=False)(cands, "passage", langs) @ q.T
    cos = shift({"de": v})(cands, "passage", langs) @ q.T
    assert dot[0, 0] > dot[1, 0], "dot product: the longer English vector ranks first"
    assert cos[1, 0] > cos[0, 0], "cosine: the German one, now almost parallel to the query, ranks first"


def test_published_lir_r2_removes_two_query_components_and_one_passage_component():
    rng = np.random.default_rng(4)
    langs = ["de", "zh"]
    pairs = load_ntrex_pairs(langs, max_pairs=30)
    offsets = {lang: 3 * rng.normal(size=8) for lang in langs + ["en"]}
    task = type("T", (), {"queries": pd.DataFrame({"lang": langs}), "candidates": pd.DataFrame({"lang": ["en"]})})()
    pre = fit_ntrex("lir-ntrex-published-r2", OffsetEncoder(pairs, offsets), None, {"t": task}, max_pairs=30)
    assert pre.info["rank"] == {"query": 2, "passage": 1} and pre.info["renormalised"] is False
    x = rng.normal(size=(5, 8)).astype(np.float32)
    de = np.array(["de"] * 5)
    moved_q = np.linalg.matrix_rank(x - pre(x, "query", de), tol=1e-4)
    moved_p = np.linalg.matrix_rank(x - pre(x, "passage", de), tol=1e-4)
    assert (moved_q, moved_p) == (2, 1), (
        f"what LIR removes spans 2 query / 1 passage directions, got {moved_q}/{moved_p}"
    )
