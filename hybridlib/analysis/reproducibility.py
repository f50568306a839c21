"""Does a stored run reproduce when it is run again? Committed record beside its rerun, metric by metric.

A rerun of a committed config (same config, data and store format, so the same record key) made on
another machine or in another session should give the same numbers up to floating-point
nondeterminism; for a *trained* run that nondeterminism is fed back through every optimiser step.
:func:`rerun_rows` lines the two records up on their headline numbers (each dataset's summary:
Mo/Cr/Mul mAP, R@1, R@10, rank distance; each MIRACL-style task's mean nDCG@10 and R@100 over its
languages) and, for trained runs, the checkpoint kept and its validation loss; :func:`rerun_summary` sets the largest difference of each metric beside the seed-to-seed
spread of the same metric, the yardstick the study's verdicts are built on.

Torch-free: it reads record dicts (``hybridlib.fileio.read_json`` of a store's JSON files).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

ROW_COLUMNS = ["key", "alpha", "seed", "steps", "metric", "committed", "rerun"]
PARTIAL_RERUN_TABLE = "rerun_partial_vs_committed.csv"  # under results/: the partial grid's seeds 0-2 rerun (issue 37)


def headline_numbers(results: Mapping) -> dict[str, float]:
    """A record's headline numbers by ``<task>.<metric>``: every number in a task's ``summary``, and for
    per-language tasks (no summary) each number of its ``per_language['mean']`` except ``n_queries``."""
    out: dict[str, float] = {}
    for task, res in results.items():
        if isinstance(res.get("summary"), Mapping):
            values = res["summary"]
        else:
            values = {k: v for k, v in res.get("per_language", {}).get("mean", {}).items() if k != "n_queries"}
        out |= {f"{task}.{k}": float(v) for k, v in values.items() if isinstance(v, (int, float))}
    return out


def training_numbers(record: Mapping) -> dict[str, float]:
    """A trained record's training outcome: ``train.best_step`` (the checkpoint kept) and
    ``train.validation_loss`` (its validation loss, as logged at 4 decimals); {} without a log."""
    log = record.get("train") or {}
    losses = dict((int(step), loss) for step, loss in log.get("eval_loss", []))
    if "best_step" not in log or log["best_step"] not in losses:
        return {}
    return {"train.best_step": float(log["best_step"]), "train.validation_loss": float(losses[log["best_step"]])}


def run_numbers(record: Mapping) -> dict[str, float]:
    """What a rerun is compared on: :func:`headline_numbers` and :func:`training_numbers`."""
    return headline_numbers(record.get("results", {})) | training_numbers(record)


def rerun_rows(rerun: Mapping[str, Mapping], committed: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per (record key, metric of :func:`run_numbers`) present in both stores: ``committed``, ``rerun``.

    ``rerun`` / ``committed``: record dicts by record key (a store file's stem). A key whose two
    records are the same record (same ``finished`` time and arrays digest: already adopted) gives no
    row, so an adopted rerun is never compared with itself.
    """
    rows = []
    for key in sorted(rerun.keys() & committed.keys()):
        a, b = rerun[key], committed[key]
        if (a.get("finished"), a.get("arrays_sha256")) == (b.get("finished"), b.get("arrays_sha256")):
            continue
        x, y = run_numbers(a), run_numbers(b)
        cfg = b.get("config", {})
        for metric in sorted(x.keys() & y.keys()):
            rows.append([key, cfg.get("alpha"), cfg.get("seed"), cfg.get("steps"), metric, y[metric], x[metric]])
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def merge_rows(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``existing`` rows kept as they are (their committed values may be gone from the store once a
    rerun is adopted); ``new`` adds only keys ``existing`` lacks."""
    if existing.empty:
        return new.reset_index(drop=True)
    fresh = new[~new["key"].isin(set(existing["key"]))]
    return pd.concat([existing, fresh], ignore_index=True).sort_values(["key", "metric"], ignore_index=True)


def record_values(records: Iterable[Mapping]) -> pd.DataFrame:
    """Stored records' headline numbers, one row per (record, metric): ``alpha``, ``seed``, ``steps``,
    ``metric``, ``value`` (for the seed spread of a whole grid, e.g. all five seeds of the partial track)."""
    rows = [
        [r["config"].get("alpha"), r["config"].get("seed"), r["config"].get("steps"), metric, value]
        for r in records
        for metric, value in run_numbers(r).items()
    ]
    return pd.DataFrame(rows, columns=["alpha", "seed", "steps", "metric", "value"])


def pooled_seed_sd(values: pd.DataFrame, column: str = "value") -> pd.Series:
    """Per metric: the standard deviation (ddof 1) of ``column`` over seeds within one strategy (α),
    pooled over strategies (root of the mean variance), trained runs (``steps`` > 0) only; a metric
    where no strategy has two seeds is absent."""
    trained = values[values["steps"] > 0]
    variances = trained.groupby(["metric", "alpha"])[column].var(ddof=1).dropna()
    return np.sqrt(variances.groupby(level="metric").mean())


def rerun_summary(rows: pd.DataFrame, seed_sd: pd.Series | None = None) -> pd.DataFrame:
    """Per metric: runs compared, mean and max |rerun − committed|, where the max is, and the seed SD.

    ``seed_sd``: per metric, the seed spread to measure the drift against (:func:`pooled_seed_sd`,
    e.g. of every stored seed of the grid); by default that of the compared runs' committed values
    (NaN where no strategy has two). ``max |Δ| / seed SD`` says how a rerun's drift compares with the
    spread the verdicts already average over: well under 1 means the drift cannot move a verdict by
    itself. Rank distances are in ranks, everything else a fraction.
    """
    if rows.empty:
        return pd.DataFrame(columns=["metric", "runs", "mean |Δ|", "max |Δ|", "max at", "seed SD", "max |Δ| / seed SD"])
    sds = pooled_seed_sd(rows, "committed") if seed_sd is None else seed_sd
    rows = rows.assign(diff=(rows["rerun"] - rows["committed"]).abs())
    out = []
    for metric, g in rows.groupby("metric", sort=True):
        worst = g.loc[g["diff"].idxmax()]
        sd = float(sds.get(metric, np.nan))
        out.append(
            {
                "metric": metric,
                "runs": len(g),
                "mean |Δ|": g["diff"].mean(),
                "max |Δ|": worst["diff"],
                "max at": f"{worst['key']} (α {worst['alpha']}, seed {worst['seed']}, steps {worst['steps']})",
                "seed SD": sd,
                "max |Δ| / seed SD": worst["diff"] / sd if sd > 0 else float("nan"),
            }
        )
    return pd.DataFrame(out)


def largest_difference(rows: pd.DataFrame, rank_distance: bool = False) -> pd.Series | None:
    """The row with the largest |rerun − committed| among the evaluation's fractions (or, with
    ``rank_distance``, among rank distances, metric names ending in ``RD``; training numbers are
    neither); None when there is none."""
    is_rd = rows["metric"].str.endswith("RD")
    pick = rows[(is_rd if rank_distance else ~is_rd) & ~rows["metric"].str.startswith("train.")]
    if pick.empty:
        return None
    diff = (pick["rerun"] - pick["committed"]).abs()
    return pick.loc[diff.idxmax()]


def rerun_sentence(rows: pd.DataFrame, seed_sd: pd.Series | None = None, summary: pd.DataFrame | None = None) -> str:
    """The reading in one computed sentence: runs compared, the largest difference of a fraction and
    of a rank distance, and the largest difference in seed SDs (``seed_sd`` as in
    :func:`rerun_summary`; ``summary``: that table when the caller already has it; "" without rows)."""
    if rows.empty:
        return ""
    runs = rows.drop_duplicates("key")
    trained = int((runs["steps"] > 0).sum())
    parts = [
        f"{len(runs)} stored run{'s' * (len(runs) != 1)} rerun ({trained} trained, {len(runs) - trained} untrained)"
    ]
    for rd, unit in ((False, ""), (True, " ranks")):
        worst = largest_difference(rows, rank_distance=rd)
        if worst is not None:
            diff = abs(worst["rerun"] - worst["committed"])
            parts.append(
                f"largest |Δ| {'rank distance' if rd else 'metric'}: {diff:.4g}{unit} ({worst['metric']}, "
                f"α {worst['alpha']} seed {worst['seed']}{'' if worst['steps'] else ', untrained'}: "
                f"{worst['committed']:.4f} committed, {worst['rerun']:.4f} rerun)"
            )
    best = rows[(rows["metric"] == "train.best_step") & (rows["steps"] > 0)]
    loss = rows[(rows["metric"] == "train.validation_loss") & (rows["steps"] > 0)]
    if len(best):
        same = int((best["rerun"] == best["committed"]).sum())
        parts.append(
            f"training kept the same checkpoint in {same} of {len(best)} trained runs"
            + (
                f", its validation loss at most {(loss['rerun'] - loss['committed']).abs().max():.4g} apart"
                if len(loss)
                else ""
            )
        )
    summary = rerun_summary(rows, seed_sd) if summary is None else summary
    ratio = summary.set_index("metric")["max |Δ| / seed SD"].dropna()
    if len(ratio):
        parts.append(f"the largest in seed SDs: {ratio.max():.2f} SD ({ratio.idxmax()})")
    return "; ".join(parts) + "."


__all__ = [
    "PARTIAL_RERUN_TABLE",
    "rerun_sentence",
    "record_values",
    "training_numbers",
    "run_numbers",
    "pooled_seed_sd",
    "ROW_COLUMNS",
    "headline_numbers",
    "rerun_rows",
    "merge_rows",
    "rerun_summary",
    "largest_difference",
]
