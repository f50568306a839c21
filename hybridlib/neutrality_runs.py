"""Training-free runs: a language-neutrality transform alone on top of the frozen encoder."""

from __future__ import annotations

from dataclasses import dataclass

from .encoding import encoder_for
from .evaluation import embed_task
from .neutrality import fit_transform
from .presets import Preset
from .protocols import PROTOCOLS, drop_overlap, training_examples
from .runs import cached_run
from .suite import evaluate_suite, load_suite


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


def run_transform_only(transform: str, preset: Preset, protocol: str = "mlqa-test", model: str | None = None) -> dict:
    """Evaluate ``transform`` (see :mod:`hybridlib.neutrality`) with no training at all."""
    cfg = TransformConfig(
        transform,
        model or preset.model,
        preset.name,
        protocol,
        preset.train_max_groups,
        PROTOCOLS[protocol],
        preset.max_queries,
        preset.max_candidates,
    )

    def compute():
        tasks = load_suite(preset, cfg.eval_tasks)
        ex, _ = drop_overlap(training_examples(protocol, cfg.train_max_groups), tasks)
        enc, layer = encoder_for(cfg.model)
        q = enc.encode(ex.q_text.tolist(), "query", layer)
        p = enc.encode(ex.p_text.tolist(), "passage", layer)
        pre = fit_transform(transform, ex, q, p, enc, layer, tasks)

        def scorer_for(task):
            ql, cl = task.queries.lang.to_numpy(), task.candidates.lang.to_numpy()
            return embed_task(enc, task, layer).map(lambda x, kind: pre(x, kind, ql if kind == "query" else cl))

        summary, arrays = evaluate_suite(scorer_for, tasks)
        return summary, arrays, {"model": cfg.model, "fingerprint": enc.fingerprint, "layer": layer}

    return cached_run("transform", cfg, compute, subdir=preset.results_subdir)
