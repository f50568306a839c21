"""Two ways of training side by side: the partial track (top blocks from stored states) and every
block trained (the paper's regime), on the same protocol, steps, batches and seeds.

- :func:`learning_curves`: the validation loss (and, where logged, the in-batch top-1 accuracy on
  the validation batches) every ``eval_every`` steps of each run, from the training logs stored in
  the records: how each strategy trains under each regime.
- :func:`claim_agreement`: the paper's claims tested under each regime (same verdict machinery, one
  Holm family per regime) and, per claim, whether the verdicts agree.

Pairwise differences with CIs under both regimes, and whether they agree, are
:func:`hybridlib.analysis.bridge.bridge_differences` (any two ``top_layers``). No torch here.
"""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.bridge import blocks
from hybridlib.train.strategy import label


def learning_curves(records: list[dict]) -> pd.DataFrame:
    """One row per (run, validation): ``blocks`` (trained), ``strategy``, ``seed``, ``step``,
    ``eval_loss`` (mean InfoNCE over the fixed validation batches) and ``eval_acc`` (in-batch top-1
    accuracy on them; NaN for runs stored before it was logged); ``best`` marks the step whose
    weights the run kept (early stopping)."""
    rows = []
    for r in records:
        log, c = r.get("train") or {}, r["config"]
        acc = dict((s, a) for s, a in log.get("eval_acc", []))
        for step, loss in log.get("eval_loss", []):
            rows.append(
                {
                    "blocks": blocks(c["top_layers"]),
                    "strategy": label(c),
                    "seed": c["seed"],
                    "step": step,
                    "eval_loss": loss,
                    "eval_acc": acc.get(step, float("nan")),
                    "best": step == log.get("best_step"),
                }
            )
    return pd.DataFrame(rows)


def _word(verdict: str) -> str:
    return verdict.split(" ")[0]


def claim_agreement(claims: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per (claim, dataset, comparison): the verdict under each regime (columns named by the keys of
    ``claims``, two claims tables of :func:`hybridlib.analysis.claims.claims_table`), the effects,
    and ``agreement``: ``agree`` (both supported, or both contradicted), ``disagree`` (one supported,
    the other contradicted), ``resolved under <regime> only`` (the other inconclusive), ``neither
    resolved`` (both inconclusive)."""
    if len(claims) != 2:
        raise ValueError(f"claim_agreement compares two regimes, got {list(claims)}")
    (name_a, a), (name_b, b) = claims.items()
    key = ["claim", "dataset", "comparison"]
    merged = a[key + ["effect", "verdict"]].merge(
        b[key + ["effect", "verdict"]], on=key, suffixes=(f" {name_a}", f" {name_b}")
    )

    def verdict(row) -> str:
        va, vb = _word(row[f"verdict {name_a}"]), _word(row[f"verdict {name_b}"])
        resolved = {n for n, v in ((name_a, va), (name_b, vb)) if v != "inconclusive"}
        if len(resolved) == 2:
            return "agree" if va == vb else "disagree"
        return f"resolved under {resolved.pop()} only" if resolved else "neither resolved"

    merged["agreement"] = merged.apply(verdict, axis=1) if len(merged) else []
    return merged


def versus_untrained(records: list[dict], untrained: dict, dataset: str, column: str = "Mo_mAP") -> pd.DataFrame:
    """Per (blocks trained, strategy): the mean of ``column`` over seeds, the untrained model's value,
    and how many seeds land below it (training every block can lower monolingual retrieval below
    the encoder it starts from: a finding, not a bug)."""
    base = untrained["results"][dataset]["summary"][column]
    rows = [
        {
            "blocks": blocks(r["config"]["top_layers"]),
            "strategy": label(r["config"]),
            column: r["results"][dataset]["summary"][column],
        }
        for r in records
        if dataset in r["results"]
    ]
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    out = frame.groupby(["blocks", "strategy"])[column].agg(["mean", "count"])
    out["below untrained"] = frame.assign(below=frame[column] < base).groupby(["blocks", "strategy"]).below.sum()
    out["untrained"] = base
    return out.rename(columns={"mean": f"{column} (mean)", "count": "seeds"}).reset_index()


__all__ = ["learning_curves", "claim_agreement", "versus_untrained"]
