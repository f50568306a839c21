"""Full fine-tuning runs (sentence-transformers trainer, every block or the model's own layers):
configs from a preset, training, evaluation on a fixed subsample, stored under ``results/finetune``.

Under ``torchrun`` every rank trains, rank 0 alone evaluates and stores, and the others wait for
its record (:mod:`hybridlib.train.distributed`); the world size is part of the config (``extra``),
since N ranks average N composed batches per optimizer step."""

from __future__ import annotations

import time

from hybridlib.paths import cache_dir
from hybridlib.presets import Preset
from hybridlib.runs.configs import eval_subsample, finetune_config, finetune_data  # noqa: F401  (re-exported)
from hybridlib.runs.store import cached_run, config_hash, load_record
from hybridlib.train.distributed import barrier, is_main, world_size
from hybridlib.train.finetune import FineTuneConfig, finetune


def run_finetune(cfg: FineTuneConfig, preset: Preset, force: bool = False) -> dict:
    """Fine-tune, evaluate through the engine (embeddings cached by model fingerprint), store.

    Single process: one :func:`cached_run`. Under ``torchrun``: every rank trains (unless the run is
    stored), rank 0 evaluates and writes the record, every rank returns that record."""
    data = finetune_data(cfg, preset)
    tasks = eval_subsample(cfg, preset)  # memoised suite, shrunk: cheap, and finetune_data read it already
    out_dir = cache_dir() / "finetuned" / config_hash(cfg)

    def train():
        return finetune(cfg, out_dir, tasks)

    def evaluate(model, log):
        from hybridlib.evaluation.scoring import embed_task
        from hybridlib.evaluation.suite import evaluate_suite
        from hybridlib.models.encoding import Encoder

        enc = Encoder(model, f"ft-{config_hash(cfg)}")
        t0 = time.perf_counter()
        summary, arrays = evaluate_suite(lambda t: embed_task(enc, t), tasks)
        log["eval_seconds"] = round(time.perf_counter() - t0, 1)
        checkpoint = str(out_dir / "model")
        return (
            summary,
            arrays,
            {
                "model": cfg.model,
                "fingerprint": enc.fingerprint,
                "backend": enc.backend,
                "train": log,
                "checkpoint": checkpoint,
            },
        )

    if world_size() == 1:
        return cached_run("finetune", cfg, lambda: evaluate(*train()), data, subdir=preset.results_subdir, force=force)
    stored = None if force else load_record("finetune", cfg, data, preset.results_subdir)
    if stored is not None:  # every rank sees the same files, so every rank skips together
        return stored
    model, log = train()
    if is_main():
        cached_run("finetune", cfg, lambda: evaluate(model, log), data, subdir=preset.results_subdir, force=True)
    barrier()
    return load_record("finetune", cfg, data, preset.results_subdir)


def zero_shot_on(cfg: FineTuneConfig, preset: Preset) -> dict:
    """The untrained encoder on exactly the evaluation subset of a fine-tuning config."""
    from hybridlib.evaluation.scoring import embed_task
    from hybridlib.evaluation.suite import evaluate_suite
    from hybridlib.models.encoding import encoder_for

    sub = {
        "tasks": cfg.eval_tasks,
        "max_queries": cfg.eval_max_queries,
        "max_candidates": cfg.eval_max_candidates,
        "model": cfg.model,
        "preset": cfg.preset,
    }

    def compute():
        tasks = eval_subsample(cfg, preset)
        enc, layer = encoder_for(cfg.model)
        summary, arrays = evaluate_suite(lambda t: embed_task(enc, t, layer), tasks)
        return summary, arrays, {"model": cfg.model, "fingerprint": enc.fingerprint, "backend": enc.backend}

    data = finetune_data(cfg, preset, train=False)
    return cached_run("finetune-zeroshot", sub, compute, data, subdir=preset.results_subdir)


__all__ = ["finetune_config", "eval_subsample", "run_finetune", "zero_shot_on"]
