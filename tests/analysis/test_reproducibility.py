"""hybridlib.analysis.reproducibility: committed records beside their reruns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybridlib.analysis.reproducibility import (
    ROW_COLUMNS,
    headline_numbers,
    largest_difference,
    merge_rows,
    pooled_seed_sd,
    record_values,
    rerun_rows,
    rerun_sentence,
    rerun_summary,
    training_numbers,
)


def record(alpha: float, seed: int, mul: float, rd: float, ndcg: float = 0.5, steps: int = 300, finished: str = "a"):
    return {
        "train": {"best_step": 100, "eval_loss": [[0, 1.4], [50, 0.5], [100, 0.4 + seed / 100]]},
        "config": {"alpha": alpha, "seed": seed, "steps": steps},
        "finished": finished,
        "arrays_sha256": f"{alpha}-{seed}-{finished}",
        "results": {
            "xquad-r": {"summary": {"Mul_mAP": mul, "RD": rd}, "per_language": {"de": {"mAP": 0.1}}},
            "miracl-pooled": {"per_language": {"sw": {"nDCG@10": 0.9}, "mean": {"nDCG@10": ndcg, "n_queries": 20.0}}},
        },
    }


def test_headline_numbers_are_summaries_and_per_language_means_without_counts():
    got = headline_numbers(record(0.5, 0, 0.4, 300.0, ndcg=0.6)["results"])
    assert got == {"xquad-r.Mul_mAP": 0.4, "xquad-r.RD": 300.0, "miracl-pooled.nDCG@10": 0.6}, got


def test_rows_line_up_matched_keys_and_skip_an_adopted_record():
    committed = {"k1": record(0.5, 0, 0.40, 300.0), "k2": record(1.0, 0, 0.30, 400.0), "k3": record(0.0, 0, 0.2, 1.0)}
    rerun = {"k1": record(0.5, 0, 0.41, 303.0, finished="b"), "k2": committed["k2"], "k4": record(0.0, 1, 0.1, 1.0)}
    rows = rerun_rows(rerun, committed)
    assert list(rows.columns) == ROW_COLUMNS
    assert set(rows["key"]) == {"k1"}, "k2 is the same record in both stores (adopted), k3/k4 are in one store only"
    assert set(rows["metric"]) == {
        "xquad-r.Mul_mAP",
        "xquad-r.RD",
        "miracl-pooled.nDCG@10",
        "train.best_step",
        "train.validation_loss",
    }, rows["metric"]
    mul = rows.set_index("metric").loc["xquad-r.Mul_mAP"]
    assert (mul["committed"], mul["rerun"], mul["alpha"], mul["seed"]) == (0.40, 0.41, 0.5, 0)


def test_merge_keeps_the_rows_it_has_and_adds_new_keys_only():
    old = pd.DataFrame([["k1", 0.5, 0, 300, "m", 0.40, 0.41]], columns=ROW_COLUMNS)
    new = pd.DataFrame([["k1", 0.5, 0, 300, "m", 0.41, 0.41], ["k2", 1.0, 0, 300, "m", 0.3, 0.2]], columns=ROW_COLUMNS)
    merged = merge_rows(old, new)
    assert merged.set_index("key").loc["k1", "committed"] == 0.40, "an existing key keeps its committed value"
    assert set(merged["key"]) == {"k1", "k2"}


def test_summary_sets_the_largest_difference_beside_the_pooled_seed_sd():
    committed, rerun = {}, {}
    planted = {0.5: [0.40, 0.42, 0.44], 1.0: [0.30, 0.31, 0.32]}  # per-strategy variances 4e-4 and 1e-4
    for alpha, values in planted.items():
        for seed, v in enumerate(values):
            key = f"{alpha}-{seed}"
            committed[key] = record(alpha, seed, v, 300.0)
            rerun[key] = record(alpha, seed, v + (0.005 if key == "1.0-2" else 0.001), 300.0 + seed, finished="b")
    committed["ref"], rerun["ref"] = record(0.5, 0, 0.2, 1.0, steps=0), record(0.5, 0, 0.2, 1.0, steps=0, finished="b")
    rows = rerun_rows(rerun, committed)
    summary = rerun_summary(rows).set_index("metric")
    mul = summary.loc["xquad-r.Mul_mAP"]
    assert mul["runs"] == 7
    assert mul["max |Δ|"] == pytest.approx(0.005)
    assert mul["max at"].startswith("1.0-2 "), mul["max at"]
    assert mul["seed SD"] == pytest.approx(np.sqrt((4e-4 + 1e-4) / 2)), "pooled within strategies, trained runs only"
    assert mul["max |Δ| / seed SD"] == pytest.approx(0.005 / np.sqrt(2.5e-4))
    worst = largest_difference(rows)
    assert (worst["key"], worst["metric"]) == ("1.0-2", "xquad-r.Mul_mAP")
    assert largest_difference(rows, rank_distance=True)["rerun"] == 302.0
    assert "training kept the same checkpoint in 6 of 6 trained runs, its validation loss at most 0 apart" in (
        rerun_sentence(rows)
    ), "planted reruns share the committed training logs; the untrained reference is no trained run"


def test_empty_rows_give_empty_summaries():
    rows = pd.DataFrame(columns=ROW_COLUMNS)
    assert rerun_summary(rows).empty
    assert largest_difference(rows) is None


def test_the_seed_sd_of_a_whole_grid_pools_variances_within_strategies_of_trained_runs():
    runs = [record(0.5, s, v, 300.0) for s, v in enumerate([0.40, 0.42, 0.44])]
    runs += [record(1.0, s, v, 300.0) for s, v in enumerate([0.30, 0.31, 0.32])]
    runs += [record(0.5, 0, 0.9, 300.0, steps=0), record(0.0, 0, 0.5, 300.0)]  # untrained; a strategy with one seed
    sd = pooled_seed_sd(record_values(runs))
    assert sd["xquad-r.Mul_mAP"] == pytest.approx(np.sqrt((4e-4 + 1e-4) / 2))
    assert sd["xquad-r.RD"] == 0.0, "every planted run has RD 300"
    rows = pd.DataFrame([["k", 1.0, 0, 300, "xquad-r.Mul_mAP", 0.30, 0.31]], columns=ROW_COLUMNS)
    got = rerun_summary(rows, sd).set_index("metric").loc["xquad-r.Mul_mAP"]
    assert got["seed SD"] == pytest.approx(np.sqrt(2.5e-4)), "the grid's SD, not the (single) compared run's"
    assert np.isnan(rerun_summary(rows).loc[0, "seed SD"]), "one compared run has no seed spread of its own"


def test_training_numbers_are_the_kept_checkpoint_and_its_validation_loss():
    assert training_numbers(record(0.5, 2, 0.4, 1.0)) == {
        "train.best_step": 100.0,
        "train.validation_loss": pytest.approx(0.42),
    }
    assert training_numbers({"results": {}}) == {}, "no training log (a baseline record)"
    assert training_numbers({"train": {"best_step": 7, "eval_loss": [[0, 1.0]]}}) == {}, (
        "the best step was never logged"
    )
