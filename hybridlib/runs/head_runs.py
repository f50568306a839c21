"""Head runs: a light head trained on cached embeddings (fast, full grid), stored and evaluated.

``run_head(...)`` trains the cached-embedding head for one (protocol, strategy, α, seed, model)
and evaluates it on the protocol's tasks; the result is stored under ``results/head/`` keyed by
the config hash, so grids resume where they stopped and notebooks only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import evaluate_suite, load_suite, suite_fingerprint
from hybridlib.models.encoding import encoder_for
from hybridlib.presets import Preset
from hybridlib.runs.store import cached_run
from hybridlib.train.head import HeadConfig, train_head
from hybridlib.train.protocols import (
    ALL_PROTOCOLS,
    check_no_leakage,
    drop_overlap,
    examples_fingerprint,
    split_validation,
    training_examples,
)
from hybridlib.train.samplers import BatchComposer, validation_batches
from hybridlib.train.strategy import TrainingRun, make_strategy, max_groups_for, run_identity


@dataclass(frozen=True)
class HeadRunConfig(TrainingRun):
    head: HeadConfig = field(default_factory=HeadConfig)
    train_max_groups: int | None = None
    negatives: str = "random"
    eval_tasks: tuple[str, ...] = ()
    max_queries: int | None = None
    max_candidates: int | None = None
    transform: str = "none"  # embedding transform before the head (see hybridlib.train.neutrality)
    version: int = 2  # bumped when the training code changes what a config computes


def head_config(
    preset: Preset,
    protocol: str,
    alpha: float,
    seed: int,
    model: str | None = None,
    eval_tasks: tuple[str, ...] | None = None,
    transform: str = "none",
    kind: str = "linear",
    negatives: str = "random",
) -> HeadRunConfig:
    return HeadRunConfig(
        *run_identity(preset, protocol, alpha, seed, model),
        HeadConfig(kind=kind, steps=preset.head_steps, batch_size=preset.head_batch, lr=preset.head_lr),
        max_groups_for(preset, protocol),
        negatives,
        tuple(eval_tasks or ALL_PROTOCOLS[protocol]),
        preset.max_queries,
        preset.max_candidates,
        transform,
    )


def fit_head(cfg: HeadRunConfig, preset: Preset, tasks: dict | None = None):
    """Train the head of ``cfg`` (deterministic) without evaluating it.

    Returns ``(scorer_for, info)``: ``scorer_for(task)`` scores any evaluation task through the
    trained head, and ``info`` holds the training log and data counts.
    """
    from hybridlib.train.neutrality import fit_transform

    tasks = tasks if tasks is not None else load_suite(preset, cfg.eval_tasks)
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives)
    ex, dropped = drop_overlap(ex, tasks)
    check_no_leakage(ex, tasks)
    train, val = split_validation(ex, min_groups=2 * cfg.head.batch_size)
    enc, layer = encoder_for(cfg.model)

    def emb(df):
        return (
            enc.encode(df.q_text.tolist(), "query", layer),
            enc.encode(df.p_text.tolist(), "passage", layer),
            enc.encode(df.neg_text.tolist(), "passage", layer),
        )

    (q, p, n), vq = emb(train), emb(val)
    pre = fit_transform(cfg.transform, train, q, p, enc, layer, tasks, preset.ntrex_max_pairs)
    q, p, n = pre(q, "query", train.q_lang), pre(p, "passage", train.p_lang), pre(n, "passage", train.p_lang)
    vq = (pre(vq[0], "query", val.q_lang), pre(vq[1], "passage", val.p_lang), pre(vq[2], "passage", val.p_lang))
    composer = BatchComposer(train, make_strategy(cfg.strategy, cfg.alpha), cfg.head.batch_size, cfg.seed)
    # validation batches: fixed Hybrid(0.5) composition (seed 12345), identical for every strategy
    val_batches = validation_batches(val, cfg.head.batch_size)
    head, log = train_head(composer, q, p, n, cfg.head, cfg.seed, val=(*vq, val_batches))

    def scorer_for(task):
        s = embed_task(enc, task, layer)
        qlang, clang = task.queries.lang.to_numpy(), task.candidates.lang.to_numpy()
        return s.map(lambda x, kind: head.transform(pre(x, kind, qlang if kind == "query" else clang)))

    info = {
        "model": cfg.model,
        "fingerprint": enc.fingerprint,
        "backend": enc.backend,
        "layer": layer,
        "n_train": len(train),
        "n_val": len(val),
        "dropped_overlap": dropped,
        "train": {k: log[k] for k in ("mono_batches", "steps_run", "best_val_loss") if k in log}
        | {"val_loss": log["val_loss"], "final_train_loss": log["train_loss"][-1]},
    }
    return scorer_for, info


def head_data(cfg: HeadRunConfig, preset: Preset) -> dict[str, str]:
    """Fingerprints of what a head run reads: its evaluation suite and its training examples."""
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives)
    data = {"eval": suite_fingerprint(load_suite(preset, cfg.eval_tasks)), "train": examples_fingerprint(ex)}
    if cfg.transform.endswith("-ntrex"):  # SHIFT / LIR read NTREX-128 too
        from hybridlib.data.ntrex import ntrex_fingerprint

        data["fit"] = ntrex_fingerprint(preset.ntrex_max_pairs)
    return data


def run_head(cfg: HeadRunConfig, preset: Preset, force: bool = False) -> dict:
    """Train and evaluate one head (or return the stored result)."""

    def compute():
        tasks = load_suite(preset, cfg.eval_tasks)
        scorer_for, info = fit_head(cfg, preset, tasks)
        summary, arrays = evaluate_suite(scorer_for, tasks)
        return summary, arrays, info

    return cached_run("head", cfg, compute, head_data(cfg, preset), subdir=preset.results_subdir, force=force)
