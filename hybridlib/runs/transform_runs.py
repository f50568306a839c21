"""Training-free runs: a language-neutrality transform alone on top of the frozen encoder."""

from __future__ import annotations

from dataclasses import dataclass

from hybridlib.data.ntrex import ntrex_data
from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import evaluate_suite, load_suite, suite_fingerprint
from hybridlib.models.encoding import encoder_for
from hybridlib.presets import Preset
from hybridlib.runs.store import cached_run
from hybridlib.train.neutrality import fit_transform
from hybridlib.train.protocols import PROTOCOLS, drop_overlap, examples_fingerprint, training_examples


@dataclass(frozen=True)
class TransformConfig:
    transform: str
    model: str
    preset: str
    fit_protocol: str  # whose training side provides the unlabelled text (train-side variants)
    train_max_groups: int | None
    eval_tasks: tuple[str, ...]
    max_queries: int | None
    max_candidates: int | None


def transform_scorer(cfg: TransformConfig, tasks: dict, examples, ntrex_max_pairs: int | None = None):
    """``(scorer_for, info)``: the frozen encoder with ``cfg.transform`` fitted (training-side text,
    the evaluation pools for ``center-eval``, NTREX-128 for SHIFT / LIR), no training."""
    ex, _ = drop_overlap(examples, tasks)
    enc, layer = encoder_for(cfg.model)
    q = p = None
    if cfg.transform.endswith("-train"):  # fitted on the training side's text (the others never read it)
        q = enc.encode(ex.q_text.tolist(), "query", layer)
        p = enc.encode(ex.p_text.tolist(), "passage", layer)
    pre = fit_transform(cfg.transform, ex, q, p, enc, layer, tasks, ntrex_max_pairs)

    def scorer_for(task):
        ql, cl = task.queries.lang.to_numpy(), task.candidates.lang.to_numpy()
        return embed_task(enc, task, layer).map(lambda x, kind: pre(x, kind, ql if kind == "query" else cl))

    info = {"model": cfg.model, "fingerprint": enc.fingerprint, "backend": enc.backend, "layer": layer}
    return scorer_for, info | ({"fit": pre.info} if hasattr(pre, "info") else {})


PUBLISHED_TASKS = ("xquad-r", "mlqa-r")  # SHIFT / LIR as published: where Mul mAP and LPR are measured


def transform_config(
    transform: str,
    preset: Preset,
    protocol: str = "mlqa-test",
    model: str | None = None,
    eval_tasks: tuple[str, ...] | None = None,
):
    """The config of a training-free run of ``transform`` on the preset's suite of ``protocol``
    (or on ``eval_tasks``: the published SHIFT / LIR run on :data:`PUBLISHED_TASKS` only, which
    spares encoding the MIRACL / TyDi / AfriQA corpora, ~1 h here, for metrics the comparison
    does not need)."""
    return TransformConfig(
        transform,
        model or preset.model,
        preset.name,
        protocol,
        preset.train_max_groups,
        tuple(eval_tasks) if eval_tasks else PROTOCOLS[protocol],
        preset.max_queries,
        preset.max_candidates,
    )


def transform_data(cfg: TransformConfig, tasks: dict, examples, ntrex_max_pairs: int | None = None) -> dict[str, str]:
    """Fingerprints of what a transform run reads (NTREX-128 too for SHIFT / LIR)."""
    return {"eval": suite_fingerprint(tasks), "train": examples_fingerprint(examples)} | ntrex_data(
        cfg.transform, ntrex_max_pairs
    )


def stored_transform(
    transform: str, preset: Preset, protocol: str = "mlqa-test", model: str | None = None, eval_tasks=None
):
    """The stored record of :func:`run_transform_only`'s run, or ``None`` (nothing is computed)."""
    from hybridlib.runs.store import load_record

    cfg = transform_config(transform, preset, protocol, model, eval_tasks)
    tasks = load_suite(preset, cfg.eval_tasks)
    examples = training_examples(protocol, cfg.train_max_groups)
    return load_record(
        "transform", cfg, transform_data(cfg, tasks, examples, preset.ntrex_max_pairs), preset.results_subdir
    )


def run_transform_only(
    transform: str, preset: Preset, protocol: str = "mlqa-test", model: str | None = None, eval_tasks=None
) -> dict:
    """Evaluate ``transform`` (see :mod:`hybridlib.train.neutrality`) with no training at all."""
    cfg = transform_config(transform, preset, protocol, model, eval_tasks)
    tasks = load_suite(preset, cfg.eval_tasks)
    examples = training_examples(protocol, cfg.train_max_groups)
    data = transform_data(cfg, tasks, examples, preset.ntrex_max_pairs)

    def compute():
        scorer_for, info = transform_scorer(cfg, tasks, examples, preset.ntrex_max_pairs)
        summary, arrays = evaluate_suite(scorer_for, tasks)
        return summary, arrays, info

    return cached_run("transform", cfg, compute, data, subdir=preset.results_subdir)
