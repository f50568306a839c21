"""Token states of the lower layers, computed once per text and kept on disk (partial fine-tuning).

When only the top ``k`` transformer blocks are trained, the output of the first ``L - k`` blocks
is a pure function of the text (lower layers frozen, in eval mode). :class:`StateCache` stores
those token states (float16, one row per token) keyed by ``(prompt + text)``, in a directory
named by the model fingerprint, the layer and the token limit, so a different model, layer or
truncation can never be served from it. Shards are written atomically, keys last: a shard
exists only once its keys file does, an interrupted run loses at most one shard and resumes.

:class:`TopLayers` is the trainable part: a copy of the top ``k`` blocks of a BERT-style model
that takes stored states (``inputs_embeds``) instead of token ids, mean-pools and normalises.
With ``k`` = all layers the states are the (frozen) embedding output, i.e. full fine-tuning with
frozen embeddings.
"""

from __future__ import annotations

import copy
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from hybridlib.fileio import _atomic, read_json, write_json
from hybridlib.models.encoding import ShardIndex, text_key
from hybridlib.paths import cache_dir
from hybridlib.progress import progress

DTYPES = {"float16": np.float16, "float32": np.float32}
DISK_MARGIN = 1 << 30  # keep 1 GiB free
ORPHAN_SECONDS = 3600  # a temporary file older than this belongs to no running writer


class StateCacheError(RuntimeError):
    """A state cache that does not belong to the model, layer or token limit asked for, or no disk."""


class StateCache(ShardIndex):
    """An append-only on-disk store of variable-length ``(tokens, hidden)`` float16 arrays."""

    def __init__(self, root: str | Path, meta: dict):
        super().__init__()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        meta_file = self.root / "meta.json"
        if meta_file.exists():
            found = read_json(meta_file)
            if found != meta:
                raise StateCacheError(
                    f"{meta_file}: stale state cache (stored {found}, asked for {meta}); delete {self.root} to rebuild"
                )
        else:
            write_json(meta_file, meta)
        self.meta = meta
        now = time.time()
        for tmp in self.root.glob(".*.tmp"):  # orphans of an interrupted write, not another writer's live file
            if now - tmp.stat().st_mtime > ORPHAN_SECONDS:
                tmp.unlink(missing_ok=True)
        for keys_file in sorted(self.root.glob("shard-*.keys.npy")):
            stem = keys_file.name[: -len(".keys.npy")]
            tok, off = self.root / f"{stem}.tok.npy", self.root / f"{stem}.off.npy"
            if not (tok.exists() and off.exists()):
                continue
            self._register_states(np.load(keys_file), np.load(tok, mmap_mode="r"), np.load(off))

    def _register_states(self, keys: np.ndarray, tok: np.ndarray, off: np.ndarray) -> None:
        if len(off) != len(keys) + 1 or off[-1] != len(tok):
            return  # a shard cut short: ignore it, its texts are recomputed
        self._register(keys, (tok, off))

    def add(self, keys: list[bytes], states: list[np.ndarray]) -> None:
        """Persist one block of states as a shard (atomic; keys written last)."""
        n_tokens = sum(len(s) for s in states)
        dtype = DTYPES[self.meta["dtype"]]
        need = n_tokens * self.meta["hidden"] * np.dtype(dtype).itemsize
        free = shutil.disk_usage(self.root).free
        if free - need < DISK_MARGIN:
            raise StateCacheError(
                f"{self.root}: {need / 2**30:.2f} GiB needed for {len(keys)} texts but only "
                f"{free / 2**30:.2f} GiB free (1 GiB kept); free disk or set HYBRIDLIB_CACHE"
            )
        stem = f"shard-{len(list(self.root.glob('shard-*.keys.npy'))):06d}-{os.getpid()}"
        tok = np.concatenate(states).astype(dtype) if states else np.zeros((0, self.meta["hidden"]), dtype)
        off = np.concatenate([[0], np.cumsum([len(s) for s in states])]).astype(np.int64)
        karr = np.frombuffer(b"".join(keys), dtype="V16")
        _atomic(self.root / f"{stem}.tok.npy", lambda fh: np.save(fh, tok))
        _atomic(self.root / f"{stem}.off.npy", lambda fh: np.save(fh, off))
        _atomic(self.root / f"{stem}.keys.npy", lambda fh: np.save(fh, karr))
        self._register_states(karr, np.load(self.root / f"{stem}.tok.npy", mmap_mode="r"), off)

    def get(self, key: bytes) -> np.ndarray:
        s, r = self._index[key]
        tok, off = self._shards[s]
        return tok[off[r] : off[r + 1]]


