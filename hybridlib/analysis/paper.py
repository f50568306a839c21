"""The paper's own numbers (``data/paper/``): Tables 1-8 and 12-13, Table 9, Table 11, peers' MIRACL.

Every paper value a notebook or table shows comes from here, labelled as the paper's.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from hybridlib.paths import data_dir

RESULT_COLUMNS = ("table", "model", "dataset", "setting", "metric", "strategy", "lang", "value", "note")
MODELS = ("XLM-R", "LaBSE")
STRATEGIES = ("X-X-mono", "X-Y", "Hybrid")


@lru_cache(maxsize=1)
def paper_model_of(backbone: str) -> str | None:
    """The paper's name for a backbone (``xlm-roberta-*`` -> XLM-R, ``*LaBSE`` -> LaBSE), else None."""
    name = backbone.lower()
    return "XLM-R" if "xlm-roberta" in name else "LaBSE" if "labse" in name else None


def paper_results() -> pd.DataFrame:
    """One row per printed value of Tables 1-8, 12, 13 (see ``data/paper/README.md``), validated."""
    path = data_dir() / "paper" / "paper_results.csv"
    df = pd.read_csv(path, dtype={"lang": str, "note": str}, keep_default_na=False)
    missing = [c for c in RESULT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: lacks columns {missing}")
    values = pd.to_numeric(df["value"], errors="coerce")
    if values.isna().any():
        row = int(values.isna().idxmax())
        raise ValueError(f"{path}: row {row + 2} has a non-numeric value {df.loc[row, 'value']!r}")
    bad = sorted(set(df.strategy) - set(STRATEGIES)) + sorted(set(df.model) - set(MODELS))
    if bad:
        raise ValueError(f"{path}: unknown strategy/model names {bad}")
    return df.assign(value=values, table=df["table"].astype(int))


def paper_cell(table: int, model: str, dataset: str, setting: str, metric: str, strategy: str, lang: str = "mean"):
    """One printed value, or ``None`` where the paper has none."""
    df = paper_results()
    hit = df[
        (df.table == table)
        & (df.model == model)
        & (df.dataset == dataset)
        & (df.setting == setting)
        & (df.metric == metric)
        & (df.strategy == strategy)
        & (df.lang == lang)
    ]
    return float(hit.value.iloc[0]) if len(hit) else None


def paper_frame(table: int, metric: str | None = None) -> pd.DataFrame:
    """A paper table in long form (rows of ``paper_results`` for one table, optionally one metric)."""
    df = paper_results()
    df = df[df.table == table]
    return df if metric is None else df[df.metric == metric]


def paper_tables() -> pd.DataFrame:
    """Table 11 as printed (MIRACL dev query counts, with the paper's typos)."""
    return pd.read_csv(data_dir() / "paper" / "paper_tables.csv")


def published_counts() -> pd.DataFrame:
    """Dataset sizes published by the dataset authors (LAReQA, MIRACL)."""
    return pd.read_csv(data_dir() / "paper" / "published_counts.csv")


def peers_miracl() -> pd.DataFrame:
    """Published full-corpus MIRACL dev numbers of other systems (not comparable to the pooled set)."""
    return pd.read_csv(data_dir() / "paper" / "peers_miracl.csv")


PUBLISHED_POOLS = ("full corpus", "MTEB hard-negative pool")


def published_me5_miracl() -> pd.DataFrame:
    """multilingual-e5-small's published MIRACL dev nDCG@10 and R@100 (MTEB results), one row per
    language and metric, each with the pool it was measured on (``full corpus`` or the ``MTEB
    hard-negative pool``; see ``data/paper/README.md``). Not the paper's numbers, and not on the
    study's pools: reference points, labelled as such."""
    path = data_dir() / "paper" / "me5_small_miracl_mteb.csv"
    df = pd.read_csv(path, dtype={"lang": str})
    need = ("system", "lang", "metric", "value", "pool", "queries", "documents", "training_on_miracl", "source")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: lacks columns {missing}")
    bad = sorted(set(df["pool"]) - set(PUBLISHED_POOLS))
    if bad:
        raise ValueError(f"{path}: unknown pool names {bad} (expected one of {PUBLISHED_POOLS})")
    if not df["value"].between(0, 1).all():
        row = int((~df["value"].between(0, 1)).idxmax())
        raise ValueError(f"{path}: row {row + 2} has value {df.loc[row, 'value']!r} outside [0, 1]")
    return df


def paper_training_data() -> pd.DataFrame:
    """The paper's Table 9 (training pairs per language)."""
    return pd.read_csv(data_dir() / "paper" / "paper_training_data.csv")
