"""Reader-facing tables and paired-test rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hybridlib.analysis.stats import holm, paired_rows
from hybridlib.analysis.tables import finetune_summary


def test_finetune_summary_reduces_seeds():
    idx = pd.MultiIndex.from_tuples(
        [("m", "X-Y"), ("m", "X-Y"), ("m", "zero-shot (same subsample)")], names=["model", "strategy"]
    )
    ft = pd.DataFrame(
        {"seed": [0, 1, None], "steps/s": [0.1, 0.3, None], "xquad-r Mul_mAP": [0.5, 0.7, 0.3]}, index=idx
    )
    out = finetune_summary(ft)
    assert out.loc[("m", "X-Y"), "n_seeds"] == 2
    assert out.loc[("m", "X-Y"), "xquad-r Mul_mAP"].startswith("0.6000 ± "), "mean over seeds with a CI"
    assert out.loc[("m", "zero-shot (same subsample)"), "xquad-r Mul_mAP"] == "0.3000", "one value: no CI"
    assert out.loc[("m", "X-Y"), "steps/s (median)"] == 0.2


def test_paired_rows_align_on_common_queries():
    a = pd.Series([0.9, 0.8, 0.7, 0.6], index=["q1", "q2", "q3", "q4"])
    b = pd.Series([0.5, 0.5, 0.5], index=["q2", "q3", "q9"])  # only q2, q3 shared
    rows = paired_rows({"a": a, "b": b, "c": a}, [("a", "b"), ("a", "c")], dataset="toy")
    assert rows[0]["n"] == 2 and np.isclose(rows[0]["diff"], 0.25), "difference over the shared queries only"
    assert rows[1]["diff"] == 0 and rows[1]["dataset"] == "toy" and rows[1]["comparison"] == "a − c"
    assert (holm([r["p"] for r in rows]) >= [r["p"] for r in rows]).all()


def _record(protocol, alpha, seed, mo):
    summary = {"Mo_mAP": mo, "Cr_mAP": 0.5, "Mul_mAP": 0.4, "RD": 100.0, "Mo_R@1": 0, "Cr_R@1": 0, "Mul_R@10": 0}
    cfg = {"protocol": protocol, "alpha": alpha, "seed": seed, "model": "m", "transform": "none"}
    return {"config": cfg, "results": {"xquad-r": {"summary": summary}}}


def test_alpha_curve_has_one_row_per_cell_with_seed_counts():
    from hybridlib.analysis.tables import alpha_curve

    recs = [_record("p", a, s, 0.7 + 0.1 * a + 0.01 * s) for a in (0.0, 0.5, 1.0) for s in (0, 1)]
    curve = alpha_curve(recs)
    assert len(curve) == 3 * 4 and set(curve.n) == {2}
    mo = curve[curve.metric == "Mo_mAP"].set_index("alpha")["mean"]
    np.testing.assert_allclose(mo.to_numpy(), [0.705, 0.755, 0.805])
    assert (curve.low <= curve["mean"]).all() and (curve["mean"] <= curve.high).all()


def test_table1_sets_the_papers_means_beside_ours():
    from hybridlib.analysis.tables import table1

    recs = [_record("p", a, s, 0.7) for a in (0.0, 0.5, 1.0) for s in (0, 1)]
    t = table1(recs, "xquad-r", columns=("Mo_mAP",))
    assert t.loc[("Hybrid", "paper XLM-R"), "Mo_mAP"] == "0.7977", "the paper's Table 3 mean, read from data/paper"
    assert t.loc[("Hybrid", "ours (2 seeds)"), "Mo_mAP"].startswith("0.7000")


def test_alpha_trend_recovers_a_planted_slope_and_finds_none_where_there_is_none():
    from hybridlib.analysis.tables import alpha_trend

    rng = np.random.default_rng(0)
    recs = []
    for a in (0.0, 0.25, 0.5, 0.75, 1.0):
        for s in range(3):
            r = _record("p", a, s, 0.7 + 0.002 * rng.standard_normal())  # Mo: flat, seed noise only
            r["results"]["xquad-r"]["summary"]["Mul_mAP"] = 0.52 - 0.03 * a + 0.002 * rng.standard_normal()
            recs.append(r)
    t = alpha_trend(recs).set_index("metric")
    mul, mo = t.loc["Mul_mAP"], t.loc["Mo_mAP"]
    assert mul.n == 15 and mul.low < -0.03 < mul.high, f"the planted slope -0.03 lies in the CI, got {mul.to_dict()}"
    assert mul.high < 0 and mul.p < 1e-6, "a slope 15× the noise is detected"
    assert mo.low < 0 < mo.high and mo.p > 0.05, f"no slope planted in Mo, none found: {mo.to_dict()}"
    assert alpha_trend([r for r in recs if r["config"]["alpha"] == 0.5]).empty, "one α: no slope to fit"


def test_published_me5_sits_beside_ours_per_language_with_its_pool():
    from hybridlib.analysis.tables import me5_published_beside

    ours = pd.DataFrame(
        {"nDCG@10": [0.9, 0.5, 0.7], "R@100": [1.0, 0.8, 0.9], "n_queries": [45, 43, 0]}, index=["yo", "sw", "mean"]
    )
    t = me5_published_beside(ours, "ours")
    assert "mean" not in t.index and len(t) == 6, "one row per published language, our summary rows dropped"
    assert t.loc["yo", "ours nDCG@10"] == 0.9 and t.loc["sw", "ours R@100"] == 0.8, "our values land on their language"
    assert np.isnan(t.loc["te", "ours nDCG@10"]), "a language we did not evaluate stays empty, never zero"
    assert t.loc["yo", "published nDCG@10"] == 0.45278 and t.loc["yo", "published pool"] == "full corpus"
