"""Stored lower-layer states and the trainable top-k blocks (tiny random model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hybridlib.models.encoding import forward_texts
from hybridlib.models.states import LayerStates, StateCacheError, embed_buckets, embed_states, pad_states, top_layers

TEXTS = ["hello world", "bonjour le monde, comment ça va aujourd'hui ?", "x", "ein längerer deutscher Satz hier"]


def _full_hidden(model, text: str, layer: int) -> np.ndarray:
    ids = torch.tensor([model.hybridlib_tokenize([model.prompts["query"] + text], 512)[0]])
    hf = model[0].auto_model
    hf.eval()
    with torch.no_grad():
        return hf(input_ids=ids, output_hidden_states=True).hidden_states[layer][0].numpy()


@pytest.mark.parametrize("layer", [0, 1])
def test_cached_states_equal_a_full_forward_pass(tiny_model, tmp_path, layer):
    states = LayerStates(tiny_model, "tiny", layer, 512, root=tmp_path, show_progress=False, dtype="float32")
    got = states.get(states.keys(TEXTS, "query"))
    for text, arr in zip(TEXTS, got):
        ref = _full_hidden(tiny_model, text, layer)
        assert arr.shape == ref.shape
        assert np.abs(arr - ref).max() <= 1e-5, f"layer-{layer} states differ from the full forward pass"


def test_top_layers_over_states_equal_the_model(tiny_model, tmp_path):
    """Top-k blocks over stored layer-(L-k) states give the model's own embeddings, for every k."""
    ref, _ = forward_texts(tiny_model, [tiny_model.prompts["query"] + t for t in TEXTS], show_progress=False)
    depth = tiny_model[0].auto_model.config.num_hidden_layers
    for k in range(1, depth + 1):
        st = LayerStates(tiny_model, "tiny", depth - k, 512, root=tmp_path, show_progress=False, dtype="float32")
        emb = embed_states(top_layers(tiny_model, k), st.get(st.keys(TEXTS, "query")))
        np.testing.assert_allclose(emb, ref, atol=1e-5, err_msg=f"top-{k} blocks over states != full model")


def test_states_resume_and_reject_a_stale_cache(tiny_model, tmp_path):
    a = LayerStates(tiny_model, "tiny", 1, 512, root=tmp_path, show_progress=False)
    a.keys(TEXTS[:2], "query")
    b = LayerStates(tiny_model, "tiny", 1, 512, root=tmp_path, show_progress=False)
    assert len(b.cache) == 2, "a new process reads the shards written before"
    b.keys(TEXTS, "query")
    assert len(b.cache) == 4, "only the missing texts are computed"
    (tmp_path / "tiny-L1-T512-float16" / "shard-999999-1.keys.npy").write_bytes(b"")  # a half-written shard
    meta = tmp_path / "tiny-L1-T512-float16" / "meta.json"
    meta.write_text(meta.read_text().replace('"hidden": 32', '"hidden": 64'))
    with pytest.raises(StateCacheError, match="stale state cache"):
        LayerStates(tiny_model, "tiny", 1, 512, root=tmp_path, show_progress=False)


def test_bad_layer_and_k_are_errors(tiny_model, tmp_path):
    with pytest.raises(ValueError, match=r"state layer must lie in 0\.\.2"):
        LayerStates(tiny_model, "tiny", 5, 512, root=tmp_path)
    for k in (0, 3, 1.5):
        with pytest.raises(ValueError, match=r"top_layers must be an integer in 1\.\.2"):
            top_layers(tiny_model, k)


def test_too_little_disk_is_a_clear_error(tiny_model, tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10, 10, 1000))
    st = LayerStates(tiny_model, "tiny", 1, 512, root=tmp_path, show_progress=False)
    with pytest.raises(StateCacheError, match="GiB free"):
        st.keys(TEXTS, "query")
    assert not list((tmp_path / "tiny-L1-T512-float16").glob("shard-*")), "no shard is left behind"


@pytest.mark.parametrize("buckets", [1, 2, 3, 8])
def test_length_buckets_give_each_text_the_embedding_of_one_padded_pass(tiny_model, tmp_path, buckets):
    """Bucketing a batch by length changes only the padding: every row (in input order) equals the
    one-pass embedding, and gradients flow through it."""
    st = LayerStates(tiny_model, "tiny", 0, 512, root=tmp_path, show_progress=False, dtype="float32")
    arrays = st.get(st.keys(TEXTS * 2, "passage"))
    top = top_layers(tiny_model, 2)
    top.eval()
    with torch.no_grad():
        ref = top(*pad_states(arrays))
    got = embed_buckets(top, arrays, buckets)
    torch.testing.assert_close(got.detach(), ref, atol=1e-5, rtol=0, msg=f"{buckets} buckets moved an embedding")
    got.sum().backward()
    assert all(p.grad is not None for p in top.hf.encoder.parameters()), "a trained block got no gradient"


def test_state_cache_leaves_a_fresh_temporary_file_of_another_writer_alone(tmp_path):
    import os
    import time

    from hybridlib.models.states import ORPHAN_SECONDS, StateCache

    meta = {"fingerprint": "f", "layer": 0, "max_len": 8, "hidden": 4, "dtype": "float16"}
    StateCache(tmp_path, meta)
    live, orphan = tmp_path / ".shard-live.tok.npy.tmp", tmp_path / ".shard-old.tok.npy.tmp"
    live.write_bytes(b"being written")
    orphan.write_bytes(b"left behind")
    old = time.time() - ORPHAN_SECONDS - 60
    os.utime(orphan, (old, old))
    StateCache(tmp_path, meta)
    assert live.exists(), "another process's temporary file was deleted while it wrote it"
    assert not orphan.exists(), "an orphan older than the stale age is cleaned"
