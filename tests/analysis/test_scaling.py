"""The scaling extension's table helpers."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.scaling import answer, blocks_order, headline, scaling_frame, variant


def test_variant_tells_the_equal_cost_track_from_every_block_and_heads():
    assert variant({"model": "me5-small:L4", "top_layers": 1}, top_k=1) == "top-1"
    assert variant({"model": "me5-small:L2", "top_layers": 2}, top_k=1) == "every block"
    assert variant({"model": "tiny-random:L1", "top_layers": 1}, top_k=1) == "top-1", "k = L = 1 is the track itself"
    assert variant({"model": "me5-small:L2", "alpha": 0.5}, top_k=1) == "head"


def test_headline_reads_pooled_means_and_lareqa_summaries():
    results = {
        "miracl-hard": {"per_language": {"sw": {"nDCG@10": 0.2}, "mean": {"nDCG@10": 0.3, "R@100": 0.9}}},
        "mlqa-r": {"summary": {"Mo_mAP": 0.7, "Cr_mAP": 0.4, "Mul_mAP": 0.3}},
    }
    h = headline(results)
    assert h == {"MIRACL-hard nDCG@10": 0.3, "MIRACL-hard R@100": 0.9, "MLQA-R Cr mAP": 0.4, "MLQA-R Mo mAP": 0.7}
    run = {"config": {"model": "m:L2", "alpha": 1.0, "seed": 3, "top_layers": 1}, "results": results}
    bm25 = {"results": results}
    frame = scaling_frame([run], [], bm25, {"m:L2": 3.5e6, "m:L4": 7.1e6})
    assert list(frame.strategy) == ["X-X-mono", "BM25", "BM25"], "BM25 is drawn at every size"
    assert frame.params.tolist() == [3.5e6, 3.5e6, 7.1e6]


def test_an_empty_grid_gives_an_empty_frame_with_the_key_columns():
    frame = scaling_frame([], [], None, {"m:L2": 3.5e6})
    assert frame.empty and {"model", "params", "strategy", "variant", "seed"} <= set(frame.columns)


def _run(alpha: float, top_layers: int, seed: int, mono: float, cross: float) -> dict:
    results = {
        "miracl-hard": {"per_language": {"mean": {"nDCG@10": mono, "R@100": 0.9}}},
        "mlqa-r": {"summary": {"Mo_mAP": mono, "Cr_mAP": cross, "Mul_mAP": 0.1}},
    }
    return {"config": {"model": "m:L2", "alpha": alpha, "seed": seed, "top_layers": top_layers}, "results": results}


def test_blocks_order_compares_the_strategy_ranking_of_top_block_and_every_block():
    # top-1: X-X-mono > Hybrid > X-Y on MIRACL, X-Y > Hybrid > X-X-mono cross-lingually;
    # every block: the same MIRACL order (seed means), but Hybrid first cross-lingually
    top = {1.0: (0.30, 0.05), 0.5: (0.25, 0.07), 0.0: (0.20, 0.08)}
    every = {1.0: (0.40, 0.05), 0.5: (0.35, 0.09), 0.0: (0.30, 0.08)}
    runs = [_run(a, 1, s, m + 0.01 * s, c) for a, (m, c) in top.items() for s in (0, 1)]
    runs += [_run(a, 2, s, m - 0.01 * s, c) for a, (m, c) in every.items() for s in (0, 1)]
    frame = scaling_frame(runs, [], None, {"m:L2": 3.5e6}, top_k=1)
    order = blocks_order(frame, "m:L2", ("MIRACL-hard nDCG@10", "MLQA-R Cr mAP", "AfriQA nDCG@10")).set_index("cell")
    assert list(order.index) == ["MIRACL-hard nDCG@10", "MLQA-R Cr mAP"], "a cell without results is skipped"
    assert order.loc["MIRACL-hard nDCG@10", "order, top-1"] == "X-X-mono > Hybrid > X-Y"
    assert bool(order.loc["MIRACL-hard nDCG@10", "same order"]), "the same ranking under both variants"
    assert order.loc["MLQA-R Cr mAP", "order, every block"] == "Hybrid > X-Y > X-X-mono"
    assert not bool(order.loc["MLQA-R Cr mAP", "same order"]), "Hybrid moves from second to first: not the same order"


def test_blocks_order_needs_two_complete_variants():
    runs = [_run(a, 1, 0, 0.2, 0.1) for a in (1.0, 0.5, 0.0)] + [_run(1.0, 2, 0, 0.3, 0.1)]
    frame = scaling_frame(runs, [], None, {"m:L2": 3.5e6}, top_k=1)
    assert blocks_order(frame, "m:L2", ("MIRACL-hard nDCG@10",)).empty, "every block has one strategy only"


def _diff(model: str, params: float, cell: str, low: float, high: float) -> dict:
    return {"model": model, "params": params, "cell": cell, "diff": (low + high) / 2, "ci_low": low, "ci_high": high}


def test_answer_names_the_planted_trade_off_per_size_and_says_it_changes():
    diffs = pd.DataFrame(
        [
            _diff("m:L12", 21e6, "MIRACL-hard nDCG@10", -0.005, 0.007),  # listed first: sorted by params
            _diff("m:L12", 21e6, "MLQA-R Cr mAP", -0.002, 0.001),
            _diff("m:L2", 3.5e6, "MIRACL-hard nDCG@10", -0.05, -0.03),
            _diff("m:L2", 3.5e6, "MLQA-R Cr mAP", 0.002, 0.006),
            _diff("m:L4", 7e6, "MIRACL-hard nDCG@10", -0.02, -0.01),
            _diff("m:L4", 7e6, "AfriQA nDCG@10", -0.01, -0.005),
        ]
    )
    text = answer(diffs)
    assert (
        "m:L2 trades monolingual for cross-lingual: costs monolingual (MIRACL-hard) and gains cross-lingual (MLQA-R Cr)"
        in text
    ), text
    assert "m:L4 costs monolingual (MIRACL-hard) and loses cross-lingual (AfriQA)" in text, text
    assert "m:L12 no resolved difference" in text, text
    assert text.index("m:L2") < text.index("m:L4") < text.index("m:L12"), "sizes read smallest first"
    assert "changes with size" in text, text
    assert "same at the smallest and the largest" in answer(diffs[diffs.model == "m:L12"]), "one size cannot change"
    assert answer(diffs.iloc[0:0]).startswith("No size"), "an empty table says so"


def test_bitext_runs_are_their_partial_runs_without_the_untrained_references():
    from hybridlib.analysis.scaling import bitext_runs

    run = {"strategy": "x-y", "alpha": 0.0, "seed": 0, "model": "m:L2", "steps": 300}
    ref = {**run, "strategy": "hybrid", "alpha": 0.5, "steps": 0}
    recs = [{"kind": "bitext", "config": {"run": c, "preset": "cpu"}, "results": {}} for c in (run, ref)]
    assert [r["config"] for r in bitext_runs(recs)] == [run], "an untrained reference is no Hybrid run"
    assert len(bitext_runs(recs, references=True)) == 2
