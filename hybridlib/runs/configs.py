"""What each stored run is, without running anything: the run configs a preset gives (head,
partial fine-tuning, full fine-tuning), the evaluation sets they read, and the fingerprints of the
data that key their records (:func:`run_kind`, :func:`run_data`).

Torch-free on purpose: :mod:`hybridlib.runs.grids` lists and reads stored runs through this module
alone, so reading results can never start a run. The runners (:mod:`~hybridlib.runs.head_runs`,
:mod:`~hybridlib.runs.partial_runs`, :mod:`~hybridlib.runs.finetune_runs`) train and evaluate;
:mod:`hybridlib.runs.executor` dispatches a config to its runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hybridlib.data.ntrex import ntrex_data
from hybridlib.evaluation.suite import load_suite, suite_fingerprint
from hybridlib.paths import cache_dir
from hybridlib.presets import Preset
from hybridlib.train.configs import FineTuneConfig, HeadConfig, PartialFineTuneConfig
from hybridlib.train.distributed import world_size
from hybridlib.train.protocols import ALL_PROTOCOLS, examples_fingerprint, training_examples
from hybridlib.train.strategy import TrainingRun, max_groups_for, run_identity


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


def head_data(cfg: HeadRunConfig, preset: Preset) -> dict[str, str]:
    """Fingerprints of what a head run reads: its evaluation suite and its training examples."""
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives)
    data = {"eval": suite_fingerprint(load_suite(preset, cfg.eval_tasks)), "train": examples_fingerprint(ex)}
    return data | ntrex_data(cfg.transform, preset.ntrex_max_pairs)  # SHIFT / LIR read NTREX-128 too


def partial_config(
    preset: Preset,
    protocol: str,
    alpha: float,
    seed: int,
    top_layers: int | None = None,
    steps: int | None = None,
    model: str | None = None,
    train_max_len: int | None = None,
    eval_tasks: tuple[str, ...] | None = None,
    length_buckets: int = 1,
    strategy: str | None = None,
) -> PartialFineTuneConfig:
    """The partial fine-tuning config of a preset for one (protocol, α, seed); the keywords
    override the preset's partial-track defaults (the scaling grid uses them); ``strategy`` names a
    strategy off the α line (``"x-x-mixed"``, α 1)."""
    return PartialFineTuneConfig(
        *run_identity(preset, protocol, alpha, seed, model, strategy),
        top_layers=preset.pft_top_layers if top_layers is None else top_layers,
        steps=preset.pft_steps if steps is None else steps,
        batch_size=preset.pft_batch,
        lr=preset.ft_lr,
        train_max_len=preset.pft_train_max_len if train_max_len is None else train_max_len,
        train_max_groups=max_groups_for(preset, protocol),
        eval_tasks=tuple(eval_tasks or preset.pft_eval_tasks or ALL_PROTOCOLS[protocol]),
        length_buckets=length_buckets,
    )


def full_eval_tasks(preset: Preset, names: tuple[str, ...]) -> dict:
    """Every query and candidate of the evaluation sets (no subsample), unless the preset keeps its
    caps (``full_eval_uncapped`` false: the smoke preset)."""
    if not preset.full_eval_uncapped:
        return load_suite(preset, names)
    return load_suite(preset.with_(max_queries=None, max_candidates=None), names)


def partial_data(cfg: PartialFineTuneConfig, preset: Preset) -> dict[str, str]:
    """Fingerprints of the full evaluation sets and of this seed's training examples."""
    ex = training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives, seed=cfg.seed)
    return {"eval": suite_fingerprint(full_eval_tasks(preset, cfg.eval_tasks)), "train": examples_fingerprint(ex)}


def partial_cache_file(
    folder: str, cfg: PartialFineTuneConfig, preset: Preset, data: dict[str, str] | None = None
) -> Path:
    """``<cache>/<folder>/partial-ft-<record key>.pt``: the one shape of a partial-track run's cache files
    (cache only, never committed). ``data``: the run's :func:`partial_data` when the caller has it already
    (computed otherwise)."""
    from hybridlib.runs.store import record_key

    data = partial_data(cfg, preset) if data is None else data
    return cache_dir() / folder / f"partial-ft-{record_key(cfg, data)}.pt"


