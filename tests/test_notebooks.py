"""Every numbered notebook runs end to end with papermill in the smoke preset (pyhf pattern),
and the values it records are checked, not only that it ran."""

from __future__ import annotations

import pytest

from hybridlib.notebook.plots import figure_path
from hybridlib.notebook.report import recorded
from hybridlib.notebook.study import execute, notebooks, variant_name

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")

    def _run(prefix: str) -> dict:
        (nb,) = notebooks([prefix])
        execute(nb, "smoke", out_dir=out)
        return recorded(nb.stem, "smoke")

    return _run


def test_00_datasets(run):
    v = run("00_")
    assert v["lareqa_files_matching"] == v["lareqa_files"] == 18
    assert v["miracl_paper_mismatches"] == ["ar", "en", "es"], "the paper's Table 11 typos must be flagged"
    assert v["training_pairs"] == 41904


def test_01_baselines(run):
    v = run("01_")
    assert 0 < v["xquad_Mo_mAP_dense"] < 1 and 0 < v["xquad_Mo_mAP_bm25"] < 1
    assert v["xquad_RD_dense"] > 0, "rank distance in the pooled setting is positive for a random tiny model"
    assert v["trec_check_max_abs_diff"] < 1e-6, "our metrics must equal ir_measures on the faiss run"
    assert 0.2 < v["use_m_xquad_Mul_mAP"] < 1, "USE-m is a real pretrained encoder: far above a random model"


@pytest.mark.parametrize("track", ["head", "partial", "full"])
def test_02_train(tmp_path, track):
    (nb,) = notebooks(["02_"])
    execute(nb, "smoke", out_dir=tmp_path, parameters={"track": track, "protocol": "mlqa-test"})
    v = recorded(nb.stem, "smoke")
    assert v["track"] == track and v["steps_run"] >= 1
    assert v["n_scores"] > 5, "the trained-vs-untrained table covers every evaluation set"


def test_03_main_results(run):
    v = run("03_")
    assert v["n_runs"]["head"] == 3 * 2, "three strategies x two smoke seeds"
    assert v["primary"] == "partial fine-tuning", "the smoke preset trains its partial grid, which becomes primary"
    assert v["n_runs"]["partial fine-tuning"] == 3 * 2
    allowed = {"supported", "contradicted", "inconclusive", "exceeds (cut above 30%)"}
    assert v["verdicts"] and set(v["verdicts"].values()) <= allowed
    assert any(k.startswith("Unseen languages") for k in v["verdicts"])
    assert v["bridge_runs"] == 2 * 3, "smoke bridge: every block and the top block x three strategies x one seed"
    assert len(v["bridge_same_order"]) == 2 * 3, "an order verdict per dataset and metric (Mo, Cr, Mul)"
    verdicts = {"agree", "disagree", "neither resolved", "resolved with 2 blocks only", "resolved with 1 block only"}
    assert len(v["bridge_agreement"]) == 2 * 3 * 3, "per dataset, metric and pair of strategies"
    assert set(v["bridge_agreement"]) <= verdicts, v["bridge_agreement"]
    for model in ("XLM-R", "LaBSE"):
        s = v["scorecard"][model]
        assert s["cells"] > 0 and 0 <= s["reproduced"] <= s["same_sign"] <= s["cells"]


def test_03_cross_dataset_variant(tmp_path):
    protocol = "mlqa-r>xquad-r"  # train on MLQA-R, test on XQuAD-R: one evaluation set, no bridge
    (nb,) = notebooks(["03_"])
    execute(nb, "smoke", out_dir=tmp_path, parameters={"protocol": protocol})
    v = recorded(variant_name("03_main_results", {"protocol": protocol}), "smoke")
    assert v["protocol"] == protocol
    assert v["primary"] == "partial fine-tuning", "the protocol's partial grid, once trained, is the primary evidence"
    assert v["n_runs"]["partial fine-tuning"] == 3 * 2, "three strategies x the smoke preset's two seeds"
    assert v["verdicts"] and all(" | xquad-r | " in k or " | miracl | " in k for k in v["verdicts"]), (
        "claims are tested on the protocol's test set only: " + ", ".join(v["verdicts"])
    )
    assert v["bridge_runs"] == 0, "the bridge trains on mlqa-test; the variant must not show it"
    assert v["every_block_runs"] == 3 * 2, "every block (both blocks of the tiny model) x three strategies x two seeds"
    allowed = {
        "agree",
        "disagree",
        "neither resolved",
        "resolved under every block only",
        "resolved under top 2 blocks only",
    }
    assert v["regime_agreement"] and set(v["regime_agreement"]) <= allowed, v["regime_agreement"]


