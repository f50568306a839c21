"""Embedding cache: same vectors as sentence-transformers, each text encoded once, resumable."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.models import encoding
from hybridlib.models.encoding import EmbeddingCache, Encoder, forward_texts

TEXTS = [f"sentence number {i} " + "word " * (i % 17) for i in range(60)] + ["东京塔有多高？", "Привет мир"]


def test_forward_matches_sentence_transformers(tiny_model):
    prompted = ["passage: " + t for t in TEXTS]
    ours, stats = forward_texts(tiny_model, prompted, show_progress=False)
    ref = tiny_model.encode(prompted, convert_to_numpy=True)
    np.testing.assert_allclose(ours, ref, atol=1e-5, err_msg="length-sorted batching must not change embeddings")
    assert stats.padded_tokens >= stats.tokens > 0


def test_cache_encodes_each_text_once(tiny_model, tmp_path):
    enc = Encoder(tiny_model, "tiny", root=tmp_path, show_progress=False)
    a = enc.encode(TEXTS + TEXTS[:5], "query")
    assert enc.last_stats.encoded == len(TEXTS), "duplicates inside one call are encoded once"
    enc.last_stats = None
    b = enc.encode(TEXTS, "query")
    assert enc.last_stats is None, "a second call must be served from the cache"
    np.testing.assert_array_equal(a[: len(TEXTS)], b)
    # a fresh process (new Encoder) sees the same cache on disk
    again = Encoder(tiny_model, "tiny", root=tmp_path, show_progress=False)
    assert len(again.cache) == len(TEXTS)
    np.testing.assert_array_equal(again.encode(TEXTS, "query"), b)
    # query and passage prompts are different keys
    p = again.encode(TEXTS[:3], "passage")
    assert not np.allclose(p, b[:3])


def test_interrupted_encode_resumes(tiny_model, tmp_path, monkeypatch):
    enc = Encoder(tiny_model, "tiny", root=tmp_path, chunk=16, show_progress=False)
    real, calls = encoding.forward_texts, {"n": 0}

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("simulated interruption")
        return real(*args, **kwargs)

    monkeypatch.setattr(encoding, "forward_texts", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        enc.encode(TEXTS, "passage")
    monkeypatch.setattr(encoding, "forward_texts", real)
    (tmp_path / enc.cache.root.name / ".shard-999.emb.npy.junk.tmp").write_bytes(b"partial")
    resumed = Encoder(tiny_model, "tiny", root=tmp_path, chunk=16, show_progress=False)
    assert len(resumed.cache) == 32, "two finished shards survive the interruption"
    out = resumed.encode(TEXTS, "passage")
    assert resumed.last_stats.encoded == len(TEXTS) - 32, "only the missing texts are encoded on resume"
    np.testing.assert_allclose(out, tiny_model.encode(["passage: " + t for t in TEXTS]), atol=1e-5)


def test_shard_without_keys_is_ignored(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.add([b"k" * 16], np.ones((1, 4), np.float32))
    np.save(tmp_path / "shard-000009-1.emb.npy", np.zeros((3, 4), np.float32))  # keys never written
    assert len(EmbeddingCache(tmp_path)) == 1


def test_layers_cache(tiny_model, tmp_path):
    enc = Encoder(tiny_model, "tiny", layers=(1, 2), root=tmp_path, show_progress=False)
    last = enc.encode(TEXTS[:10], "query")
    first = enc.encode(TEXTS[:10], "query", layer=1)
    assert last.shape == first.shape == (10, 32)
    np.testing.assert_allclose(last, tiny_model.encode(["query: " + t for t in TEXTS[:10]]), atol=1e-5)
    with pytest.raises(ValueError, match="layer 5 not cached"):
        enc.encode(TEXTS[:2], "query", layer=5)


@pytest.mark.parametrize("damage", ["zeroed", "truncated"])
def test_corrupt_shard_is_set_aside_and_reencoded(tmp_path, damage):
    """A zeroed shard must not be served as embeddings, a truncated one must not crash the open:
    both are renamed *.corrupt with a warning naming the file, and their texts count as missing."""
    cache = EmbeddingCache(tmp_path)
    keys = [bytes([i]) * 16 for i in range(3)]
    cache.add(keys, np.eye(3, 4, dtype=np.float32))
    (emb_file,) = tmp_path.glob("shard-*.emb.npy")
    if damage == "zeroed":
        np.save(emb_file, np.zeros((3, 4), dtype=np.float32))
    else:
        emb_file.write_bytes(emb_file.read_bytes()[:100])
    with pytest.warns(UserWarning, match=str(emb_file.name)):
        reopened = EmbeddingCache(tmp_path)
    assert reopened.missing(keys) == [0, 1, 2], "the damaged shard's texts must be re-encoded"
    assert list(tmp_path.glob("*.corrupt")), "the damaged shard is kept aside for inspection"
    assert not list(tmp_path.glob("shard-*.emb.npy")), "and never read again"
