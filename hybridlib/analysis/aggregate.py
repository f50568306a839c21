"""Collect stored runs into tables: per strategy × seed summaries, per-language means, and
per-query values averaged over seeds (for paired tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from hybridlib.runs.store import arrays_of
from hybridlib.train.strategy import label


def summary_frame(records: list[dict], dataset: str) -> pd.DataFrame:
    """One row per run: strategy label, α, seed, model, transform and the dataset's summary metrics."""
    rows = []
    for r in records:
        c = r["config"]
        res = r["results"].get(dataset)
        if res is None:
            continue
        row = {
            "strategy": label(c),
            "alpha": c.get("alpha"),
            "seed": c.get("seed"),
            "model": c.get("model"),
            "transform": c.get("transform", "none"),
            "protocol": c.get("protocol"),
        }
        if "summary" in res:
            row.update(res["summary"])
        else:
            for g, vals in res["per_language"].items():
                for m, v in vals.items():
                    if m != "n_queries":
                        row[f"{g}/{m}"] = v
        rows.append(row)
    return pd.DataFrame(rows)


def per_language(records: list[dict], dataset: str, column: str) -> pd.DataFrame:
    """Language × run values of one per-language column (e.g. ``Mo_mAP`` or ``nDCG@10``)."""
    rows = []
    for r in records:
        res = r["results"].get(dataset)
        if res is None:
            continue
        c = r["config"]
        for lang, vals in res["per_language"].items():
            rows.append({"strategy": label(c), "seed": c.get("seed"), "lang": lang, column: vals.get(column)})
    return pd.DataFrame(rows)


def per_query(records: list[dict], key: str, subdir: str = "", kind: str = "head") -> pd.Series:
    """Mean over the given runs (e.g. the seeds of one strategy) of a per-query array.

    ``key`` names an array in the runs' npz, e.g. ``xquad-r/multi/mAP``; its query ids are the
    sibling ``.../query_id`` array.
    """
    series = []
    for r in records:
        arrays = arrays_of(r, subdir)
        ids_key = key.rsplit("/", 1)[0] + "/query_id"
        series.append(pd.Series(arrays[key].astype(float), index=arrays[ids_key]))
    return pd.concat(series, axis=1).mean(axis=1) if series else pd.Series(dtype=float)


def group_by_strategy(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in records:
        out.setdefault(label(r["config"]), []).append(r)
    return out


def order_agreement(means: pd.Series, group: str, label_of: Callable[[Any], str] = str) -> dict:
    """Does each group rank the strategies alike? ``means`` is indexed by (``group``, ``strategy``)
    (means over seeds). Returns one table row: per group the strategies best first, joined with
    ``" > "`` under ``"order, <label_of(group)>"``, and ``"same order"``: True when every group ranks
    them identically (ties keep the index order), None when there is nothing to compare (one group, or
    groups with different sets of strategies, as while a grid is still running)."""
    order = {
        g: tuple(m.droplevel(group).sort_values(ascending=False, kind="stable").index)
        for g, m in means.groupby(level=group, sort=True)
    }
    comparable = len(order) > 1 and len({frozenset(o) for o in order.values()}) == 1
    return {
        **{f"order, {label_of(g)}": " > ".join(o) for g, o in order.items()},
        "same order": len(set(order.values())) == 1 if comparable else None,
    }


__all__ = ["summary_frame", "per_language", "per_query", "group_by_strategy", "order_agreement"]
