"""Baselines the paper does not report: BM25 and the untrained (zero-shot) encoder at any depth."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hybridlib.evaluation.bm25 import BM25Scorer
from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import load_suite, suite_fingerprint
from hybridlib.models.encoding import encoder_for
from hybridlib.models.use_m import NAME, supported_langs
from hybridlib.presets import Preset
from hybridlib.runs.store import cached_run, load_record


@dataclass(frozen=True)
class BaselineConfig:
    """One zero-shot evaluation: ``method`` is ``"bm25"`` or ``"dense"`` (``model`` names the encoder)."""

    method: str
    model: str | None
    preset: str
    tasks: tuple[str, ...]
    max_queries: int | None
    max_candidates: int | None


@dataclass(frozen=True)
class SubsetBaselineConfig(BaselineConfig):
    """A baseline on a language subset of XQuAD-R / MLQA-R (e.g. the languages USE-m supports)."""

    lareqa_langs: tuple[tuple[str, tuple[str, ...]], ...] = ()


def run_baseline(
    method: str,
    preset: Preset,
    model: str | None = None,
    tasks: tuple[str, ...] | None = None,
    force: bool = False,
    lareqa_langs: dict[str, list[str]] | None = None,
    compute: bool = True,
) -> dict | None:
    """Evaluate BM25 or a frozen encoder on the preset's suite (cached under ``results/baselines``).

    ``lareqa_langs`` restricts XQuAD-R / MLQA-R to those languages (averages then run over them);
    with ``compute=False`` only a stored record is returned (or ``None``).
    """
    if method not in ("bm25", "dense"):
        raise ValueError(f"unknown baseline method {method!r}; known: 'bm25', 'dense'")
    if lareqa_langs:
        preset = preset.with_(lareqa_langs={k: tuple(v) for k, v in lareqa_langs.items()})
    suite = load_suite(preset, tasks)
    fields = (
        method,
        model if method == "dense" else None,
        preset.name,
        tuple(suite),
        preset.max_queries,
        preset.max_candidates,
    )
    if lareqa_langs:
        cfg = SubsetBaselineConfig(*fields, tuple(sorted(preset.lareqa_langs.items())))
    else:
        cfg = BaselineConfig(*fields)

    def compute_fn():
        from hybridlib.evaluation.suite import evaluate_suite

        if method == "bm25":
            scorer = BM25Scorer()
            summary, arrays = evaluate_suite(lambda t: scorer, suite)
            return summary, arrays, {"model": "bm25s (Lucene, k1=1.5, b=0.75, XLM-R pieces)"}
        enc, layer = encoder_for(model)
        summary, arrays = evaluate_suite(lambda t: embed_task(enc, t, layer), suite)
        return summary, arrays, {"model": model, "fingerprint": enc.fingerprint, "backend": enc.backend, "layer": layer}

    data = {"eval": suite_fingerprint(suite)}
    if not compute:
        return load_record("baselines", cfg, data, preset.results_subdir)
    return cached_run("baselines", cfg, compute_fn, data, subdir=preset.results_subdir, force=force)


def use_m_baselines(preset, reference: str | None = None) -> dict:
    """USE-m and ``reference`` (default: the preset's backbone), both frozen, on the USE-m languages
    of XQuAD-R and MLQA-R. Returns ``{"use-m": record, reference: record, "unsupported": {ds: langs}}``."""
    from hybridlib.data.lareqa import LANGS

    keep, unsupported = {}, {}
    for ds in ("xquad-r", "mlqa-r"):
        keep[ds], unsupported[ds] = supported_langs(preset.lareqa_langs.get(ds) or LANGS[ds])
    reference = reference or preset.model
    out = {m: run_baseline("dense", preset, m, tasks=tuple(keep), lareqa_langs=keep) for m in (NAME, reference)}
    return out | {"unsupported": unsupported}


@dataclass(frozen=True)
class TrecCheckConfig:
    """The ir_measures cross-check: one encoder's faiss top-``k`` runs on pooled MIRACL."""

    model: str
    preset: str
    k: int = 100


def run_trec_check(preset: Preset, model: str | None = None, compute: bool = True) -> dict | None:
    """Our rank-based nDCG@10 / R@100 against ``ir_measures`` (pytrec_eval) on faiss top-100 runs
    of the same embeddings, query-weighted over the pooled MIRACL languages. Stored under
    ``trec-check``; with ``compute=False`` only a stored record is returned (or ``None``)."""
    import ir_measures
    from ir_measures import R, nDCG

    from hybridlib.evaluation.scoring import evaluate_pooled, run_frame

    cfg = TrecCheckConfig(model or preset.model, preset.name)
    task = load_suite(preset, ("miracl-pooled",))["miracl-pooled"]
    data = {"eval": suite_fingerprint({"miracl-pooled": task})}
    if not compute:
        return load_record("trec-check", cfg, data, preset.results_subdir)

    def compute_fn():
        enc, layer = encoder_for(cfg.model)
        scorer = embed_task(enc, task, layer)
        run = pd.concat([run_frame(task.subset([x], [x]), scorer, k=cfg.k) for x in task.query_langs])
        trec = ir_measures.calc_aggregate([nDCG @ 10, R @ 100], task.ir_measures_qrels(), run)
        per = evaluate_pooled(scorer, task)
        n = sum(len(s.query_ids) for s in per.values())
        ours = {m: float(sum(s.values[m].sum() for s in per.values()) / n) for m in ("nDCG@10", "R@100")}
        theirs = {str(k): float(v) for k, v in trec.items()}
        diff = max(abs(ours[m] - theirs[m]) for m in ours)
        summary = {"ir_measures": theirs, "ours": ours, "max_abs_diff": diff, "n_queries": n}
        return summary, {}, {"model": cfg.model, "fingerprint": enc.fingerprint, "backend": enc.backend}

    return cached_run("trec-check", cfg, compute_fn, data, subdir=preset.results_subdir)
