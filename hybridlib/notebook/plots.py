"""Figure helpers: one style for every notebook, PNGs saved under ``figures/``."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use(matplotlib.get_backend())  # respects MPLBACKEND=agg in CI
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from hybridlib.paths import figures_dir  # noqa: E402

warnings.filterwarnings("ignore", message=".*Pandas4Warning.*")
warnings.filterwarnings("ignore", category=FutureWarning, module="seaborn")
sns.set_theme(style="whitegrid", context="notebook")

STRATEGY_COLORS = {
    "zero-shot": "#888888",
    "untrained": "#888888",
    "BM25": "#bbbbbb",
    "X-X-mono": "#1f77b4",
    "X-Y": "#ff7f0e",
    "Hybrid": "#2ca02c",
}


def save(fig, name: str, preset: str = "cpu") -> Path:
    """Save ``fig`` as ``figures/<name>.png`` (smoke runs go to ``figures/smoke/``)."""
    out = figures_dir() / ("smoke" if preset == "smoke" else "") / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, bbox_inches="tight")
    return out


__all__ = ["plt", "sns", "save", "STRATEGY_COLORS"]