def _hf_and_tokenize(model):
    tr = model[0]
    fast = getattr(model, "hybridlib_tokenize", None)

    def tokenize(texts: list[str], max_len: int) -> list[list[int]]:
        if fast is not None:
            return fast(texts, max_len)
        return tr.tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_len)["input_ids"]

    return tr.auto_model, tr.tokenizer.pad_token_id, tokenize


@contextmanager
def _first_blocks(hf, layer: int):
    """Within the block, ``hf`` runs only its embeddings and first ``layer`` blocks."""
    blocks = hf.encoder.layer
    hf.encoder.layer = torch.nn.ModuleList(list(blocks)[:layer])
    try:
        yield hf
    finally:
        hf.encoder.layer = blocks


class LayerStates:
    """The states after the first ``layer`` blocks of ``model`` for any text, from a :class:`StateCache`."""

    def __init__(
        self,
        model,
        fingerprint: str,
        layer: int,
        max_len: int,
        root: str | Path | None = None,
        show_progress: bool = True,
        chunk: int = 1024,
        dtype: str = "float16",
    ):
        self.model, self.layer, self.max_len = model, layer, max_len
        hf, self.pad_id, self._tokenize = _hf_and_tokenize(model)
        depth = hf.config.num_hidden_layers
        if not 0 <= layer <= depth:
            raise ValueError(f"state layer must lie in 0..{depth} (the model's blocks), got {layer!r}")
        self.hidden = hf.config.hidden_size
        if dtype not in DTYPES:
            raise ValueError(f"state dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        meta = {"fingerprint": fingerprint, "layer": layer, "max_len": max_len, "hidden": self.hidden, "dtype": dtype}
        root = Path(root or cache_dir() / "states") / f"{fingerprint}-L{layer}-T{max_len}-{dtype}"
        self.cache = StateCache(root, meta)
        self._hf = hf
        self.show_progress, self.chunk = show_progress, chunk

    def keys(self, texts: list[str], kind: str) -> list[bytes]:
        """Cache keys of ``texts`` with the ``kind`` prompt; computes the states of missing ones."""
        prompt = self.model.prompts.get(kind, "")
        keys = [text_key(prompt, t) for t in texts]
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k not in self.cache:
                first.setdefault(k, i)
        todo = sorted(first.values())
        bar = progress(
            total=len(todo), desc=f"states L{self.layer} {kind}", show_progress=self.show_progress, disable=not todo
        )
        for s in range(0, len(todo), self.chunk):
            part = todo[s : s + self.chunk]
            self.cache.add([keys[i] for i in part], self._compute([prompt + texts[i] for i in part]))
            bar.update(len(part))
        bar.close()
        return keys

    def _compute(self, texts: list[str], token_budget: int = 8192, max_batch: int = 128) -> list[np.ndarray]:
        ids = self._tokenize(texts, self.max_len)
        lengths = np.array([len(x) for x in ids])
        order = np.argsort(lengths, kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        self._hf.eval()
        start = 0
        with torch.inference_mode(), _first_blocks(self._hf, self.layer) as low:
            while start < len(order):
                longest = lengths[order[min(start + max_batch, len(order)) - 1]]
                idx = order[start : start + max(1, min(max_batch, token_budget // max(int(longest), 1)))]
                width = int(lengths[idx].max())
                batch = np.full((len(idx), width), self.pad_id, dtype=np.int64)
                mask = np.zeros((len(idx), width), dtype=np.int64)
                for r, i in enumerate(idx):
                    batch[r, : lengths[i]] = ids[i]
                    mask[r, : lengths[i]] = 1
                res = low(input_ids=torch.from_numpy(batch), attention_mask=torch.from_numpy(mask))
                hs = res.last_hidden_state.numpy()  # output of the first `layer` blocks
                for r, i in enumerate(idx):
                    out[i] = hs[r, : lengths[i]]
                start += len(idx)
        return out  # type: ignore[return-value]

    def get(self, keys: list[bytes]) -> list[np.ndarray]:
        return [self.cache.get(k) for k in keys]


class PassThrough(torch.nn.Module):
    """Stands in for the embedding layer: the stored states are the blocks' input."""

    def forward(self, input_ids=None, inputs_embeds=None, **kwargs):
        return inputs_embeds


class TopLayers(torch.nn.Module):
    """Blocks ``L-k .. L-1`` of a BERT-style ``hf`` model: stored states in, L2-normalised
    mean-pooled embeddings out (the sentence-transformers Pooling + Normalize of mE5)."""

    def __init__(self, hf, k: int):
        super().__init__()
        depth = hf.config.num_hidden_layers
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= depth:
            raise ValueError(f"top_layers must be an integer in 1..{depth}, got {k!r}")
        self.k, self.start = k, depth - k
        embeddings, blocks = hf.embeddings, hf.encoder.layer
        try:  # copy everything but the embedding tables and the lower blocks
            hf.embeddings = PassThrough()
            hf.encoder.layer = torch.nn.ModuleList(list(blocks)[self.start :])
            self.hf = copy.deepcopy(hf)
        finally:
            hf.embeddings, hf.encoder.layer = embeddings, blocks
        self.hf.config.num_hidden_layers = k

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.hf(inputs_embeds=states, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def write_into(self, model) -> None:
        """Copy the trained blocks back into a full sentence-transformers ``model`` (in place)."""
        blocks = model[0].auto_model.encoder.layer
        for i, block in enumerate(self.hf.encoder.layer):
            blocks[self.start + i].load_state_dict(block.state_dict())


def top_layers(model, k: int) -> TopLayers:
    """A trainable copy of the top ``k`` blocks of a sentence-transformers BERT-style model."""
    return TopLayers(model[0].auto_model, k)


def pad_states(arrays: list[np.ndarray]):
    """``(b, t, d)`` float32 tensor of zero-padded states and its ``(b, t)`` attention mask."""
    width = max(len(a) for a in arrays)
    d = arrays[0].shape[1]
    x = np.zeros((len(arrays), width, d), dtype=np.float32)
    mask = np.zeros((len(arrays), width), dtype=np.int64)
    for r, a in enumerate(arrays):
        x[r, : len(a)] = a
        mask[r, : len(a)] = 1
    return torch.from_numpy(x), torch.from_numpy(mask)


def embed_buckets(top, arrays: list[np.ndarray], buckets: int = 1) -> torch.Tensor:
    """Embeddings of one training batch's states through ``top``, in ``buckets`` forward passes.

    ``buckets = 1`` pads the whole batch to its longest text (one pass). ``buckets > 1`` sorts the
    texts by token count, cuts them into that many contiguous groups and pads each group only to its
    own longest text, then returns the rows in the input order. Which texts share a batch (so the
    in-batch negatives and the loss) does not change; each text's embedding is the same function of
    its own tokens (attention masks padding out), so only floating-point rounding and the dropout
    draws (other tensor shapes) differ: a config field, since it changes a run's exact numbers.
    """
    if buckets <= 1 or len(arrays) < 2:
        return top(*pad_states(arrays))
    order = np.argsort([len(a) for a in arrays], kind="stable")
    parts = [part for part in np.array_split(order, min(buckets, len(arrays))) if len(part)]
    out = torch.cat([top(*pad_states([arrays[i] for i in part])) for part in parts])
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return out[torch.from_numpy(inverse)]


def embed_states(top, arrays: list[np.ndarray], token_budget: int = 16384, max_batch: int = 256) -> np.ndarray:
    """Embeddings of stored states through ``top`` (eval mode, length-sorted token-budget batches)."""
    lengths = np.array([len(a) for a in arrays])
    order = np.argsort(lengths, kind="stable")
    out = np.zeros((len(arrays), top.hf.config.hidden_size), dtype=np.float32)
    was_training = top.training
    top.eval()
    start = 0
    with torch.inference_mode():
        while start < len(order):
            longest = lengths[order[min(start + max_batch, len(order)) - 1]]
            idx = order[start : start + max(1, min(max_batch, token_budget // max(int(longest), 1)))]
            x, m = pad_states([arrays[i] for i in idx])
            out[idx] = top(x, m).numpy()
            start += len(idx)
    top.train(was_training)
    return out


__all__ = [
    "StateCache",
    "StateCacheError",
    "LayerStates",
    "TopLayers",
    "top_layers",
    "pad_states",
    "embed_buckets",
    "embed_states",
]
