"""The bridge to full fine-tuning: strategy orders and pairwise differences across ways of training."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.analysis.bridge import agreement, bridge_differences, bridge_table
from hybridlib.runs.store import cached_run

ALPHA = {"X-X-mono": 1.0, "X-Y": 0.0, "Hybrid": 0.5}
LANGS = ("en", "de", "ar")
# planted means per (blocks trained, strategy): (mono, cross, multi)
MEANS = {
    12: {"X-X-mono": (0.8, 0.5, 0.4), "X-Y": (0.7, 0.6, 0.5), "Hybrid": (0.7, 0.6, 0.5)},
    2: {"X-X-mono": (0.6, 0.6, 0.4), "X-Y": (0.7, 0.6, 0.5), "Hybrid": (0.7, 0.6, 0.5)},
}


def test_bridge_table_says_whether_the_strategies_order_agrees():
    def run(blocks, alpha, seed, mul):
        return {
            "config": {"top_layers": blocks, "alpha": alpha, "seed": seed},
            "results": {"xquad-r": {"summary": {"Mo_mAP": 0.5, "Cr_mAP": 0.4, "Mul_mAP": mul}}},
        }

    full = [run(12, 1.0, 0, 0.30), run(12, 0.0, 0, 0.50), run(12, 0.5, 0, 0.45)]
    same = [run(2, 1.0, 0, 0.31), run(2, 0.0, 0, 0.52), run(2, 0.5, 0, 0.40)]
    flipped = [run(2, 1.0, 0, 0.60), run(2, 0.0, 0, 0.52), run(2, 0.5, 0, 0.40)]
    means, agree = bridge_table(full + same)
    assert means.loc[(12, "xquad-r", "X-Y"), "Mul_mAP"] == 0.50
    row = agree[(agree.dataset == "xquad-r") & (agree.metric == "Mul_mAP")].iloc[0]
    assert row["same order"] and row["order, 12 blocks"] == "X-Y > Hybrid > X-X-mono"
    _, agree = bridge_table(full + flipped)
    assert not agree[agree.metric == "Mul_mAP"]["same order"].iloc[0], "X-X-mono first with 2 blocks: orders differ"


def test_agreement_reads_the_signs_of_the_cis():
    assert agreement({12: 1, 2: 1}) == "agree"
    assert agreement({12: -1, 2: 1}) == "disagree"
    assert agreement({12: -1, 2: 0}) == "resolved with 12 blocks only"
    assert agreement({12: 0, 2: 0}) == "neither resolved"
    assert agreement({12: 0, 1: 1}) == "resolved with 1 block only"


@pytest.fixture(scope="module")
def bridge_runs(tmp_path_factory):
    """2 seeds per (blocks, strategy) on a toy XQuAD-R: per seed, question difficulty shared by the
    strategies (so a planted zero is exactly zero on average), plus independent noise on Mo and Mul."""
    import os

    os.environ["HYBRIDLIB_RESULTS"] = str(tmp_path_factory.mktemp("bridge-results"))
    rng = np.random.default_rng(0)
    n = 150
    ids = np.array([f"{lang}/q{i}" for lang in LANGS for i in range(n)])
    runs = []
    for blocks, of_blocks in MEANS.items():
        for seed in range(2):
            shared = np.tile(rng.normal(0, 0.05, n), len(LANGS))
            for strategy, means in of_blocks.items():
                arrays = {}
                for setting, mean, sd in zip(("mono", "cross", "multi"), means, (0.01, 0.0, 0.01)):
                    arrays[f"xquad-r/{setting}/query_id"] = ids
                    arrays[f"xquad-r/{setting}/mAP"] = mean + shared + rng.normal(0, sd, len(ids))
                cfg = {"protocol": "bridge", "top_layers": blocks, "alpha": ALPHA[strategy], "seed": seed}
                runs.append(
                    cached_run("bridge", cfg, lambda a=arrays: ({"xquad-r": {"summary": {}}}, a, {}), {"e": "p"})
                )
    return runs


def _row(diffs, metric, comparison):
    row = diffs[(diffs.metric == metric) & (diffs.comparison == comparison)]
    assert len(row) == 1, f"one row for {metric} / {comparison}"
    return row.iloc[0]


def test_bridge_differences_recover_planted_agreements(bridge_runs):
    diffs = bridge_differences(bridge_runs, n_boot=500)
    assert set(diffs.dataset) == {"xquad-r"}, "only the dataset the runs hold"
    assert len(diffs) == 3 * 3, "three metrics x three pairs"
    assert set(diffs.seeds) == {2}, "two seeds behind every strategy"
    mo = _row(diffs, "Mo_mAP", "Hybrid − X-X-mono")
    assert abs(mo["12 blocks"] + 0.1) < 0.005 and abs(mo["2 blocks"] - 0.1) < 0.005, mo.to_dict()
    assert mo.agreement == "disagree", "−0.1 with every block, +0.1 with two: opposite resolved signs"
    assert _row(diffs, "Mul_mAP", "Hybrid − X-X-mono").agreement == "agree", "+0.1 under both"
    assert _row(diffs, "Cr_mAP", "X-X-mono − X-Y").agreement == "resolved with 12 blocks only", "−0.1, then 0"
    none = _row(diffs, "Cr_mAP", "Hybrid − X-Y")
    assert none.agreement == "neither resolved" and abs(none["12 blocks"]) < 1e-12, "a planted zero, exactly"
    assert none["12 blocks CI"] != "[+0.0000, +0.0000]", "seeds resampled per strategy: seed noise widens the CI"


def test_a_half_run_bridge_has_no_differences(bridge_runs):
    half = [r for r in bridge_runs if not (r["config"]["top_layers"] == 2 and r["config"]["alpha"] == 0.5)]
    assert bridge_differences(half, n_boot=50).empty, "two blocks lack Hybrid: nothing to compare"


def test_early_stopped_runs_are_flagged():
    from hybridlib.analysis.bridge import early_stopped

    runs = [
        {"config": {"alpha": 0.0, "seed": 1, "steps": 300}, "train": {"best_step": 50}},
        {"config": {"alpha": 0.0, "seed": 2, "steps": 300}, "train": {"best_step": 51}},
        {"config": {"alpha": 0.5, "seed": 0, "steps": 0}},
    ]
    assert early_stopped(runs) == ["X-Y s1 (step 50 of 300)"], "50 of 300 steps is 1/6: flagged; 51 is not"


def test_differences_carry_leave_one_seed_out_sensitivity(bridge_runs):
    diffs = bridge_differences(bridge_runs, n_boot=300)
    most = max(int(c.split()[0]) for c in diffs.columns if c.endswith("blocks") and c.split()[0].isdigit())
    col = f"{most} blocks moved most by"
    assert col in diffs and diffs[col].str.match(r"^(Hybrid|X-X-mono|X-Y) s\d+ \(without it [+-]").all(), diffs[col]
    assert diffs[f"{most} blocks LOSO range"].str.startswith("[").all()


def test_agreement_verdicts_carry_their_stability_under_other_bootstrap_seeds(bridge_runs):
    import pandas as pd

    from hybridlib.analysis.bridge import stability_note

    diffs = bridge_differences(bridge_runs, n_boot=300, sensitivity=False, reseeds=3)
    far = diffs[diffs.comparison.isin(["Hybrid − X-X-mono"]) & diffs.metric.isin(["Mo_mAP", "Mul_mAP"])]
    assert (far["agreement stable"] == "3 of 3").all(), "effects of ±0.1 resolve under every bootstrap seed"
    assert "agreement stable" not in bridge_differences(bridge_runs, n_boot=50, sensitivity=False, reseeds=0)
    shaky = pd.DataFrame(
        {
            "dataset": ["xquad-r", "xquad-r"],
            "metric": ["Mo_mAP", "Cr_mAP"],
            "comparison": ["Hybrid − X-Y", "Hybrid − X-Y"],
            "agreement": ["agree", "neither resolved"],
            "agreement stable": ["5 of 8", "8 of 8"],
        }
    )
    note = stability_note(shaky)
    assert note.startswith("bootstrap seed 0; 1 verdict(s) change") and "Mo_mAP Hybrid − X-Y: agree, 5 of 8" in note
    assert stability_note(shaky.iloc[1:]) == "bootstrap seed 0; every verdict the same under all 8 further seeds"