def partial_checkpoint_path(cfg: PartialFineTuneConfig, preset: Preset, data: dict[str, str] | None = None) -> Path:
    """Where a partial-track run keeps its mid-run training checkpoint: ``<cache>/checkpoints/
    partial-ft-<record key>.pt`` (gone once the record is stored)."""
    return partial_cache_file("checkpoints", cfg, preset, data)


def finetune_config(preset: Preset, protocol: str, alpha: float, seed: int, model: str | None = None) -> FineTuneConfig:
    return FineTuneConfig(
        *run_identity(preset, protocol, alpha, seed, model),
        preset.ft_steps,
        preset.ft_batch,
        preset.ft_lr,
        freeze_embeddings=preset.ft_freeze_embeddings,
        cached_loss_mini_batch=16 if preset.ft_batch > 32 else None,
        train_max_groups=max_groups_for(preset, protocol),
        eval_tasks=preset.ft_eval_tasks or ALL_PROTOCOLS[protocol],
        eval_max_queries=preset.ft_max_queries,
        eval_max_candidates=preset.ft_max_candidates,
        extra={"world_size": world_size()} if world_size() > 1 else {},
    )


def eval_subsample(cfg: FineTuneConfig, preset: Preset) -> dict:
    """The fixed evaluation subsample of a fine-tuning config (fine-tuned models are re-encoded)."""
    full = load_suite(preset.with_(max_queries=None, max_candidates=None), cfg.eval_tasks)
    return {k: t.shrink(cfg.eval_max_queries, cfg.eval_max_candidates) for k, t in full.items()}


def finetune_data(cfg: FineTuneConfig, preset: Preset, train: bool = True) -> dict[str, str]:
    """Fingerprints of the evaluation subsample and (``train``) the training examples of a config."""
    data = {"eval": suite_fingerprint(eval_subsample(cfg, preset))}
    if train:
        data["train"] = examples_fingerprint(training_examples(cfg.protocol, cfg.train_max_groups, cfg.negatives))
    return data


def run_kind(cfg) -> str:
    """The store kind (``results/<kind>/``) of a run config."""
    if isinstance(cfg, HeadRunConfig):
        return "head"
    if isinstance(cfg, PartialFineTuneConfig):
        return "partial-ft"
    if isinstance(cfg, FineTuneConfig):
        return "finetune"
    raise TypeError(f"{type(cfg).__name__} is not a run config (HeadRunConfig, PartialFineTuneConfig, FineTuneConfig)")


def run_data(cfg, preset: Preset) -> dict[str, str]:
    """The fingerprints of the data a run config reads: with the config, its record's key."""
    kind = run_kind(cfg)
    return (
        head_data(cfg, preset)
        if kind == "head"
        else partial_data(cfg, preset)
        if kind == "partial-ft"
        else finetune_data(cfg, preset)
    )


BITEXT_TASKS = ("flores", "tatoeba")


@dataclass(frozen=True)
class BitextConfig:  # issue 51: the record of hybridlib.runs.bitext_runs
    """FLORES / Tatoeba scoring of one partial-track run (``run``: its config as stored)."""

    run: dict
    preset: str
    tasks: tuple[str, ...] = BITEXT_TASKS


def bitext_config(run: PartialFineTuneConfig, preset: Preset) -> BitextConfig:
    from hybridlib.runs.store import config_dict

    return BitextConfig(config_dict(run), preset.name)


def bitext_tasks(preset: Preset) -> dict:
    """FLORES (en + the preset's MIRACL languages) and Tatoeba, every sentence (smoke: capped)."""
    if not preset.full_eval_uncapped:
        return load_suite(preset, BITEXT_TASKS)
    return load_suite(preset.with_(max_queries=None, max_candidates=None), BITEXT_TASKS)


def bitext_data(run: PartialFineTuneConfig, preset: Preset) -> dict[str, str]:
    """Fingerprints: the bitext tasks, and the run's own (evaluation suite, training examples)."""
    own = partial_data(run, preset)
    return {"bitext": suite_fingerprint(bitext_tasks(preset)), "run_eval": own["eval"], "train": own["train"]}
