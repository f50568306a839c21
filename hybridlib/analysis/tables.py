"""Reader-facing tables built from stored runs (used by the notebooks)."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.stats import fmt_ci

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


def pooled_frame(record: dict, dataset: str, metrics=("nDCG@10", "R@100")) -> pd.DataFrame:
    per = record["results"][dataset]["per_language"]
    return pd.DataFrame(per).T[[*metrics, "n_queries"]]


def _headline(results: dict) -> dict:
    out = {}
    for ds, res in results.items():
        if "summary" in res:
            out |= {f"{ds} {k}": res["summary"][k] for k in ("Mo_mAP", "Cr_mAP", "Mul_mAP")}
        elif "per_language" in res:
            out[f"{ds} nDCG@10"] = res["per_language"]["mean"]["nDCG@10"]
    return out


ZERO_SHOT_FT = "zero-shot (same subsample)"


def stored_finetunes(preset_name: str, subdir: str = "", models: list[str] | None = None) -> list[tuple[str, dict]]:
    """``(label, record)`` of the stored fine-tuning runs of a preset (label = strategy) and of the
    untrained model on the same subsample (label :data:`ZERO_SHOT_FT`), for ``models`` (None = all)."""
    from hybridlib.runs.store import list_runs
    from hybridlib.train.strategy import label

    def keep(cfg):
        return cfg["preset"] == preset_name and (models is None or cfg["model"] in models)

    out = [(label(r["config"]), r) for r in list_runs("finetune", subdir) if keep(r["config"])]
    return out + [(ZERO_SHOT_FT, r) for r in list_runs("finetune-zeroshot", subdir) if keep(r["config"])]


def finetune_table(preset_name: str, subdir: str = "", models: list[str] | None = None) -> pd.DataFrame:
    """Stored full fine-tuning runs of a preset (one row per model × strategy, seeds as rows) beside the
    untrained model on the same evaluation subsample, with steps, steps/s and wall times."""
    rows = []
    for name, r in stored_finetunes(preset_name, subdir, models):
        t = r.get("train", {})
        rows.append(
            {
                "model": r["config"]["model"],
                "strategy": name,
                "seed": r["config"].get("seed"),
                "steps": t.get("steps_run"),
                "steps/s": t.get("steps_per_second"),
                "train s": t.get("train_seconds"),
                "eval s": t.get("eval_seconds"),
                **_headline(r["results"]),
            }
        )
    if not rows:
        return pd.DataFrame()
    order = {"X-X-mono": 0, "X-Y": 1, "Hybrid": 2}
    df = pd.DataFrame(rows)
    df["_o"] = df.strategy.map(order).fillna(-1)
    return df.sort_values(["model", "_o", "seed"]).drop(columns="_o").set_index(["model", "strategy"])


def finetune_summary(ft: pd.DataFrame) -> pd.DataFrame:
    """:func:`finetune_table` reduced over seeds: mean ± 95% CI half-width of each metric per
    (model, strategy), the number of seeds and the median steps/s."""
    metrics = [c for c in ft.columns if c not in ("seed", "steps", "steps/s", "train s", "eval s")]

    def one(d: pd.DataFrame) -> pd.Series:
        cells = {c: fmt_ci(d[c].dropna()) for c in metrics}
        return pd.Series(cells | {"n_seeds": len(d), "steps/s (median)": d["steps/s"].median()})

    return ft.groupby(level=[0, 1], sort=False).apply(one)


def finetune_records(preset_name: str, subdir: str = "", model: str | None = None) -> dict[str, dict]:
    """One record per label of :func:`stored_finetunes` for one model (the lowest seed of each strategy)."""
    runs = sorted(stored_finetunes(preset_name, subdir, [model]), key=lambda x: -(x[1]["config"].get("seed") or 0))
    return dict(runs)  # later (lower-seed) entries win


__all__ = [
    "LAREQA_COLUMNS",
    "lareqa_row",
    "with_ci",
    "pooled_frame",
    "finetune_table",
    "finetune_records",
    "finetune_summary",
]
