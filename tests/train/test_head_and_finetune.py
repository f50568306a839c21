"""Head track, neutrality transforms, leakage guard, cached runs and the trainer's batch sampler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybridlib.train.head import Head, HeadConfig, train_head
from hybridlib.train.neutrality import centerer, eraser, language_means, leace
from hybridlib.train.protocols import LeakageError, check_no_leakage, drop_overlap, training_examples
from hybridlib.train.samplers import BatchComposer
from hybridlib.train.strategy import make_strategy


def _toy(n_groups=80, dim=16, seed=0):
    """Queries equal their positive plus noise; a language offset is added to every text."""
    rng = np.random.default_rng(seed)
    rows, q, p = [], [], []
    offsets = {lang: rng.normal(size=dim) for lang in ("de", "es", "zh")}
    for g in range(n_groups):
        base = rng.normal(size=dim)
        for ql in ("de", "es", "zh"):
            for pl in ("de", "es", "zh"):
                rows.append(dict(group=g, q_lang=ql, p_lang=pl, passage_key=f"{pl}{g}", source="toy"))
                q.append(base + offsets[ql] + 0.3 * rng.normal(size=dim))
                p.append(base + offsets[pl])
    return pd.DataFrame(rows), np.array(q, np.float32), np.array(p, np.float32)


def test_identity_head_is_zero_shot():
    x = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    out = Head(8).transform(x)
    np.testing.assert_allclose(out, x / np.linalg.norm(x, axis=1, keepdims=True), atol=1e-6)
    mlp = Head(8, "mlp").transform(x)
    np.testing.assert_allclose(mlp, out, atol=1e-6, err_msg="the residual MLP also starts as the identity")
    with pytest.raises(ValueError, match="unknown head kind"):
        Head(8, "rnn")


def test_head_training_lowers_validation_loss():
    ex, q, p = _toy()
    n = np.roll(p, 9, axis=0)
    comp = BatchComposer(ex, make_strategy("x-y"), 16, seed=0)
    val_batches = BatchComposer(ex, make_strategy("hybrid"), 16, seed=1).batches(5)
    head, log = train_head(
        comp,
        q,
        p,
        n,
        HeadConfig(steps=60, batch_size=16, lr=5e-3, eval_every=20, patience=10),
        seed=0,
        val=(q, p, n, val_batches),
    )
    first, best = log["val_loss"][0][1], log["best_val_loss"]
    assert best < first, f"training must lower the validation loss ({first:.3f} -> {best:.3f})"
    assert log["mono_batches"] == 0, "an X-Y run draws no monolingual batch"


def test_centring_removes_language_offsets():
    ex, q, p = _toy()
    means = {"query": language_means(q, ex.q_lang), "passage": language_means(p, ex.p_lang)}
    pre = centerer(means)
    cq = pre(q, "query", ex.q_lang.to_numpy())
    assert np.allclose(np.linalg.norm(cq, axis=1), 1, atol=1e-5)
    raw_gap = np.linalg.norm(q[ex.q_lang == "de"].mean(0) - q[ex.q_lang == "zh"].mean(0))
    cen = q - np.stack([means["query"][lang] for lang in ex.q_lang])
    new_gap = np.linalg.norm(cen[ex.q_lang == "de"].mean(0) - cen[ex.q_lang == "zh"].mean(0))
    assert new_gap < 1e-4 < raw_gap
    unseen = pre(q[:3], "query", np.array(["xx"] * 3))  # unknown language: mean of the known means
    assert np.isfinite(unseen).all()
    er = eraser(means)(q, "query", ex.q_lang.to_numpy())
    diff = means["query"]["de"] - means["query"]["zh"]
    assert abs(er @ diff).max() < 1e-4, "erasure projects out language-mean differences"


def test_leace_makes_language_linearly_unpredictable():
    ex, q, p = _toy()
    x = np.concatenate([q, p])
    langs = np.concatenate([ex.q_lang.to_numpy(), ex.p_lang.to_numpy()])
    out = leace(x, langs)(x, "query", langs)
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    # LEACE guarantees equal class means before re-normalisation; with unit-norm rows the language
    # means must still be far closer together than in the raw unit embeddings (toy offsets are large).
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    raw = np.linalg.norm(unit[langs == "de"].mean(0) - unit[langs == "zh"].mean(0))
    new = np.linalg.norm(out[langs == "de"].mean(0) - out[langs == "zh"].mean(0))
    assert new < 0.1 * raw, f"language means should nearly coincide after LEACE ({raw:.3f} -> {new:.3f})"
    with pytest.raises(ValueError, match="at least two languages"):
        leace(x[:5], ["de"] * 5)


def test_leakage_guard_refuses_overlap():
    from hybridlib.data import load_lareqa

    ex = training_examples("mlqa-r>xquad-r", max_groups=20)
    tasks = {"mlqa-r": load_lareqa("mlqa-r")}
    with pytest.raises(LeakageError, match="training queries"):
        check_no_leakage(ex, tasks)  # training on the evaluation set itself
    clean, dropped = drop_overlap(ex, tasks)
    assert len(clean) == 0 and dropped == len(ex)
    tydi = ex.assign(source="tydi-train")
    with pytest.raises(LeakageError, match="TyDi"):
        check_no_leakage(tydi, {"miracl-pooled": tasks["mlqa-r"]})


@pytest.mark.parametrize(
    "variant",
    [
        lambda q: q.rstrip("?？"),  # a dropped question mark
        lambda q: q.rstrip("?？") + " ?",  # French spacing
        lambda q: "".join(ch for ch in q if ch.isalnum() or ch.isspace()),  # every punctuation mark stripped
        lambda q: "« " + q.upper().replace(" ", "\u00a0") + " »",  # quotes, case, no-break spaces
    ],
)
def test_leakage_guard_sees_through_punctuation_case_and_spacing(variant):
    """A training question that differs from an evaluation question only in punctuation, quotes, case
    or spacing is the same question; so is a passage missing its final full stop."""
    from hybridlib.data import load_lareqa

    ex = training_examples("mlqa-r>xquad-r", max_groups=20).head(8)
    tasks = {"mlqa-r": load_lareqa("mlqa-r")}
    disguised = ex.assign(q_text=ex.q_text.map(variant), p_text="unseen passage", neg_text="another unseen passage")
    with pytest.raises(LeakageError, match=f"{len(ex)} training queries and 0 training passages"):
        check_no_leakage(disguised, tasks)
    cut = ex.assign(q_text="an unseen question", p_text=ex.p_text.str.rstrip(".。"), neg_text="unseen")
    with pytest.raises(LeakageError, match=f"0 training queries and {len(ex)} training passages"):
        check_no_leakage(cut, tasks)


def test_hard_negatives_same_language_other_question():
    ex = training_examples("xquad-r>mlqa-r", max_groups=30, negatives="random", seed=0)
    lang_of = dict(zip(ex.p_text, ex.p_lang))
    positives = set(zip(ex.p_text, ex.group))
    assert all(lang_of[n] == pl for n, pl in zip(ex.neg_text, ex.p_lang)), "negatives share the passage language"
    assert not any((n, g) in positives for n, g in zip(ex.neg_text, ex.group)), "a negative is never a positive"
    bm = training_examples("xquad-r>mlqa-r", max_groups=10, negatives="bm25")
    assert not any((n, g) in set(zip(bm.p_text, bm.group)) for n, g in zip(bm.neg_text, bm.group))
    with pytest.raises(ValueError, match="unknown hard-negative kind"):
        training_examples("xquad-r>mlqa-r", max_groups=5, negatives="dense")


def test_trainer_uses_strategy_batches(tiny_model):
    """The sentence-transformers trainer builds our DefaultBatchSampler subclass and its batches obey X-Y."""
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from hybridlib.train.finetune import to_dataset
    from hybridlib.train.samplers import SamplerFactory, StrategyBatchSampler

    ex, _, _ = _toy(n_groups=12)
    ex["q_text"] = ex.q_lang + " question " + ex.group.astype(str)
    ex["p_text"] = ex.p_lang + " passage " + ex.group.astype(str)
    ex["neg_text"] = ex.p_lang + " other " + ex.group.astype(str)
    args = SentenceTransformerTrainingArguments(
        output_dir="/tmp/unused",
        per_device_train_batch_size=4,
        max_steps=3,
        report_to="none",
        use_cpu=True,
        batch_sampler=SamplerFactory(ex, ex.iloc[:40], make_strategy("x-y"), 3, 4),
    )
    trainer = SentenceTransformerTrainer(
        model=tiny_model, args=args, train_dataset=to_dataset(ex), loss=MultipleNegativesRankingLoss(tiny_model)
    )
    loader = trainer.get_train_dataloader()
    sampler = loader.batch_sampler
    inner = getattr(sampler, "batch_sampler", sampler)
    assert isinstance(inner, StrategyBatchSampler)
    batches = list(inner)
    assert len(batches) == 3
    for b in batches:
        rows = ex.iloc[b]
        assert (rows.q_lang != rows.p_lang).all() and rows.group.is_unique
