"""Head runs: a light head trained on cached embeddings (fast, full grid), stored and evaluated.

``run_head(...)`` trains the cached-embedding head for one (protocol, strategy, α, seed, model)
and evaluates it on the protocol's tasks; the result is stored under ``results/head/`` keyed by
the config hash, so grids resume where they stopped and notebooks only read.
"""

from __future__ import annotations

from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import evaluate_suite, load_suite
from hybridlib.models.encoding import encoder_for
from hybridlib.presets import Preset
from hybridlib.runs.configs import HeadRunConfig, head_config, head_data  # noqa: F401  (re-exported)
from hybridlib.runs.store import cached_run
from hybridlib.train.head import train_head
from hybridlib.train.protocols import (
    check_no_leakage,
    drop_overlap,
    split_validation,
    training_examples,
)
from hybridlib.train.samplers import BatchComposer, validation_batches
from hybridlib.train.strategy import make_strategy


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


def run_head(cfg: HeadRunConfig, preset: Preset, force: bool = False) -> dict:
    """Train and evaluate one head (or return the stored result)."""

    def compute():
        tasks = load_suite(preset, cfg.eval_tasks)
        scorer_for, info = fit_head(cfg, preset, tasks)
        summary, arrays = evaluate_suite(scorer_for, tasks)
        return summary, arrays, info

    return cached_run("head", cfg, compute, head_data(cfg, preset), subdir=preset.results_subdir, force=force)
