"""Reader-facing tables built from stored runs (used by the notebooks)."""

from __future__ import annotations

import pandas as pd

from .paper import NOT_TRANSCRIBED, paper_value
from .stats import fmt_ci

LAREQA_COLUMNS = ("Mo_mAP", "Mo_R@1", "Cr_mAP", "Cr_R@1", "Mul_mAP", "Mul_R@10", "RD")


def lareqa_row(record: dict, dataset: str) -> dict:
    return {k: record["results"][dataset]["summary"][k] for k in LAREQA_COLUMNS}


def with_ci(frame: pd.DataFrame, by: str, columns=LAREQA_COLUMNS, digits: int = 4) -> pd.DataFrame:
    """Mean ± 95% CI half-width over seeds, one row per ``by`` value."""
    out = {}
    for key, g in frame.groupby(by, sort=False):
        out[key] = {c: fmt_ci(g[c], digits if c != "RD" else 1) for c in columns if c in g}
        out[key]["n_seeds"] = len(g)
    return pd.DataFrame(out).T


def paper_column(table: str, rows: dict[str, str], column: str) -> pd.Series:
    """The paper's value for each of our row names (``rows``: our name -> the paper's row name)."""
    vals = {ours: paper_value(table, theirs, column) for ours, theirs in rows.items()}
    return pd.Series({k: (f"{v:.4f}" if v is not None else NOT_TRANSCRIBED) for k, v in vals.items()})


def pooled_frame(record: dict, dataset: str, metrics=("nDCG@10", "R@100")) -> pd.DataFrame:
    per = record["results"][dataset]["per_language"]
    return pd.DataFrame(per).T[[*metrics, "n_queries"]]


def mean_over_seeds(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames).groupby(level=0, sort=False).mean()


__all__ = ["LAREQA_COLUMNS", "lareqa_row", "with_ci", "paper_column", "pooled_frame", "mean_over_seeds"]