def test_04_language_bias(run):
    v = run("04_")
    assert set(v["rd_cut_vs_xx"]) == {"xquad-r", "mlqa-r"}
    assert set(v["median_other_language_rank"]) == {"zero-shot", "X-X-mono", "X-Y", "Hybrid"}
    assert v["primary"] == "partial fine-tuning", "the smoke partial grid is the primary track"
    agree = v["agreement"]
    assert agree, "the language-preference runs are computed in smoke and compared with rank distance"
    assert {a["metric"] for a in agree} == {"rank distance", "LPR", "1 − MRC", "top-1 wrong, query language"}
    assert len(agree) == 4 * 3, "four bias metrics x three strategy pairs"
    allowed = {"—", "agree", "disagree", "unresolved"}
    assert {a["agrees with rank distance"] for a in agree} <= allowed
    primary = v["primary_agreement"]
    assert primary and len(primary) == 4 * 3, "the smoke partial runs carry the metrics: the primary track is compared"
    assert {a["agrees with rank distance"] for a in primary} <= allowed
    assert figure_path("04_top1_xquad-r_partial", "smoke").exists(), "the primary track's top-1 figure is drawn"
    every = v["every_block_agreement"]
    assert set(every) == {"mlqa-r>xquad-r", "xquad-r>mlqa-r"}, "smoke trains every block on both cross protocols"
    assert all(len(rows) == 4 * 3 for rows in every.values()), "four bias metrics x three strategy pairs, per protocol"
    assert {a["agrees with rank distance"] for rows in every.values() for a in rows} <= allowed


def test_05_miracl(run):
    v = run("05_")
    assert set(v["mean_ndcg10"]) == {"X-X-mono", "X-Y", "Hybrid", "zero-shot"}
    assert v["mde_pooled"] >= 0, "a minimum detectable difference is reported (NaN fails)"
    assert v["n_effects"] == 2 * 3, "nDCG@10 and R@100 x three comparisons"
    assert v["published_me5_langs"] == 6, "mE5-small's published MIRACL figures are shown for the six languages"


def test_06_alpha_sweep(run):
    v = run("06_")
    assert v["n_runs"] == 3 * 3 * 2, "three protocols x three smoke alphas x two seeds"
    assert all(set(b) == {"Mo_mAP", "Cr_mAP", "Mul_mAP", "RD"} for b in v["best_alpha"].values())
    assert v["n_partial"] == 3 * 2, "the partial track's alpha curve: three smoke alphas x two seeds"


def test_07_scaling_lowres(run):
    v = run("07_")
    sizes = list(v["sizes"].values())
    assert sizes == sorted(sizes) and sizes[0] > 0, "deeper prefixes have more non-embedding parameters"
    assert v["n_runs"] == 3 * 3 and v["n_references"] == 2 and v["missing"] == 0, (
        "smoke: top block at L1 and L2, every block at L2, x three strategies x one seed; one untrained model per size"
    )
    assert v["n_diffs"] == 2 * 3, "Hybrid - best single at both sizes on three cells"
    assert v["n_block_orders"] == 3, "at L2 every block and the top block both have three strategies: an order per cell"
    assert v["n_block_diffs"] == 2 * 3, "Hybrid - best single per variant (top block, every block) on three cells"
    assert v["mdd_macro"] >= 0, "a minimum detectable difference is reported (NaN or None fails)"
    assert v["published_me5_langs"] == 6, "mE5-small's published MIRACL figures beside the untrained full-depth model"
    assert v["n_mixed"] == 3, "X-X (mixed): top block at L1 and L2, every block at L2"
    assert v["n_bitext"] == 2 + 2 * 4 + 4, (
        "FLORES / Tatoeba: both references, 4 strategies x 2 sizes, every block at L2"
    )
    assert v["n_trends"] == 3 * 5, "a slope for each of 3 contrasts x 5 cells over the two sizes"
    assert set(v["trend_verdicts"]) <= {"rises", "falls", "no resolved change"}


def test_08_neutrality(run):
    v = run("08_")
    assert v["best_free"].endswith("(no training)")
    assert 0 < v["best_free_mul"] <= 1 and 0 < v["best_trained_mul"] <= 1
    assert v["shift_pairs"] and all(n == 40 for n in v["shift_pairs"].values()), (
        "SHIFT: the smoke preset's 40 pairs a language"
    )
    assert v["n_pref_rows"] >= 3, "language preference of untrained, SHIFT and LIR at least"
    diffs = v["head_diffs"]
    assert {(d["transform"], d["head"]) for d in diffs} == {
        (t, s)
        for t in ("center-train", "center-eval", "shift-ntrex", "lir-ntrex")
        for s in ("X-X-mono", "X-Y", "Hybrid")
    }, "every transform under every strategy's head has the metrics (back-filled or its own)"
    assert all(d["ci_low"] <= d["diff"] <= d["ci_high"] for d in diffs), "each estimate inside its CI"
    assert v["n_free_diffs"] == 6 * 3, "six training-free transforms x three bias metrics against the untrained encoder"
    assert v["n_composition_on_shift_lir"] == 2 * 2, (
        "Hybrid against X-X-mono and X-Y on SHIFT'd and on LIR'd embeddings"
    )
    published = {(d["published"], d["metric"]) for d in v["as_published"]}
    assert len(published) == 3 * 6, "SHIFT, LIR r=1, LIR r=2/1 as published x (4 retrieval + 2 preference metrics)"
    assert all(d["ci_low"] <= d["diff"] <= d["ci_high"] for d in v["as_published"]), "each estimate inside its CI"
