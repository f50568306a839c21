"""Where the study keeps its data, results, figures and caches (all overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Shipped datasets (``data/``); ``HYBRIDLIB_DATA`` overrides."""
    return Path(os.environ.get("HYBRIDLIB_DATA", REPO / "data"))


def results_dir() -> Path:
    """Committed results of real runs (``results/``); ``HYBRIDLIB_RESULTS`` overrides."""
    return Path(os.environ.get("HYBRIDLIB_RESULTS", REPO / "results"))


def figures_dir() -> Path:
    """Rendered figures (``figures/``); ``HYBRIDLIB_FIGURES`` overrides."""
    return Path(os.environ.get("HYBRIDLIB_FIGURES", REPO / "figures"))


def cache_dir() -> Path:
    """Converted models and embedding caches, never committed; ``HYBRIDLIB_CACHE`` overrides.

    Defaults to ``$XDG_CACHE_HOME/hybridlib`` (``~/.cache/hybridlib``).
    """
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hybridlib"
    return Path(os.environ.get("HYBRIDLIB_CACHE", default))
