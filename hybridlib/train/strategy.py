"""Batch-composition strategies and what identifies a training run (no torch, no data).

α is the probability that a batch is monolingual: α = 1 is X-X-mono, α = 0 is X-Y, anything
between is Hybrid(α) (the paper: α = 0.5). This module is the one place where α becomes a
strategy name and a reader-facing label; configs validate their fields here at construction.

One strategy is not on the α line: **X-X (mixed)** (``"x-x-mixed"``), the ordinary contrastive
multilingual recipe (LAReQA's "X-X", how mE5 and mContriever are trained): every pair is
monolingual, as under X-X-mono, but a batch mixes languages. Its α is 1 (every pair monolingual);
its name, never its α, tells it from X-X-mono, so readers that group runs by α alone must first
drop it (:func:`on_alpha_line`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

STRATEGY_NAMES = ("x-x-mono", "x-y", "hybrid", "x-x-mixed")
MAIN_ALPHAS = {"X-Y": 0.0, "Hybrid": 0.5, "X-X-mono": 1.0}
MIXED = "x-x-mixed"
MIXED_LABEL = "X-X (mixed)"


def check_alpha(alpha, field: str = "alpha") -> float:
    """α as a float in [0, 1]; strings, booleans and out-of-range values are errors naming ``field``."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"{field} must be a real number in [0, 1], got {alpha!r} ({type(alpha).__name__})")
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"{field} must lie in [0, 1], got {alpha!r}")
    return float(alpha)


def check_int(value, field: str) -> int:
    """An integer field (seeds, steps): strings, floats and booleans are errors naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{field} must be an int, got {value!r} ({type(value).__name__})")
    return int(value)


@dataclass(frozen=True)
class Strategy:
    """A batch-composition strategy: the probability ``alpha`` that a batch is monolingual."""

    name: str
    alpha: float

    def __post_init__(self):
        if self.name not in STRATEGY_NAMES:
            raise ValueError(f"strategy must be one of {STRATEGY_NAMES}, got {self.name!r}")
        object.__setattr__(self, "alpha", check_alpha(self.alpha))

    @property
    def label(self) -> str:
        return label(self)


def make_strategy(name: str, alpha: float | None = None) -> Strategy:
    """``"x-x-mono"``, ``"x-y"`` or ``"hybrid"`` (``alpha`` defaults to the paper's 0.5)."""
    key = str(name).lower().replace("_", "-")
    if key in ("x-x-mono", "xx-mono", "mono"):
        return Strategy("x-x-mono", 1.0)
    if key in ("x-y", "xy", "cross"):
        return Strategy("x-y", 0.0)
    if key == "hybrid":
        return Strategy("hybrid", 0.5 if alpha is None else alpha)
    if key in (MIXED, "xx-mixed", "mixed"):
        if alpha not in (None, 1.0):
            raise ValueError(f"X-X (mixed) has every pair monolingual (alpha 1), got alpha={alpha!r}")
        return Strategy(MIXED, 1.0)
    raise ValueError(f"unknown strategy {name!r}; known: 'x-x-mono', 'x-y', 'hybrid', 'x-x-mixed'")


def strategy_for_alpha(alpha: float) -> Strategy:
    """α = 1 is X-X-mono and α = 0 is X-Y (the same sampler), anything between is Hybrid(α)."""
    alpha = check_alpha(alpha)
    if alpha == 1.0:
        return Strategy("x-x-mono", 1.0)
    if alpha == 0.0:
        return Strategy("x-y", 0.0)
    return Strategy("hybrid", alpha)


def on_alpha_line(config) -> bool:
    """Whether a config (object or stored dict) is one of the α strategies (not X-X (mixed))."""
    name = config.get("strategy") if isinstance(config, dict) else getattr(config, "strategy", None)
    return name != MIXED


def label(cfg_or_alpha) -> str:
    """Reader-facing name (X-X-mono, X-Y, Hybrid, Hybrid(α=…) or X-X (mixed)) of α, a config or a
    stored config dict (only a config can name X-X (mixed): its α is X-X-mono's)."""
    if isinstance(cfg_or_alpha, dict):
        if cfg_or_alpha.get("strategy") == MIXED:
            return MIXED_LABEL
        alpha = cfg_or_alpha["alpha"]
    elif isinstance(cfg_or_alpha, numbers.Real):
        alpha = cfg_or_alpha
    else:
        if MIXED in (getattr(cfg_or_alpha, "strategy", None), getattr(cfg_or_alpha, "name", None)):
            return MIXED_LABEL  # a config, or a Strategy
        alpha = cfg_or_alpha.alpha
    if alpha == 1.0:
        return "X-X-mono"
    if alpha == 0.0:
        return "X-Y"
    return "Hybrid" if alpha == 0.5 else f"Hybrid(α={alpha:g})"


@dataclass(frozen=True)
class TrainingRun:
    """What identifies any training run: protocol, batch strategy, α, seed, backbone, preset.

    Validated at construction: α a real number in [0, 1] that agrees with the strategy name, seed
    an int, strategy a known name (``'1'`` as α or ``'0'`` as seed are errors, not new runs).
    """

    protocol: str
    strategy: str
    alpha: float
    seed: int
    model: str
    preset: str

    def __post_init__(self):
        alpha = check_alpha(self.alpha)
        check_int(self.seed, "seed")
        expected = MIXED if self.strategy == MIXED and alpha == 1.0 else strategy_for_alpha(alpha).name
        if self.strategy != expected:
            raise ValueError(f"strategy {self.strategy!r} does not match alpha={alpha:g} (expected {expected!r})")
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "seed", int(self.seed))


def run_identity(
    preset, protocol: str, alpha: float, seed: int, model: str | None = None, strategy: str | None = None
) -> tuple:
    """The :class:`TrainingRun` fields (protocol, strategy, α, seed, model, preset), validated;
    ``strategy`` names a strategy off the α line (``"x-x-mixed"``), else α decides it."""
    from hybridlib.train.protocols import ALL_PROTOCOLS

    if protocol not in ALL_PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; known: {list(ALL_PROTOCOLS)}")
    s = make_strategy(strategy, alpha) if strategy is not None else strategy_for_alpha(alpha)
    return protocol, s.name, s.alpha, check_int(seed, "seed"), model or preset.model, preset.name


def max_groups_for(preset, protocol: str) -> int | None:
    """Only the large pools are subsampled (MLQA-test; the paper mix: MLQA questions and mMARCO rows
    per language); the LAReQA protocols (≤ 1,190 questions) train on all their questions."""
    return preset.train_max_groups if protocol in ("mlqa-test", "paper") else None
