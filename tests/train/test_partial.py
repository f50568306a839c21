"""Partial fine-tuning: only the top k blocks move, with the strategy sampler the trainer uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from hybridlib.models.states import LayerStates, embed_states, pad_states, top_layers
from hybridlib.train.losses import info_nce
from hybridlib.train.partial import PartialFineTuneConfig


def test_a_top_k_step_changes_only_the_top_k_blocks(tiny_model, tmp_path):
    import copy

    model = copy.deepcopy(tiny_model)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    st = LayerStates(model, "tiny", 1, 512, root=tmp_path, show_progress=False, dtype="float32")
    top = top_layers(model, 1)
    opt = torch.optim.AdamW(top.parameters(), lr=1e-2)
    q = top(*pad_states(st.get(st.keys(["a question", "another one"], "query"))))
    p = top(*pad_states(st.get(st.keys(["its passage", "the other passage"], "passage"))))
    info_nce(q, p).backward()
    opt.step()
    top.write_into(model)
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed, "the step changed nothing"
    assert all(".layer.1." in n for n in changed), f"parameters outside the top block changed: {sorted(changed)}"
    # the merged full model and the top block over stored states agree after training
    from hybridlib.models.encoding import forward_texts

    full, _ = forward_texts(model, [model.prompts["query"] + "a question"], show_progress=False)
    part = embed_states(top, st.get(st.keys(["a question"], "query")))
    np.testing.assert_allclose(part, full, atol=1e-5)


def test_config_validates_its_fields():
    base = dict(protocol="mlqa-test", strategy="hybrid", alpha=0.5, seed=0, model="m", preset="smoke")
    with pytest.raises(TypeError, match="top_layers must be an int"):
        PartialFineTuneConfig(**base, top_layers="2")
    with pytest.raises(ValueError, match="top_layers must be >= 1"):
        PartialFineTuneConfig(**base, top_layers=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        PartialFineTuneConfig(**{**base, "seed": "0"})


def test_partial_run_uses_the_trainer_sampler_and_stores(tiny_model, monkeypatch, tmp_path, seen_batches):
    """One smoke run end to end: the batches come from StrategyBatchSampler (the trainer's class),
    every X-Y batch is cross-lingual, and the stored record holds the training log."""
    from hybridlib.presets import get_preset
    from hybridlib.runs.partial_runs import partial_config, run_partial

    seen = seen_batches
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))  # a fresh store: notebooks may have stored this run
    p = get_preset("smoke")
    cfg = partial_config(p, "mlqa-test", 0.0, 0)
    rec = run_partial(cfg, p, show_progress=False)
    assert len(seen) == cfg.steps and all((b.q_lang != b.p_lang).all() for b in seen), "X-Y batches are cross-lingual"
    assert rec["train"]["steps_run"] == cfg.steps and len(rec["train"]["train_loss"]) == cfg.steps
    assert {"state_seconds", "train_seconds", "eval_seconds", "peak_rss_mb"} <= set(rec["train"])
    assert "xquad-r" in rec["results"] and rec["data"]["train"] and rec["data"]["eval"]
    again = run_partial(cfg, p, show_progress=False)
    assert again == rec and len(seen) == cfg.steps, "a stored run is read back, not retrained"
    assert isinstance(pd.DataFrame(seen[0]), pd.DataFrame)
    # the trained blocks are kept: the run is rescored without retraining, to the same numbers
    from hybridlib.evaluation.suite import evaluate_suite
    from hybridlib.runs.partial_runs import full_eval_tasks, trained_scorer_for, trained_weights_path

    assert trained_weights_path(cfg, p).exists(), "a run keeps its trained weights in the cache"
    summary, arrays = evaluate_suite(trained_scorer_for(cfg, p), full_eval_tasks(p, ("xquad-r",)))
    assert summary["xquad-r"]["summary"]["Mul_mAP"] == pytest.approx(rec["results"]["xquad-r"]["summary"]["Mul_mAP"])
    assert "language_preference" in rec["results"]["xquad-r"], "evaluation stores the language-preference metrics"
    assert len(seen) == cfg.steps, "rescoring trains nothing"


def _killed_and_resumed(monkeypatch, tmp_path, seed: int, eval_every: int, checkpoint_seconds: float = 300.0):
    """A 6-step smoke run trained whole, then again killed after its 5th batch (checkpointing to
    ``tmp_path / "ckpt.pt"`` with ``checkpoint_seconds``) and resumed. Returns what the assertions
    need: ``whole`` and ``resumed`` (each ``(top, log)``) and ``retrain()`` (one more call from the checkpoint)."""
    import dataclasses
    from types import SimpleNamespace

    from hybridlib.models.registry import fingerprint, load_model
    from hybridlib.presets import get_preset
    from hybridlib.runs.partial_runs import full_eval_tasks, partial_config
    from hybridlib.train import samplers
    from hybridlib.train.partial import train_partial

    p = get_preset("smoke")
    cfg = dataclasses.replace(partial_config(p, "mlqa-test", 0.5, seed), steps=6, eval_every=eval_every, patience=99)
    tasks = full_eval_tasks(p, cfg.eval_tasks)
    model = load_model(cfg.model)
    fp = fingerprint(model)
    monkeypatch.setenv("HYBRIDLIB_CACHE", str(tmp_path / "states"))  # states shared by every training below
    whole = train_partial(cfg, model, fp, tasks, show_progress=False)

    trained = []
    original = samplers.StrategyBatchSampler.__iter__

    def dies_after_five(self):
        for batch in original(self):
            if len(trained) == 5:
                raise KeyboardInterrupt("killed mid-run")
            trained.append(batch)
            yield batch

    ckpt = tmp_path / "ckpt.pt"
    monkeypatch.setattr(samplers.StrategyBatchSampler, "__iter__", dies_after_five)
    with pytest.raises(KeyboardInterrupt):
        train_partial(
            cfg, model, fp, tasks, show_progress=False, checkpoint=ckpt, checkpoint_seconds=checkpoint_seconds
        )
    assert ckpt.exists(), "no checkpoint was written before the kill"
    monkeypatch.setattr(samplers.StrategyBatchSampler, "__iter__", original)

    def retrain():
        return train_partial(cfg, model, fp, tasks, show_progress=False, checkpoint=ckpt)

    return SimpleNamespace(whole=whole, resumed=retrain(), retrain=retrain)


def _assert_same_training(run) -> None:
    (whole, whole_log), (resumed, log) = run.whole, run.resumed
    assert log["train_loss"] == whole_log["train_loss"] and log["eval_loss"] == whole_log["eval_loss"]
    for name, t in whole.state_dict().items():
        assert torch.equal(t, resumed.state_dict()[name]), f"{name} differs from the uninterrupted run's"


def test_an_interrupted_run_resumes_from_its_checkpoint_with_the_same_result(monkeypatch, tmp_path):
    """Training killed after a validation resumes there (no batch redrawn or retrained) and ends with
    exactly the weights and losses of an uninterrupted run: dropout's RNG, the optimiser and the
    schedule are restored with the weights."""
    run = _killed_and_resumed(monkeypatch, tmp_path, seed=0, eval_every=2)  # validations at 2, 4, 6
    assert run.resumed[1]["resumed_at_step"] == 4, "the run resumes at its last validation (step 4), not from scratch"
    _assert_same_training(run)
    again, again_log = run.retrain()
    assert again_log["resumed_at_step"] == 6 and torch.equal(
        next(iter(again.state_dict().values())), next(iter(run.whole[0].state_dict().values()))
    ), "a finished checkpoint returns its best weights without training again"


def test_a_run_killed_between_validations_resumes_at_its_last_timed_checkpoint(monkeypatch, tmp_path):
    """With a checkpoint after every step (``checkpoint_seconds=0``), a run killed after step 5 of 6
    (validations at 3 and 6) resumes at step 5, not 3, and still ends as the uninterrupted run."""
    run = _killed_and_resumed(monkeypatch, tmp_path, seed=1, eval_every=3, checkpoint_seconds=0)
    assert run.resumed[1]["resumed_at_step"] == 5, "the timed checkpoint after step 5 is where the run resumes"
    _assert_same_training(run)


def test_length_buckets_leave_validation_unchanged_and_the_curve_logs_accuracy(tiny_model, monkeypatch, tmp_path):
    """Validation runs without dropout, so a bucketed run's step-0 validation loss is the unbucketed
    one's (only padding differs); each validation also logs the in-batch top-1 accuracy."""
    import dataclasses

    from hybridlib.models.registry import fingerprint
    from hybridlib.presets import get_preset
    from hybridlib.runs.partial_runs import full_eval_tasks, partial_config
    from hybridlib.train.partial import train_partial

    p = get_preset("smoke")
    monkeypatch.setenv("HYBRIDLIB_CACHE", str(tmp_path))
    cfg = dataclasses.replace(partial_config(p, "mlqa-test", 0.5, 0), steps=2, eval_every=1)
    tasks, fp = full_eval_tasks(p, cfg.eval_tasks), fingerprint(tiny_model)
    _, plain = train_partial(cfg, tiny_model, fp, tasks, show_progress=False)
    _, bucketed = train_partial(dataclasses.replace(cfg, length_buckets=3), tiny_model, fp, tasks, show_progress=False)
    assert bucketed["eval_loss"][0][1] == pytest.approx(plain["eval_loss"][0][1], abs=1e-3), "padding moved the loss"
    assert [s for s, _ in bucketed["eval_acc"]] == [0, 1, 2], "one accuracy per validation, step 0 included"
    assert all(0.0 <= a <= 1.0 for _, a in bucketed["eval_acc"])


def test_a_truncated_checkpoint_is_ignored_with_a_warning_and_training_starts_afresh(tmp_path, caplog):
    from hybridlib.train.partial import _resume

    cfg = PartialFineTuneConfig(protocol="mlqa-test", strategy="hybrid", alpha=0.5, seed=0, model="m", preset="smoke")
    ckpt = tmp_path / "ckpt.pt"
    ckpt.write_bytes(b"PK\x03\x04 truncated")
    with caplog.at_level("WARNING"):
        assert _resume(ckpt, cfg) == {}, "an unreadable checkpoint must not stop the run"
    assert "unreadable checkpoint" in caplog.text and str(ckpt) in caplog.text
