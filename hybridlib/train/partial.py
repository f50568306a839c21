"""Partial fine-tuning: train only the top ``k`` transformer blocks from stored lower-layer states.

The lower ``L - k`` blocks and the embeddings are frozen (and in eval mode: no dropout, a stated
deviation from full fine-tuning), so their token states are a pure function of the text; they are
computed once (:mod:`hybridlib.models.states`) and every training step and every evaluation runs only the
top ``k`` blocks. ``k = L`` trains every block from the (frozen) embedding output: full fine-tuning
with frozen embeddings through the same code.

The loop is the paper's recipe at CPU scale: batches from :class:`~hybridlib.train.finetune.StrategyBatchSampler`
(the same sampler class the sentence-transformers trainer uses, so X-X-mono / X-Y / Hybrid(α)
compose batches identically), InfoNCE over in-batch positives and one hard negative per query
(``MultipleNegativesRankingLoss``'s loss, scale 20), AdamW (lr 3e-5, weight decay 0.01 except
biases and LayerNorm, as the HF trainer), linear warm-up then decay, gradient clipping at 1.0,
and the best checkpoint by validation loss on fixed Hybrid(0.5) validation batches (early stopping).

A seed varies the batch order and composition, the hard-negative draw and dropout; the
training pairs (MLQA-test: 2,000 questions drawn once with seed 0) and the validation split
(seed 0) are the same for every seed.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np
import torch

from hybridlib.evaluation.scoring import DenseScorer
from hybridlib.evaluation.suite import evaluate_suite
from hybridlib.fileio import write_by_name
from hybridlib.models.states import LayerStates, embed_buckets, embed_states, pad_states, top_layers
from hybridlib.train.configs import PartialFineTuneConfig
from hybridlib.train.finetune import to_dataset
from hybridlib.train.losses import info_nce
from hybridlib.train.protocols import check_no_leakage, drop_overlap, split_validation, training_examples
from hybridlib.train.samplers import StrategyBatchSampler, validation_batches
from hybridlib.train.strategy import make_strategy

logger = logging.getLogger(__name__)


def _param_groups(top, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, p in top.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def train_partial(
    cfg: PartialFineTuneConfig,
    model,
    model_fp: str,
    tasks: dict,
    show_progress: bool = True,
    checkpoint: Path | None = None,
    checkpoint_seconds: float = 300.0,
):
    """Train the top ``cfg.top_layers`` blocks; returns ``(top, log)`` (best checkpoint restored).

    With ``checkpoint``, the training state (weights, optimiser, schedule, RNG, losses, best
    weights) is written there atomically at every validation and after any step that ends
    ``checkpoint_seconds`` of training after the last write (a 12-block step takes ~40 s here, so a
    killed run loses minutes, not the ~30 min to a validation), and a run interrupted after one
    resumes from it with the same result as an uninterrupted run; the caller deletes it once the
    run's record is stored. Writing a checkpoint changes nothing in the result.
    """
    from transformers import get_linear_schedule_with_warmup

    torch.set_num_threads(cfg.threads)
    depth = model[0].auto_model.config.num_hidden_layers
    if cfg.top_layers > depth:
        raise ValueError(f"top_layers={cfg.top_layers} but {cfg.model} has {depth} layers (k must lie in 1..{depth})")
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives, seed=cfg.seed)
    ex, dropped = drop_overlap(ex, tasks)
    check_no_leakage(ex, tasks)
    train, val = split_validation(ex, min_groups=2 * cfg.batch_size)
    val = val.sample(n=min(cfg.val_max, len(val)), random_state=0).reset_index(drop=True)

    t0 = time.perf_counter()
    states = LayerStates(
        model, model_fp, depth - cfg.top_layers, cfg.train_max_len, show_progress=show_progress, dtype=cfg.state_dtype
    )

    def keys(df):
        return (
            states.keys(df.q_text.tolist(), "query"),
            states.keys(df.p_text.tolist(), "passage"),
            states.keys(df.neg_text.tolist(), "passage"),
        )

    tk, vk = keys(train), keys(val)
    state_seconds = time.perf_counter() - t0

    torch.manual_seed(cfg.seed)
    top = top_layers(model, cfg.top_layers)
    top.train()
    opt = torch.optim.AdamW(_param_groups(top, cfg.weight_decay), lr=cfg.lr)
    sched = get_linear_schedule_with_warmup(opt, int(round(cfg.warmup_ratio * cfg.steps)), max(cfg.steps, 1))
    sampler = StrategyBatchSampler(
        to_dataset(train),
        batch_size=cfg.batch_size,
        drop_last=True,
        examples=train,
        strategy=make_strategy(cfg.strategy, cfg.alpha),
        n_batches=cfg.steps,
        sampler_seed=cfg.seed,
    )
    val_batches = validation_batches(val, cfg.batch_size)

    def embed(kq, kp, kn, idx):
        if cfg.length_buckets == 1:  # the path every record before length buckets was trained with
            q = top(*pad_states(states.get([kq[i] for i in idx])))
            p = top(*pad_states(states.get([kp[i] for i in idx])))
            n = top(*pad_states(states.get([kn[i] for i in idx])))
            return q, p, n
        texts = states.get([kq[i] for i in idx] + [kp[i] for i in idx] + [kn[i] for i in idx])
        return embed_buckets(top, texts, cfg.length_buckets).split(len(idx))

    def batch_loss(kq, kp, kn, idx):
        return info_nce(*embed(kq, kp, kn, idx), cfg.scale)

    def validate() -> tuple[float, float]:
        """Mean InfoNCE loss over the validation batches, and their in-batch top-1 accuracy: the
        share of validation queries whose own passage scores above the batch's other positives and
        every hard negative (a cheap held-out retrieval metric for the learning curve)."""
        top.eval()
        losses, hits = [], []
        with torch.no_grad():
            for b in val_batches:
                q, p, n = embed(*vk, b)
                losses.append(info_nce(q, p, n, cfg.scale).item())
                scores = q @ torch.cat([p, n]).T
                hits.append((scores.argmax(1) == torch.arange(len(b))).float().mean().item())
        top.train()
        return float(np.mean(losses)), float(np.mean(hits))

    progress = _resume(checkpoint, cfg)
    if progress:
        top.load_state_dict(progress.pop("top"))
        opt.load_state_dict(progress.pop("opt"))
        sched.load_state_dict(progress.pop("sched"))
        torch.set_rng_state(progress.pop("rng"))  # dropout continues as if never interrupted
    else:  # the step-0 validation loss is logged; the best checkpoint is chosen among trained steps (as the trainer's)
        loss0, acc0 = validate()
        progress = {"step": 0, "train_loss": [], "eval_loss": [(0, round(loss0, 4))], "best": None}
        progress["eval_acc"] = [(0, round(acc0, 4))]
        progress |= {"best_step": 0, "best_loss": float("inf"), "bad": 0, "seconds": 0.0, "done": False}
    resumed_at = progress["step"]

    def save(done: bool) -> None:
        progress["done"] = done
        progress["seconds"] += time.perf_counter() - t1
        if checkpoint is not None:
            state = {"top": top.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}
            _save(checkpoint, cfg, progress | state | {"rng": torch.get_rng_state()})

    t1 = last_save = time.perf_counter()
    for step, idx in enumerate(sampler if not progress["done"] else (), start=1):
        if step <= resumed_at:
            continue  # the sampler is deterministic: the batches already trained are skipped, not redrawn
        loss = batch_loss(*tk, idx)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        progress["step"] = step
        progress["train_loss"].append(round(loss.item(), 4))
        if step % cfg.eval_every == 0 or step == cfg.steps:
            v, acc = validate()
            progress["eval_loss"].append((step, round(v, 4)))
            progress.setdefault("eval_acc", []).append((step, round(acc, 4)))
            if v < progress["best_loss"]:
                progress["best_loss"], progress["best_step"], progress["bad"] = v, step, 0
                progress["best"] = {k: t.detach().clone() for k, t in top.state_dict().items()}
            else:
                progress["bad"] += 1
            stop = progress["bad"] >= cfg.patience or step == cfg.steps
            save(done=stop)
            t1 = last_save = time.perf_counter()
            if stop:
                break
        elif checkpoint is not None and time.perf_counter() - last_save >= checkpoint_seconds:
            save(done=False)  # between validations: the same state a validation would save, minus its loss
            t1 = last_save = time.perf_counter()
    if not progress["done"]:  # steps == 0: nothing was trained
        save(done=True)
    if progress["best"] is not None:
        top.load_state_dict(progress["best"])
    step, train_seconds = progress["step"], progress["seconds"]
    log = {
        "steps_run": step,
        "best_step": progress["best_step"],
        "steps_per_second": round(step / train_seconds, 4) if step else None,
        "state_seconds": round(state_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "n_train": len(train),
        "n_val": len(val),
        "dropped_overlap": dropped,
        "resumed_at_step": resumed_at,
        "train_loss": progress["train_loss"],
        "eval_loss": progress["eval_loss"],
        "eval_acc": progress.get("eval_acc", []),  # in-batch top-1 accuracy on the validation batches
    }
    return top, log


def _save(path: Path, cfg: PartialFineTuneConfig, state: dict) -> None:
    write_by_name(path, lambda tmp: torch.save({"config": dataclasses.asdict(cfg), **state}, tmp))


def _resume(path: Path | None, cfg: PartialFineTuneConfig) -> dict:
    """The saved training state of this very config, or ``{}`` (none, or another config's: ignored)."""
    if path is None or not path.exists():
        return {}
    try:
        saved = torch.load(path, weights_only=False)  # our own file, written by _save
    except Exception as err:  # truncated or corrupt (e.g. a disk filled mid-write by another tool)
        logger.warning("%s: unreadable checkpoint (%s: %s), training starts afresh", path, type(err).__name__, err)
        return {}
    if saved.pop("config") != dataclasses.asdict(cfg):
        logger.warning("%s: a checkpoint of another config, ignored (training starts afresh)", path)
        return {}
    logger.info("%s: resuming at step %d", path, saved["step"])
    return saved


def states_scorer(top, model, model_fp: str, cfg: PartialFineTuneConfig, show_progress: bool = True):
    """``scorer_for(task)``: every query and candidate of a task through ``top`` over its stored states."""
    states = LayerStates(
        model, model_fp, top.start, cfg.eval_max_len, show_progress=show_progress, dtype=cfg.state_dtype
    )

    def scorer_for(task):
        q = embed_states(top, states.get(states.keys(task.queries["text"].tolist(), "query")))
        c = embed_states(top, states.get(states.keys(task.candidates["text"].tolist(), "passage")))
        return DenseScorer.for_task(task, q, c)

    return scorer_for


def evaluate_partial(top, model, model_fp: str, cfg: PartialFineTuneConfig, tasks: dict, show_progress: bool = True):
    """Score every task through ``top`` over the stored states of its texts."""
    return evaluate_suite(states_scorer(top, model, model_fp, cfg, show_progress), tasks)


__all__ = ["PartialFineTuneConfig", "train_partial", "evaluate_partial", "states_scorer"]
