"""Partial fine-tuning runs (top-k blocks from stored states): configs from a preset, training,
evaluation on every query and candidate, stored under ``results/partial-ft``."""

from __future__ import annotations

import resource
import time
from dataclasses import asdict
from pathlib import Path

import torch

from hybridlib.fileio import write_by_name
from hybridlib.models.registry import fingerprint, load_model
from hybridlib.presets import Preset
from hybridlib.runs.configs import (  # noqa: F401  (partial_config re-exported)
    full_eval_tasks,
    partial_cache_file,
    partial_checkpoint_path,
    partial_config,
    partial_data,
)
from hybridlib.runs.store import cached_run
from hybridlib.train.partial import PartialFineTuneConfig, evaluate_partial, states_scorer, train_partial


def run_partial(cfg: PartialFineTuneConfig, preset: Preset, force: bool = False, show_progress: bool = True) -> dict:
    """Train (unless ``steps == 0``: the untrained model through the same path), evaluate, store.

    Training checkpoints at every validation to ``<cache>/checkpoints/partial-ft-<key>.pt``: a run
    interrupted mid-training (or mid-evaluation) resumes there; the file goes once the record is stored.
    """
    data = partial_data(cfg, preset)
    checkpoint = partial_checkpoint_path(cfg, preset, data)
    weights = trained_weights_path(cfg, preset, data)

    def compute():
        tasks = full_eval_tasks(preset, cfg.eval_tasks)
        model = load_model(cfg.model)
        fp = fingerprint(model)
        top, log = train_partial(cfg, model, fp, tasks, show_progress, checkpoint=checkpoint)
        # the trained blocks are kept (cache only, never in git): a new metric never needs retraining
        write_by_name(weights, lambda tmp: torch.save({"config": asdict(cfg), "top": top.state_dict()}, tmp))
        t0 = time.perf_counter()
        summary, arrays = evaluate_partial(top, model, fp, cfg, tasks, show_progress)
        log["eval_seconds"] = round(time.perf_counter() - t0, 1)
        log["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        return summary, arrays, {"model": cfg.model, "fingerprint": fp, "train": log}

    record = cached_run("partial-ft", cfg, compute, data, subdir=preset.results_subdir, force=force)
    checkpoint.unlink(missing_ok=True)
    return record


def trained_weights_path(cfg: PartialFineTuneConfig, preset: Preset, data: dict[str, str] | None = None) -> Path:
    """Where a run's trained top blocks are kept: ``<cache>/weights/partial-ft-<record key>.pt``
    (``data``: the run's :func:`partial_data` when the caller has it already)."""
    return partial_cache_file("weights", cfg, preset, data)


def trained_scorer_for(cfg: PartialFineTuneConfig, preset: Preset, show_progress: bool = False):
    """``scorer_for(task)`` of a stored run's kept weights (rescoring without retraining).

    Raises ``FileNotFoundError`` naming the file and the command when the weights were not kept
    (runs stored before weights were kept, or on another machine)."""
    path = trained_weights_path(cfg, preset)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no kept weights for this run (stored before runs kept them, or on another machine); "
            "rerun it with --force to train and keep them"
        )
    model = load_model(cfg.model)
    top = load_trained_top(path, cfg, model)
    return states_scorer(top, model, fingerprint(model), cfg, show_progress)


def load_trained_top(path: Path, cfg: PartialFineTuneConfig, model):
    """The top blocks kept at ``path`` (by :func:`run_partial` or the bitext back-fill) for ``cfg``,
    loaded into a fresh copy of ``model``'s top blocks; weights of another config are an error."""
    from hybridlib.models.states import top_layers

    saved = torch.load(path, weights_only=False)  # our own file
    if saved["config"] != asdict(cfg):
        raise ValueError(f"{path}: weights of another config")
    top = top_layers(model, cfg.top_layers)
    top.load_state_dict(saved["top"])
    return top


__all__ = [
    "partial_config",
    "full_eval_tasks",
    "run_partial",
    "trained_weights_path",
    "trained_scorer_for",
    "load_trained_top",
]
