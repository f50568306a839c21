"""The scaling extension's table helpers."""

from __future__ import annotations

from hybridlib.analysis.scaling import headline, scaling_frame, variant


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
