"""Two regimes side by side: learning curves from training logs, claim verdicts compared."""

from __future__ import annotations

import pandas as pd
import pytest

from hybridlib.analysis.regimes import claim_agreement, learning_curves, versus_untrained


def _run(alpha, seed, k, mo, log):
    return {
        "config": {"alpha": alpha, "seed": seed, "top_layers": k},
        "train": log,
        "results": {"xquad-r": {"summary": {"Mo_mAP": mo}}},
    }


def test_learning_curves_read_each_validation_and_mark_the_kept_step():
    log = {
        "eval_loss": [(0, 2.0), (50, 1.5), (100, 1.6)],
        "eval_acc": [(0, 0.4), (50, 0.6), (100, 0.55)],
        "best_step": 50,
    }
    old = {"eval_loss": [(0, 2.0), (50, 1.9)], "best_step": 50}  # stored before accuracy was logged
    curves = learning_curves([_run(0.5, 0, 12, 0.7, log), _run(1.0, 0, 2, 0.8, old)])
    every = curves[curves.blocks == "12 blocks"]
    assert every.step.tolist() == [0, 50, 100] and every.eval_acc.tolist() == [0.4, 0.6, 0.55]
    assert every.best.tolist() == [False, True, False] and set(every.strategy) == {"Hybrid"}
    assert curves[curves.blocks == "2 blocks"].eval_acc.isna().all(), "no accuracy logged: NaN, not 0"


def test_versus_untrained_counts_the_seeds_below_the_starting_encoder():
    untrained = {"results": {"xquad-r": {"summary": {"Mo_mAP": 0.80}}}}
    runs = [_run(1.0, s, 12, mo, {}) for s, mo in enumerate((0.74, 0.79, 0.81))] + [_run(1.0, 0, 2, 0.797, {})]
    t = versus_untrained(runs, untrained, "xquad-r").set_index("blocks")
    assert t.loc["12 blocks", "below untrained"] == 2 and t.loc["12 blocks", "seeds"] == 3
    assert t.loc["12 blocks", "Mo_mAP (mean)"] == pytest.approx((0.74 + 0.79 + 0.81) / 3)
    assert t.loc["2 blocks", "below untrained"] == 1


def test_claim_agreement_compares_verdicts_claim_by_claim():
    key = {"claim": ["c1", "c2", "c3", "c4"], "dataset": ["x"] * 4, "comparison": ["a − b"] * 4, "effect": [0.1] * 4}
    a = pd.DataFrame(key | {"verdict": ["supported", "supported", "inconclusive", "inconclusive"]})
    b = pd.DataFrame(key | {"verdict": ["supported", "contradicted", "contradicted", "inconclusive"]})
    got = claim_agreement({"every block": a, "top 2 blocks": b}).agreement.tolist()
    assert got == ["agree", "disagree", "resolved under top 2 blocks only", "neither resolved"]
    with pytest.raises(ValueError, match="two regimes"):
        claim_agreement({"one": a})
