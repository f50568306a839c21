"""Language-preference metrics (LPR, Lang-nDCG@10, top-1 decomposition, MRC) back-filled for every
system whose rankings can be recomputed without training: the frozen encoder, BM25, USE-m, the
training-free transforms, and the heads of the head track (retrained deterministically from their
config, seconds each). Fine-tuned runs get the metrics at evaluation time
(:func:`hybridlib.evaluation.suite.evaluate_suite`) and keep their weights for later metrics.

One record per system under ``results/<subdir>/language-preference``, holding both LAReQA sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from hybridlib.data.ntrex import ntrex_data
from hybridlib.evaluation.language_preference import language_preference, preference_summary
from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import load_suite, suite_fingerprint
from hybridlib.presets import Preset
from hybridlib.runs.configs import head_data
from hybridlib.runs.store import cached_run, config_dict

SYSTEMS = ("encoder", "bm25", "transform", "head")
DATASETS = ("xquad-r", "mlqa-r")


@dataclass(frozen=True)
class PreferenceConfig:
    system: str  # one of SYSTEMS
    model: str | None  # the encoder (None for BM25)
    preset: str
    datasets: tuple[str, ...] = DATASETS
    langs: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a language subset per set (USE-m), () = all
    transform: str | None = None
    head: dict | None = None  # the head-track config (its own transform included)


def preference_config(
    preset: Preset,
    system: str,
    model: str | None = None,
    transform: str | None = None,
    head=None,
    langs: dict[str, list[str]] | None = None,
) -> PreferenceConfig:
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; known: {SYSTEMS}")
    if (system == "transform") != (transform is not None) or (system == "head") != (head is not None):
        raise ValueError("a 'transform' system needs transform=..., a 'head' system needs head=..., no other does")
    model = None if system == "bm25" else (head.model if head is not None else model or preset.model)
    subset = tuple(sorted((k, tuple(v)) for k, v in (langs or {}).items()))
    return PreferenceConfig(
        system, model, preset.name, DATASETS, subset, transform, config_dict(head) if head else None
    )


def _tasks(cfg: PreferenceConfig, preset: Preset) -> dict:
    p = preset.with_(lareqa_langs=dict(cfg.langs)) if cfg.langs else preset
    return load_suite(p, cfg.datasets)


def _transform_inputs(cfg: PreferenceConfig, preset: Preset):
    """The transform run behind a ``transform`` system and the training examples it is fitted on."""
    from hybridlib.runs.transform_runs import transform_config
    from hybridlib.train.protocols import training_examples

    tcfg = transform_config(cfg.transform, preset, "mlqa-test", cfg.model)
    return tcfg, training_examples("mlqa-test", tcfg.train_max_groups)


def preference_data(cfg: PreferenceConfig, preset: Preset, tasks: dict, head=None) -> dict[str, str]:
    """Fingerprints of what a system's metrics read: the evaluated pools; for a transform, also the
    training-side text it is fitted on and NTREX-128 (SHIFT / LIR), as its own transform record;
    for a head, its training examples and (SHIFT / LIR heads) NTREX-128."""
    if cfg.system == "transform":
        from hybridlib.runs.transform_runs import transform_data

        tcfg, examples = _transform_inputs(cfg, preset)
        return transform_data(tcfg, tasks, examples, preset.ntrex_max_pairs)
    data = {"eval": suite_fingerprint(tasks)}
    if cfg.system == "head":
        data["head"] = head_data(head, preset)["train"]
        data |= ntrex_data(head.transform, preset.ntrex_max_pairs)
    return data


def run_language_preference(preset: Preset, cfg: PreferenceConfig, head=None, force: bool = False) -> dict:
    """Compute (or read) the per-query language-preference metrics of one system on XQuAD-R and MLQA-R.

    ``head``: the :class:`~hybridlib.runs.head_runs.HeadRunConfig` behind ``cfg.head``."""
    tasks = _tasks(cfg, preset)
    data = preference_data(cfg, preset, tasks, head)

    def compute():
        scorer_for, info = _scorer_for(cfg, preset, tasks, head)
        summary, arrays = {}, {}
        for name, task in tasks.items():
            pref = language_preference(scorer_for(task), task)
            summary[name] = preference_summary(pref) | {"n_queries": int(len(task.queries))}
            arrays |= {f"{name}/preference/{k}": v for k, v in pref.items()}
        return summary, arrays, info

    return cached_run("language-preference", cfg, compute, data, subdir=preset.results_subdir, force=force)


def _scorer_for(cfg: PreferenceConfig, preset: Preset, tasks: dict, head):
    if cfg.system == "bm25":
        from hybridlib.evaluation.bm25 import BM25Scorer

        scorer = BM25Scorer()
        return (lambda task: scorer), {"model": "bm25s (Lucene, k1=1.5, b=0.75, XLM-R pieces)"}
    if cfg.system == "head":
        from hybridlib.runs.head_runs import fit_head

        scorer_for, info = fit_head(head, preset)
        return scorer_for, {k: info[k] for k in ("model", "fingerprint", "layer")}
    if cfg.system == "transform":
        from hybridlib.runs.transform_runs import transform_scorer

        tcfg, examples = _transform_inputs(cfg, preset)
        return transform_scorer(tcfg, tasks, examples, preset.ntrex_max_pairs)
    from hybridlib.models.encoding import encoder_for

    enc, layer = encoder_for(cfg.model)
    info = {"model": cfg.model, "fingerprint": enc.fingerprint, "backend": enc.backend, "layer": layer}
    return (lambda task: embed_task(enc, task, layer)), info


__all__ = ["PreferenceConfig", "SYSTEMS", "preference_config", "preference_data", "run_language_preference"]
