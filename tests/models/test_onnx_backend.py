"""ONNX Runtime for frozen inference: the same embeddings and metrics as PyTorch."""

from __future__ import annotations

import numpy as np

from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import evaluate_suite, load_suite
from hybridlib.models.encoding import Encoder, forward_texts
from hybridlib.models.onnx_backend import ort_runner_for
from hybridlib.presets import get_preset

TEXTS = ["query: hello world", "query: bonjour le monde, comment ça va ?", "query: x", "passage: " + "mot " * 40]


def test_onnx_embeddings_equal_pytorch(tiny_model, tmp_path):
    ref, _ = forward_texts(tiny_model, TEXTS, show_progress=False)
    runner = ort_runner_for(tiny_model, "tiny-test")
    assert runner is not None, "onnx and onnxruntime are installed: the ONNX backend must be used"
    got, _ = forward_texts(tiny_model, TEXTS, show_progress=False, runner=runner)
    cos = (ref * got).sum(1)
    assert cos.min() >= 0.99999, f"ONNX Runtime embeddings drift from PyTorch (cosine {cos.min():.7f})"
    layers = (1, 2)
    ref_l, _ = forward_texts(tiny_model, TEXTS, layers=layers, show_progress=False)
    got_l, _ = forward_texts(
        tiny_model, TEXTS, layers=layers, show_progress=False, runner=ort_runner_for(tiny_model, "tiny-test", layers)
    )
    assert got_l.shape == ref_l.shape and (ref_l * got_l).sum(-1).min() >= 0.99999, "every layer's output agrees"


def test_onnx_metrics_equal_pytorch(tiny_model, tmp_path):
    tasks = load_suite(get_preset("smoke"), ("xquad-r",))
    summaries = {}
    for backend in ("torch", "onnx"):
        enc = Encoder(tiny_model, "tiny", root=tmp_path / backend, fingerprint="tiny-test", backend=backend)
        assert enc.backend == backend
        summaries[backend], _ = evaluate_suite(lambda t, enc=enc: embed_task(enc, t), tasks)
    a, b = (summaries[k]["xquad-r"]["summary"] for k in ("torch", "onnx"))
    for k in a:
        assert np.isclose(a[k], b[k], atol=1e-6), f"{k}: PyTorch {a[k]} vs ONNX Runtime {b[k]}"


def test_quantised_and_openvino_paths_are_separate_backends(tiny_model, tmp_path):
    """int8 (per-channel) is close but not equal to fp32; OpenVINO fp32 equals it; each backend keeps
    its own embedding cache, so vectors of different precision never mix."""
    import pytest

    ref, _ = forward_texts(tiny_model, TEXTS, show_progress=False)
    int8 = ort_runner_for(tiny_model, "tiny-test", backend="onnx-int8")
    assert int8.path.name.endswith("-int8pc.onnx")
    q, _ = forward_texts(tiny_model, TEXTS, show_progress=False, runner=int8)
    cos = (ref * q).sum(1)
    assert 0.9 < cos.min() < 1 - 1e-7, f"int8 weights change the embeddings a little, not wholesale ({cos.min():.7f})"
    caches = {
        Encoder(tiny_model, "tiny", root=tmp_path, fingerprint="tiny-test", backend=b).cache.root.name
        for b in ("torch", "onnx", "onnx-int8")
    }
    assert len(caches) == 3, f"one cache per backend: {caches}"
    with pytest.raises(ValueError, match="unknown inference backend"):
        ort_runner_for(tiny_model, "tiny-test", backend="tensorrt")
    pytest.importorskip("openvino")
    ov, _ = forward_texts(
        tiny_model, TEXTS, show_progress=False, runner=ort_runner_for(tiny_model, "tiny-test", backend="openvino")
    )
    assert (ref * ov).sum(1).min() >= 0.99999, "OpenVINO at fp32 precision reproduces PyTorch"


def test_backend_choice_offers_only_what_passed_the_drift_rule(monkeypatch):
    import pytest

    from hybridlib.models.encoding import default_backend

    monkeypatch.delenv("HYBRIDLIB_BACKEND", raising=False)
    assert default_backend() == "onnx", "ONNX Runtime fp32 is the default for frozen inference"
    monkeypatch.setenv("HYBRIDLIB_BACKEND", "torch")
    assert default_backend() == "torch"
    monkeypatch.setenv("HYBRIDLIB_BACKEND", "onnx-int8")
    with pytest.raises(ValueError, match="not offered.*0.005"):
        default_backend()
