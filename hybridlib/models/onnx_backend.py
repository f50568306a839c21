"""ONNX Runtime for frozen inference: the encoder exported once (mean pooling and L2 normalisation
inside the graph), cached by model fingerprint, run by an ``InferenceSession``.

PyTorch stays the training path and the fallback: :func:`ort_runner_for` returns ``None`` when
``onnx`` / ``onnxruntime`` are missing, the model is not Transformer -> mean pooling, or
``HYBRIDLIB_BACKEND=torch``; ``HYBRIDLIB_BACKEND=openvino`` runs the same graph on OpenVINO. The graph is exported with eager attention (the SDPA path of
``transformers`` drops an all-ones mask while tracing) and with every layer's pooled embedding as
an output when a depth family asks for several layers. Fidelity is tested in
``tests/models/test_onnx_backend.py`` (cosine to PyTorch ≥ 0.99999, identical metrics).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import torch

from hybridlib.fileio import write_by_name
from hybridlib.paths import cache_dir

EXPORT_VERSION = "1"  # bump when the exported graph changes


class _Pooled(torch.nn.Module):
    """Token ids + mask -> L2-normalised mean-pooled embedding (of the last layer, or of ``layers``)."""

    def __init__(self, hf, layers: tuple[int, ...] | None):
        super().__init__()
        self.hf, self.layers = hf, layers

    def forward(self, input_ids, attention_mask):
        out = self.hf(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=self.layers is not None)
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        if self.layers is None:
            pooled = (out.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)
        else:
            hs = torch.stack([out.hidden_states[k] for k in self.layers], dim=1)
            pooled = (hs * m.unsqueeze(1)).sum(2) / m.sum(1).clamp(min=1e-9).unsqueeze(1)
        return torch.nn.functional.normalize(pooled, dim=-1)


def available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return os.environ.get("HYBRIDLIB_BACKEND", "onnx") != "torch"


def export(model, path: Path, layers: tuple[int, ...] | None = None) -> Path:
    """Export ``model``'s transformer + mean pooling + normalisation to ``path`` (atomic)."""
    hf = copy.deepcopy(model[0].auto_model).eval()
    hf.config._attn_implementation = "eager"
    if hasattr(hf, "set_attn_implementation"):
        hf.set_attn_implementation("eager")
    wrapped = _Pooled(hf, layers).eval()
    ids = torch.randint(5, 1000, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0  # a padded example: the mask must stay an input of the graph
    dims = {0: "batch", 1: "tokens"}
    return write_by_name(
        path,
        lambda tmp: torch.onnx.export(
            wrapped,
            (ids, mask),
            tmp,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": dims, "attention_mask": dims},
            opset_version=17,
            dynamo=False,
        ),
    )


class OrtRunner:
    """An ONNX Runtime session over an exported encoder: ``runner(ids, mask) -> embeddings``."""

    def __init__(self, path: Path, threads: int = 2):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = path
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)}
        return self.session.run(None, feed)[0].astype(np.float32)


def quantized(path: Path) -> Path:
    """ONNX Runtime dynamic int8 quantisation of an exported graph, per-channel weights (cached beside it).

    Measured, not the default: ``scripts/bench_encode.py`` reports its metric drift against fp32."""
    out = path.with_name(path.stem + "-int8pc.onnx")
    if not out.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        write_by_name(out, lambda tmp: quantize_dynamic(str(path), tmp, per_channel=True, weight_type=QuantType.QInt8))
    return out


class OpenVinoRunner:
    """The same exported graph on OpenVINO (CPU, fp32 inference precision): ``runner(ids, mask)``."""

    def __init__(self, path: Path, threads: int = 2):
        import openvino as ov

        core = ov.Core()
        core.set_property("CPU", {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"})
        self.path = path
        self.compiled = core.compile_model(str(path), "CPU")

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = self.compiled({"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)})
        return np.asarray(out[0], dtype=np.float32)


RUNNERS = {"onnx": "ONNX Runtime fp32", "onnx-int8": "ONNX Runtime int8 (per-channel)", "openvino": "OpenVINO fp32"}
OFFERED = ("onnx", "openvino", "torch")  # HYBRIDLIB_BACKEND values; onnx-int8 failed the 0.005 drift rule


def ort_runner_for(model, fingerprint: str, layers: tuple[int, ...] | None = None, backend: str = "onnx"):
    """The cached runner of a frozen model for ``backend`` (one of :data:`RUNNERS`), exporting the
    graph on first use; ``None`` means: use PyTorch."""
    if backend not in RUNNERS:
        raise ValueError(f"unknown inference backend {backend!r}; known: {sorted(RUNNERS)} and 'torch'")
    names = [type(m).__name__ for m in model]
    if not available() or names[:1] != ["Transformer"] or "Dense" in names:
        return None
    spec = "final" if layers is None else "layers-" + "-".join(map(str, layers))
    path = cache_dir() / "onnx" / f"{fingerprint}-{spec}-v{EXPORT_VERSION}.onnx"
    if not path.exists():
        export(model, path, layers)
    if backend == "openvino":
        return OpenVinoRunner(path)
    return OrtRunner(quantized(path) if backend == "onnx-int8" else path)


__all__ = ["available", "export", "quantized", "OrtRunner", "OpenVinoRunner", "RUNNERS", "OFFERED", "ort_runner_for"]
