"""Full fine-tuning with sentence-transformers v6: ``SentenceTransformerTrainer`` +
``MultipleNegativesRankingLoss`` (InfoNCE, in-batch negatives + one hard negative), with the batch
composition plugged in as a ``DefaultBatchSampler`` subclass.

Presets: ``paper`` (lr 3e-5, AdamW weight decay 0.01, batch 100 through
``CachedMultipleNegativesRankingLoss``, early stopping on validation loss, any backbone) and ``cpu``
(mE5-small, small batch and step budget, word embeddings frozen). Multi-GPU runs go through the
trainer's own distributed support (``torchrun``/``accelerate``): whole batches are dealt to ranks,
so every rank's batches obey the strategy (``tests/test_training.py`` checks it on CPU with gloo).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sentence_transformers.base.sampler import DefaultBatchSampler

from .paths import cache_dir
from .presets import Preset
from .protocols import PROTOCOLS, check_no_leakage, drop_overlap, split_validation, training_examples
from .runs import TrainingRun, cached_run, config_hash
from .sampling import BatchComposer, Strategy, make_strategy, validation_batches


class StrategyBatchSampler(DefaultBatchSampler):
    """Batches of a :class:`BatchComposer`; the trainer calls it with its usual arguments.

    ``examples`` holds the metadata (group, languages, passage key, source) aligned row by row with
    the text dataset the trainer sees (inside a subclass the dataset is ``self.sampler``).
    """

    def __init__(
        self,
        dataset,
        *args,
        examples: pd.DataFrame,
        strategy: Strategy,
        n_batches: int,
        sampler_seed: int | None = None,
        **kwargs,
    ):
        super().__init__(dataset, *args, **kwargs)  # the trainer's own arguments, untouched
        if len(examples) != len(dataset):
            raise ValueError(f"examples ({len(examples)}) and dataset ({len(dataset)}) are not aligned")
        seed = self.seed if sampler_seed is None else sampler_seed
        self.composer = BatchComposer(examples, strategy, self.batch_size, seed)
        self.n_batches = n_batches

    def __iter__(self):
        for batch in self.composer.batches(self.n_batches, epoch=self.epoch):
            yield batch.tolist()

    def __len__(self) -> int:
        return self.n_batches


class FixedBatchSampler(DefaultBatchSampler):
    """A fixed list of batches (the validation batches of :func:`validation_batches`)."""

    def __init__(self, dataset, *args, batches: list, **kwargs):
        super().__init__(dataset, *args, **kwargs)
        self.fixed = [b.tolist() for b in batches]

    def __iter__(self):
        yield from self.fixed

    def __len__(self) -> int:
        return len(self.fixed)


@dataclass
class SamplerFactory:
    """The ``batch_sampler=`` callable (picklable: the trainer saves its arguments): the strategy
    for the training set; for the validation set fixed Hybrid(0.5) batches (seed 12345), the same
    whatever strategy is trained."""

    train: pd.DataFrame
    val: pd.DataFrame
    strategy: Strategy
    steps: int
    batch_size: int

    def __call__(self, dataset, **kw) -> StrategyBatchSampler:
        if len(dataset) == len(self.train):
            return StrategyBatchSampler(
                dataset, examples=self.train, strategy=self.strategy, n_batches=self.steps, **kw
            )
        return FixedBatchSampler(dataset, batches=validation_batches(self.val, self.batch_size), **kw)


def to_dataset(ex: pd.DataFrame):
    from datasets import Dataset

    return Dataset.from_dict(
        {"anchor": ex.q_text.tolist(), "positive": ex.p_text.tolist(), "negative": ex.neg_text.tolist()}
    )


@dataclass(frozen=True)
class FineTuneConfig(TrainingRun):
    steps: int = 20
    batch_size: int = 16
    lr: float = 3e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    freeze_embeddings: bool = True
    cached_loss_mini_batch: int | None = None  # CachedMNRL for large batches in fixed memory
    max_seq_length: int = 256
    eval_every: int = 10
    patience: int = 3
    train_max_groups: int | None = None
    negatives: str = "random"
    val_max: int = 128
    eval_tasks: tuple[str, ...] = ()
    eval_max_queries: int | None = None
    eval_max_candidates: int | None = None
    threads: int = 2
    extra: dict = field(default_factory=dict)


def finetune_config(preset: Preset, protocol: str, alpha: float, seed: int, model: str | None = None) -> FineTuneConfig:
    from .experiments import max_groups_for, run_identity

    return FineTuneConfig(
        *run_identity(preset, protocol, alpha, seed, model),
        preset.ft_steps,
        preset.ft_batch,
        preset.ft_lr,
        freeze_embeddings=preset.ft_freeze_embeddings,
        cached_loss_mini_batch=16 if preset.ft_batch > 32 else None,
        train_max_groups=max_groups_for(preset, protocol),
        eval_tasks=preset.ft_eval_tasks or PROTOCOLS[protocol],
        eval_max_queries=preset.ft_max_queries,
        eval_max_candidates=preset.ft_max_candidates,
    )


def finetune(cfg: FineTuneConfig, out_dir: Path, tasks: dict) -> tuple[object, dict]:
    """Train and save a model; returns (model, training log)."""
    import torch
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import (
        CachedMultipleNegativesRankingLoss,
        MultipleNegativesRankingLoss,
    )
    from transformers import EarlyStoppingCallback

    from .models import PROMPTS, load_model

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives)
    ex, dropped = drop_overlap(ex, tasks)
    check_no_leakage(ex, tasks)
    train, val = split_validation(ex, min_groups=2 * cfg.batch_size)
    val = val.sample(n=min(cfg.val_max, len(val)), random_state=0).reset_index(drop=True)
    model = load_model(cfg.model)
    model.max_seq_length = cfg.max_seq_length
    if cfg.freeze_embeddings:
        for name, p in model.named_parameters():
            if "word_embeddings" in name:
                p.requires_grad_(False)
    if cfg.cached_loss_mini_batch:
        loss = CachedMultipleNegativesRankingLoss(model, mini_batch_size=cfg.cached_loss_mini_batch)
    else:
        loss = MultipleNegativesRankingLoss(model)
    strategy = make_strategy(cfg.strategy, cfg.alpha)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        max_steps=cfg.steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        learning_rate=cfg.lr,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_ratio,
        seed=cfg.seed,
        data_seed=cfg.seed,
        eval_strategy="steps",  # v5: float < 1 = ratio
        eval_steps=cfg.eval_every,
        save_strategy="steps",
        save_steps=cfg.eval_every,
        save_total_limit=1,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_steps=1,
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        dataloader_drop_last=True,
        prompts={"anchor": PROMPTS["query"], "positive": PROMPTS["passage"], "negative": PROMPTS["passage"]},
        batch_sampler=SamplerFactory(train, val, strategy, cfg.steps, cfg.batch_size),
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=to_dataset(train),
        eval_dataset=to_dataset(val),
        loss=loss,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=cfg.patience)],
    )
    t0 = time.perf_counter()
    out = trainer.train()
    seconds = time.perf_counter() - t0
    model.save(str(out_dir / "model"))
    hist = trainer.state.log_history
    log = {
        "train_seconds": round(seconds, 1),
        "steps_run": int(out.global_step),
        "steps_per_second": round(out.global_step / seconds, 4),
        "n_train": len(train),
        "n_val": len(val),
        "dropped_overlap": dropped,
        "train_loss": [round(h["loss"], 4) for h in hist if "loss" in h],
        "eval_loss": [(h["step"], round(h["eval_loss"], 4)) for h in hist if "eval_loss" in h],
        "best_checkpoint": trainer.state.best_model_checkpoint is not None,
    }
    return model, log


def eval_subsample(cfg: FineTuneConfig, preset: Preset) -> dict:
    """The fixed evaluation subsample of a fine-tuning config (fine-tuned models are re-encoded)."""
    from .suite import load_suite

    full = load_suite(preset.with_(max_queries=None, max_candidates=None), cfg.eval_tasks)
    return {k: t.shrink(cfg.eval_max_queries, cfg.eval_max_candidates) for k, t in full.items()}


def run_finetune(cfg: FineTuneConfig, preset: Preset, force: bool = False) -> dict:
    """Fine-tune, evaluate through the engine (embeddings cached by model fingerprint), store."""

    def compute():
        from .encoding import Encoder
        from .evaluation import embed_task
        from .suite import evaluate_suite

        tasks = eval_subsample(cfg, preset)
        out_dir = cache_dir() / "finetuned" / config_hash(cfg)
        model, log = finetune(cfg, out_dir, tasks)
        enc = Encoder(model, f"ft-{config_hash(cfg)}")
        t0 = time.perf_counter()
        summary, arrays = evaluate_suite(lambda t: embed_task(enc, t), tasks)
        log["eval_seconds"] = round(time.perf_counter() - t0, 1)
        return (
            summary,
            arrays,
            {"model": cfg.model, "fingerprint": enc.fingerprint, "train": log, "checkpoint": str(out_dir / "model")},
        )

    return cached_run("finetune", cfg, compute, subdir=preset.results_subdir, force=force)


def zero_shot_on(cfg: FineTuneConfig, preset: Preset) -> dict:
    """The untrained encoder on exactly the evaluation subset of a fine-tuning config."""
    from .encoding import encoder_for
    from .evaluation import embed_task
    from .suite import evaluate_suite

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
        return summary, arrays, {"model": cfg.model, "fingerprint": enc.fingerprint}

    return cached_run("finetune-zeroshot", sub, compute, subdir=preset.results_subdir)


__all__ = ["StrategyBatchSampler", "FineTuneConfig", "finetune_config", "run_finetune", "zero_shot_on"]
