"""Full fine-tuning with sentence-transformers v6: ``SentenceTransformerTrainer`` +
``MultipleNegativesRankingLoss`` (InfoNCE, in-batch negatives + one hard negative), with the batch
composition plugged in as a ``DefaultBatchSampler`` subclass.

Presets: ``paper`` (lr 3e-5, AdamW weight decay 0.01, batch 100 through
``CachedMultipleNegativesRankingLoss``, early stopping on validation loss, any backbone) and ``cpu``
(mE5-small, small batch and step budget, word embeddings frozen). Multi-GPU runs go through the
trainer's own distributed support (``torchrun``): whole batches are dealt to ranks, so every rank's
batches obey the strategy (``tests/train/test_distributed.py`` checks it on CPU with gloo); only rank 0
saves the model (:mod:`hybridlib.train.distributed`). A GPU is used when there is one.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from hybridlib.train.configs import FineTuneConfig
from hybridlib.train.distributed import is_main, world_size
from hybridlib.train.protocols import check_no_leakage, drop_overlap, split_validation, training_examples
from hybridlib.train.samplers import SamplerFactory
from hybridlib.train.strategy import make_strategy

DDP_TIMEOUT = 12 * 3600  # seconds; full-corpus MIRACL evaluation on rank 0 can take hours


def to_dataset(ex: pd.DataFrame):
    from datasets import Dataset

    return Dataset.from_dict(
        {"anchor": ex.q_text.tolist(), "positive": ex.p_text.tolist(), "negative": ex.neg_text.tolist()}
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

    from hybridlib.models.registry import load_model

    cuda = torch.cuda.is_available()
    if not cuda:
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
        use_cpu=not cuda,
        ddp_backend=None if cuda or world_size() == 1 else "gloo",
        ddp_timeout=DDP_TIMEOUT,  # the other ranks wait at a barrier while rank 0 evaluates
        disable_tqdm=True,
        dataloader_drop_last=True,
        prompts={
            "anchor": model.prompts["query"],
            "positive": model.prompts["passage"],
            "negative": model.prompts["passage"],
        },
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
    if is_main():
        model.save(str(out_dir / "model"))
    hist = trainer.state.log_history
    log = {
        "train_seconds": round(seconds, 1),
        "steps_run": int(out.global_step),
        "steps_per_second": round(out.global_step / seconds, 4),
        "world_size": world_size(),  # each optimizer step averages one composed batch per rank
        "n_train": len(train),
        "n_val": len(val),
        "dropped_overlap": dropped,
        "train_loss": [round(h["loss"], 4) for h in hist if "loss" in h],
        "eval_loss": [(h["step"], round(h["eval_loss"], 4)) for h in hist if "eval_loss" in h],
        "best_checkpoint": trainer.state.best_model_checkpoint is not None,
    }
    return model, log


__all__ = ["FineTuneConfig", "finetune", "to_dataset"]
