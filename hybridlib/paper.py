"""The paper's own numbers (``data/paper/``), looked up by table, row and column."""

from __future__ import annotations

import pandas as pd

from .paths import data_dir

NOT_TRANSCRIBED = "n/a (not transcribed)"


def paper_tables() -> pd.DataFrame:
    """All transcribed values of arXiv 2408.10536 with their table/row/column and source."""
    return pd.read_csv(data_dir() / "paper" / "paper_tables.csv")


def paper_value(table: str, row: str, column: str) -> float | None:
    """One value, or ``None`` when it has not been transcribed (see ``data/paper/README.md``)."""
    df = paper_tables()
    hit = df[(df.table == table) & (df.row == row) & (df.column == column)]
    return float(hit.value.iloc[0]) if len(hit) else None


def published_counts() -> pd.DataFrame:
    """Dataset sizes published by the dataset authors (LAReQA, MIRACL)."""
    return pd.read_csv(data_dir() / "paper" / "published_counts.csv")
