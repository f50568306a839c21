"""What a training run is, as data: the frozen config of each kind of run (head, partial
fine-tuning, full fine-tuning), everything that changes its result.

Torch-free on purpose: the grids (:mod:`hybridlib.runs.grids`) build and key configs, and the
notebooks read stored runs by them, without importing the training code. The trainers live beside
this module (:mod:`~hybridlib.train.head`, :mod:`~hybridlib.train.partial`,
:mod:`~hybridlib.train.finetune`) and import their config from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from hybridlib.train.strategy import TrainingRun, check_int


@dataclass(frozen=True)
class HeadConfig:
    kind: str = "linear"
    steps: int = 300
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    scale: float = 20.0
    eval_every: int = 25  # validation loss; the best step's weights are kept (early stopping)
    patience: int = 4


@dataclass(frozen=True)
class PartialFineTuneConfig(TrainingRun):
    """One partial fine-tuning run: everything that changes its result."""

    top_layers: int = 2
    steps: int = 300
    batch_size: int = 32
    lr: float = 3e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    scale: float = 20.0  # InfoNCE temperature 1/20 (MNRL's default; the paper states none)
    train_max_len: int = 256  # tokens of training queries/passages (prompt included)
    eval_max_len: int = 512  # tokens of evaluation texts (the model's max_seq_length)
    state_dtype: str = "float16"
    eval_every: int = 50
    patience: int = 3
    train_max_groups: int | None = None
    negatives: str = "random"
    val_max: int = 128
    eval_tasks: tuple[str, ...] = ()
    threads: int = 2
    version: int = 1  # bumped when the training code changes what a config computes
    length_buckets: int = (
        1  # forward passes per training batch (models.states.embed_buckets); 1: each role padded alone
    )

    # fields added after records were stored: they enter a record's key only when set away from
    # their default, so every record stored before them keeps its key (runs.store.config_dict)
    KEY_OMITS_DEFAULT: ClassVar[tuple[str, ...]] = ("length_buckets",)

    def __post_init__(self):
        super().__post_init__()
        for name in ("top_layers", "steps", "batch_size", "train_max_len", "eval_max_len", "length_buckets"):
            check_int(getattr(self, name), f"PartialFineTuneConfig.{name}")
        if self.top_layers < 1:
            raise ValueError(f"PartialFineTuneConfig.top_layers must be >= 1, got {self.top_layers}")
        if self.length_buckets < 1:
            raise ValueError(f"PartialFineTuneConfig.length_buckets must be >= 1, got {self.length_buckets}")
        if self.steps < 0 or self.batch_size < 2:
            raise ValueError(f"steps must be >= 0 and batch_size >= 2, got {self.steps}, {self.batch_size}")


@dataclass(frozen=True)
class FineTuneConfig(TrainingRun):
    steps: int = 20
    batch_size: int = 16
    lr: float = 3e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    freeze_embeddings: bool = True
    cached_loss_mini_batch: int | None = None  # CachedMNRL for large batches in fixed memory
    max_seq_length: int = 256
    eval_every: int = 10
    patience: int = 3
    train_max_groups: int | None = None
    negatives: str = "random"
    val_max: int = 128
    eval_tasks: tuple[str, ...] = ()
    eval_max_queries: int | None = None
    eval_max_candidates: int | None = None
    threads: int = 2
    extra: dict = field(default_factory=dict)
