"""Full fine-tuning runs (:mod:`hybridlib.runs.finetune_runs`): configs from a preset, the fixed
evaluation subsample, storing and reading. The trainer is replaced by the untrained tiny model here
(``tests/train/test_head_and_finetune.py`` trains it for real), so these tests check the runner."""

from __future__ import annotations

import pytest

from hybridlib.presets import get_preset
from hybridlib.runs import finetune_runs
from hybridlib.runs.configs import eval_subsample, finetune_config, finetune_data
from hybridlib.runs.store import record_key
from hybridlib.train.strategy import label


@pytest.fixture
def smoke(monkeypatch, tmp_path):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path / "results"))
    return get_preset("smoke").with_(ft_eval_tasks=("xquad-r",), ft_max_queries=6, ft_max_candidates=20)


@pytest.fixture
def fake_trainer(monkeypatch, tiny_model):
    """``finetune`` replaced by one that counts its calls and returns the untrained tiny model."""
    calls = []

    def finetune(cfg, out_dir, tasks):
        calls.append((cfg, sorted(tasks)))
        return tiny_model, {"steps_run": 0, "note": "untrained stand-in"}

    monkeypatch.setattr(finetune_runs, "finetune", finetune)
    return calls


def test_config_takes_the_presets_recipe_and_the_protocols_tasks(smoke):
    cfg = finetune_config(smoke, "mlqa-test", 0.5, 1)
    assert (label(cfg), cfg.alpha, cfg.seed) == ("Hybrid", 0.5, 1), cfg
    assert (cfg.steps, cfg.batch_size, cfg.lr) == (smoke.ft_steps, smoke.ft_batch, smoke.ft_lr)
    assert cfg.eval_tasks == ("xquad-r",) and cfg.eval_max_queries == 6
    assert cfg.extra == {}, "a single process keeps the world size out of the key"


def test_evaluation_subsample_is_fixed_and_capped(smoke):
    cfg = finetune_config(smoke, "mlqa-test", 0.0, 0)
    first, again = eval_subsample(cfg, smoke), eval_subsample(cfg, smoke)
    task = first["xquad-r"]
    assert task.queries.groupby("lang").size().max() <= 6, "more queries than the cap in a language"
    assert task.queries.equals(again["xquad-r"].queries), "the subsample differs between two calls"
    assert set(finetune_data(cfg, smoke)) == {"eval", "train"}
    assert set(finetune_data(cfg, smoke, train=False)) == {"eval"}


def test_a_run_trains_once_then_is_read(smoke, fake_trainer):
    cfg = finetune_config(smoke, "mlqa-test", 1.0, 0)
    rec = finetune_runs.run_finetune(cfg, smoke)
    assert len(fake_trainer) == 1 and fake_trainer[0][1] == ["xquad-r"], fake_trainer
    assert rec["config_hash"] == record_key(cfg, finetune_data(cfg, smoke)), "the record is not keyed by its config"
    assert rec["train"]["note"] == "untrained stand-in" and "eval_seconds" in rec["train"]
    assert 0 < rec["results"]["xquad-r"]["summary"]["Mo_mAP"] <= 1
    again = finetune_runs.run_finetune(cfg, smoke)
    assert len(fake_trainer) == 1, "a stored run was trained again"
    assert again["results"] == rec["results"]
    finetune_runs.run_finetune(cfg, smoke, force=True)
    assert len(fake_trainer) == 2, "force did not retrain"


def test_the_untrained_model_on_the_same_subsample_matches_an_untrained_run(smoke, fake_trainer):
    """``zero_shot_on`` scores the untrained encoder on exactly a config's subsample: with the
    trainer a no-op, it equals the run's own numbers."""
    cfg = finetune_config(smoke, "mlqa-test", 0.5, 0)
    run = finetune_runs.run_finetune(cfg, smoke)["results"]["xquad-r"]["summary"]
    zero = finetune_runs.zero_shot_on(cfg, smoke)["results"]["xquad-r"]["summary"]
    assert zero == pytest.approx(run, abs=1e-6), (zero, run)
