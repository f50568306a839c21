"""Where the answers land (notebook 04): each relevant answer's rank in the pooled ranking, stored.

One record per (model, strategy run) on one LAReQA set: the untrained encoder, or the head of a
stored head-track config (retrained deterministically from its config, once, then read back).
"""

from __future__ import annotations

from dataclasses import dataclass

from hybridlib.data.ntrex import ntrex_data
from hybridlib.evaluation.bias import answer_ranks
from hybridlib.evaluation.scoring import embed_task
from hybridlib.evaluation.suite import load_suite, suite_fingerprint
from hybridlib.models.encoding import encoder_for
from hybridlib.presets import Preset
from hybridlib.runs.head_runs import HeadRunConfig, fit_head, head_data
from hybridlib.runs.store import cached_run, config_dict


@dataclass(frozen=True)
class AnswerRankConfig:
    dataset: str
    model: str
    preset: str
    head: dict | None = None  # the head-track config whose head scores the pool (None: untrained)


def run_answer_ranks(preset: Preset, dataset: str, head: HeadRunConfig | None = None) -> dict:
    """Ranks of every (query, parallel answer) in the pooled setting, stored under ``answer-ranks``."""
    cfg = AnswerRankConfig(
        dataset, head.model if head else preset.model, preset.name, config_dict(head) if head else None
    )
    task = load_suite(preset, (dataset,))[dataset]
    data = {"eval": suite_fingerprint({dataset: task})}
    if head is not None:  # its training examples and, for a SHIFT / LIR head, NTREX-128
        data |= {"head": head_data(head, preset)["train"]} | ntrex_data(head.transform, preset.ntrex_max_pairs)

    def compute():
        if head is None:
            enc, layer = encoder_for(cfg.model)
            scorer = embed_task(enc, task, layer)
        else:
            scorer_for, _ = fit_head(head, preset)
            scorer = scorer_for(task)
        pos = answer_ranks(scorer, task)
        arrays = {f"{dataset}/answers/{c}": pos[c].to_numpy() for c in ("query_id", "answer_lang", "rank")}
        return {"n_answers": int(len(pos))}, arrays, {"model": cfg.model}

    return cached_run("answer-ranks", cfg, compute, data, subdir=preset.results_subdir)


__all__ = ["AnswerRankConfig", "run_answer_ranks"]
