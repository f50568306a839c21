"""The paper's recipe (``paper`` preset) for a researcher with a GPU and a network.

Backbones by hub name (the paper's XLM-R — size unstated, ``xlm-roberta-base`` by default — and
LaBSE), the paper's "Query: " / "Passage: " prefixes, mMARCO + MLQA training pairs drawn by source
size, AdamW lr 3e-5 wd 0.01, batch 100 (cached loss), every layer trained, early stopping on a
held-out validation loss, then evaluation on every query and candidate. :func:`preflight` checks
every hub resource first, so an offline run fails at once with one error naming each resource and
how to provide it locally.

    python scripts/run_experiments.py paper          # = run_paper(get_preset("paper"))
"""

from __future__ import annotations

import os

from hybridlib.data.mmarco import HUB_NAME, PAPER_LANGS, read_triples
from hybridlib.data.task import DataError
from hybridlib.models.registry import UnknownModelError, load_model
from hybridlib.presets import Preset
from hybridlib.runs.finetune_runs import run_finetune
from hybridlib.runs.grids import paper_grid

# expected GPU hours: the paper's Table 9 sums to ~41M pairs, 97% mMARCO; at batch 100 one epoch is
# ~410k steps; on one A100 a base-size encoder does ~4-6 steps/s at 256 tokens -> ~20-30 h per run,
# x 2 backbones x 3 strategies x seeds. Cap mMARCO's share (train_max_groups) to shorten it.
GPU_HOURS_PER_RUN = (20, 30)


class PaperResourceError(RuntimeError):
    """Hub resources the paper preset needs are unreachable; the message lists each and its local substitute."""


def preflight(preset: Preset) -> None:
    """Load each backbone and one mMARCO triple per language; raise one error naming what is missing."""
    problems = []
    for name in preset.backbones or (preset.model,):
        try:
            load_model(name)
        except UnknownModelError as err:
            problems.append(
                f"- backbone {name!r}: {err}. Locally: pass a sentence-transformers directory as the model name, "
                "or pre-fill the Hugging Face cache (HF_HOME) on a machine with a network."
            )
    if preset.protocol == "paper":
        for lang in PAPER_LANGS:
            try:
                read_triples(lang, 1)
            except DataError as err:
                problems.append(f"- mMARCO {lang}: {err}")
                break  # one line says how to provide all of them
    tasks = preset.ft_eval_tasks
    if "miracl-full" in tasks and preset.miracl_corpus == "hub":
        try:
            from datasets import load_dataset_builder

            load_dataset_builder("miracl/miracl-corpus", preset.miracl_full_langs[0])
        except Exception as err:  # offline, or the hub refused
            problems.append(
                f"- MIRACL corpus 'miracl/miracl-corpus' ({type(err).__name__}). Locally: set the preset's "
                "miracl_corpus to a directory of the official files (<dir>/<lang>/*.jsonl.gz)."
            )
    if problems:
        offline = " (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
        raise PaperResourceError(
            f"the paper preset needs hub resources that are not available{offline}:\n" + "\n".join(problems)
        )


def run_paper(preset: Preset, on_done=None) -> list[dict]:
    """Preflight, then every run of :func:`paper_grid` (stored; an interrupted grid resumes)."""
    preflight(preset)
    out = []
    for cfg in paper_grid(preset):
        rec = run_finetune(cfg, preset)
        out.append(rec)
        if on_done:
            on_done(rec)
    return out


__all__ = ["PaperResourceError", "preflight", "paper_grid", "run_paper", "HUB_NAME", "GPU_HOURS_PER_RUN"]
