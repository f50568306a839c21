"""Low-resource cross-lingual evidence for partial-track runs: FLORES-200 and Tatoeba scored for
a run that is (or will be) stored under ``results/partial-ft`` — its untrained reference too.

One record per run under ``results/<subdir>/bitext``, keyed by the run's own config, its training
data's fingerprint and the bitext tasks' fingerprint. The run's trained blocks come from the cache
(``<cache>/weights/``, written by :func:`~hybridlib.runs.partial_runs.run_partial`); runs stored
before weights were kept are **retrained** from their config (deterministic: the record says
whether the retrained run kept the stored run's checkpoint, validation loss included) and their
weights kept, so the next metric needs no retraining.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import torch

from hybridlib.evaluation.suite import evaluate_suite
from hybridlib.fileio import write_by_name
from hybridlib.models.registry import fingerprint, load_model
from hybridlib.models.states import top_layers
from hybridlib.presets import Preset
from hybridlib.runs.configs import (
    BITEXT_TASKS,
    BitextConfig,
    bitext_config,
    bitext_data,
    bitext_tasks,
    full_eval_tasks,
    partial_checkpoint_path,
    partial_data,
)
from hybridlib.runs.partial_runs import load_trained_top, trained_weights_path
from hybridlib.runs.store import cached_run, load_record
from hybridlib.train.partial import PartialFineTuneConfig, states_scorer, train_partial


def _trained_top(run: PartialFineTuneConfig, preset: Preset, model, fp: str, show_progress: bool):
    """The run's trained blocks (cache, else retrained and kept) and what the retraining found."""
    path = trained_weights_path(run, preset)
    if run.steps == 0:
        return top_layers(model, run.top_layers), {"source": "untrained"}
    if path.exists():
        return load_trained_top(path, run, model), {"source": "kept weights"}
    t0 = time.perf_counter()
    # the run's own evaluation suite: training drops examples that overlap it (as when it was stored)
    checkpoint = partial_checkpoint_path(run, preset)  # an interrupted retraining resumes there
    tasks = full_eval_tasks(preset, run.eval_tasks)
    top, log = train_partial(run, model, fp, tasks, show_progress, checkpoint=checkpoint)
    write_by_name(path, lambda tmp: torch.save({"config": asdict(run), "top": top.state_dict()}, tmp))
    checkpoint.unlink(missing_ok=True)
    info = {"source": "retrained", "retrain_seconds": round(time.perf_counter() - t0, 1)}
    stored = load_record("partial-ft", run, partial_data(run, preset), preset.results_subdir)
    if stored is not None:
        before = stored.get("train", {})
        losses = json.loads(json.dumps(log.get("eval_loss")))  # tuples as the stored JSON's lists
        info["same_checkpoint_as_stored"] = before.get("best_step") == log.get("best_step")
        info["same_validation_losses"] = before.get("eval_loss") == losses
        info["stored_best_step"], info["best_step"] = before.get("best_step"), log.get("best_step")
    info["train"] = {k: log.get(k) for k in ("best_step", "steps_run", "steps_per_second", "train_seconds")}
    return top, info


def run_bitext(run: PartialFineTuneConfig, preset: Preset, force: bool = False, show_progress: bool = True) -> dict:
    """Score FLORES and Tatoeba for ``run`` (training it first if its weights are not kept); stored."""
    cfg = bitext_config(run, preset)

    def compute():
        torch.set_num_threads(run.threads)
        model = load_model(run.model)
        fp = fingerprint(model)
        top, info = _trained_top(run, preset, model, fp, show_progress)
        top.eval()
        t0 = time.perf_counter()
        with torch.no_grad():
            summary, arrays = evaluate_suite(states_scorer(top, model, fp, run, show_progress), bitext_tasks(preset))
        info["eval_seconds"] = round(time.perf_counter() - t0, 1)
        return summary, arrays, {"model": run.model, "fingerprint": fp, "weights": info}

    return cached_run("bitext", cfg, compute, bitext_data(run, preset), subdir=preset.results_subdir, force=force)


__all__ = ["BITEXT_TASKS", "BitextConfig", "bitext_config", "bitext_data", "bitext_tasks", "run_bitext"]
