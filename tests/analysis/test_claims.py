"""The claims table on synthetic stored runs with planted effects: supported, null, reversed."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.analysis.claims import claims_table, equivalence_margin
from hybridlib.analysis.scorecard import scorecard, summary_line
from hybridlib.runs.store import cached_run

LANGS = ("en", "de", "ar")
ALPHA = {"X-X-mono": 1.0, "X-Y": 0.0, "Hybrid": 0.5}
NAME = {"X-X-mono": "x-x-mono", "X-Y": "x-y", "Hybrid": "hybrid"}
# planted means: X-X-mono clearly best in Mo, X-Y clearly best in Cr, Hybrid clearly worst in Mul
MEANS = {
    "X-X-mono": {"mono": 0.80, "cross": 0.60, "multi": 0.50, "rd": 800.0},
    "X-Y": {"mono": 0.70, "cross": 0.70, "multi": 0.50, "rd": 700.0},
    "Hybrid": {"mono": 0.70, "cross": 0.60, "multi": 0.40, "rd": 500.0},
}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    import os

    os.environ["HYBRIDLIB_RESULTS"] = str(tmp_path_factory.mktemp("claims-results"))
    rng = np.random.default_rng(0)
    n = 200
    ids = np.array([f"{lang}/q{i}" for lang in LANGS for i in range(n)])
    question = np.tile(rng.normal(0, 0.05, n), len(LANGS))  # parallel questions share difficulty
    out = []
    for strategy, m in MEANS.items():
        for seed in range(3):
            arrays = {}
            for setting in ("mono", "cross", "multi"):
                arrays[f"xquad-r/{setting}/query_id"] = ids
                for metric in ("mAP", "R@1", "R@10"):
                    noise = rng.normal(0, 0.02, len(ids))
                    arrays[f"xquad-r/{setting}/{metric}"] = np.clip(m[setting] + question + noise, 0, 1)
            arrays["xquad-r/multi/rank_distance"] = m["rd"] + 100 * question + rng.normal(0, 20, len(ids))
            cfg = {"protocol": "synthetic", "strategy": NAME[strategy], "alpha": ALPHA[strategy], "seed": seed}
            out.append(
                cached_run(
                    "synthetic",
                    cfg,
                    lambda arrays=arrays: ({"xquad-r": {"summary": {}}}, arrays, {}),
                    {"eval": "planted"},
                )
            )
    return out


def _verdict(df, claim, comparison):
    row = df[(df.claim == claim) & (df.comparison == comparison)]
    assert len(row) == 1, f"no single row for {claim} / {comparison}"
    return row.verdict.iloc[0]


def test_planted_effects_get_the_right_verdicts(records):
    df = claims_table(records, protocol="synthetic", datasets=("xquad-r",), n_boot=400)
    assert _verdict(df, "X-X-mono best in Mo (mAP)", "X-X-mono − X-Y") == "supported", "planted +0.10 Mo"
    assert _verdict(df, "X-Y best in Cr (mAP)", "X-Y − X-X-mono") == "supported", "planted +0.10 Cr"
    assert _verdict(df, "X-Y best in Cr (mAP)", "X-Y − Hybrid") == "supported"
    assert _verdict(df, "Hybrid best or close in Mul (mAP)", "Hybrid − X-X-mono") == "contradicted", (
        "Hybrid planted 0.10 below, far beyond the margin"
    )
    assert _verdict(df, "X-X-mono best in Mo (mAP)", "X-X-mono − Hybrid") == "supported"
    # X-Y and Hybrid have the same planted Mo: neither is claimed better -> no verdict of superiority
    mo_null = df[(df.claim == "Hybrid highest mean of Mo and Cr (mAP)") & (df.comparison == "Hybrid − X-Y")]
    assert mo_null.verdict.iloc[0] == "contradicted", "Hybrid's (Mo+Cr)/2 is planted 0.05 below X-Y's"
    cut = df[df.claim.str.startswith("Hybrid cuts rank distance")]
    assert cut.verdict.iloc[0] == "exceeds (cut above 30%)", "planted 37.5%: above the claimed 13-30%, not within it"
    assert cut.effect.iloc[0] == pytest.approx(0.375, abs=0.02)
    assert (df.p_holm.dropna() >= df.p_claim.dropna()).all(), "Holm never lowers a p-value"


def test_null_effect_is_inconclusive(records):
    df = claims_table(records, protocol="synthetic", datasets=("xquad-r",), n_boot=400)
    # Mul: X-X-mono and X-Y planted equal -> X-Y vs X-X-mono appears in no superiority claim, but the
    # Mo of X-Y and Hybrid are equal: X-X-mono best in Mo is supported against both, never contradicted
    assert "contradicted" not in set(df[df.claim.str.startswith("X-X-mono best in Mo")].verdict)
    eq = df[df.claim == "Hybrid matches X-Y on rank distance"]
    assert eq.verdict.iloc[0] == "contradicted", "RD planted 29% below X-Y: far outside ±5%"


def test_scorecard_summary_counts(records, monkeypatch):
    card = scorecard(records, n_boot=200)
    assert len(card) == 7 * 3, "seven XQuAD-R cells x three comparisons (no MLQA-R / MIRACL runs here)"
    assert "effects with the paper's sign" in summary_line(card)
    assert 0 < equivalence_margin() < 0.01


def test_holm_runs_over_both_directions_as_one_family():
    """p_claim 0.01 and p_opposite 0.02 / 0.5 are one family of three: Holm gives 0.03, 0.04, 0.5
    (two separate families would have left 0.01 and 0.02 unadjusted against 5%)."""
    import numpy as np
    import pandas as pd

    from hybridlib.analysis.claims import adjust_family

    df = pd.DataFrame({"p_claim": [0.01, np.nan, np.nan], "p_opposite": [0.02, 0.5, np.nan]})
    out = adjust_family(df)
    np.testing.assert_allclose(out.p_holm.to_numpy()[:1], [0.03])
    np.testing.assert_allclose(out.p_opposite_holm.to_numpy()[:2], [0.04, 0.5])
    assert np.isnan(out.p_holm[1]) and np.isnan(out.p_holm[2]) and np.isnan(out.p_opposite_holm[2])


def test_borderline_marks_exactly_the_verdicts_the_correction_changes(records):
    df = claims_table(records, protocol="synthetic", datasets=("xquad-r",), n_boot=400)
    assert {"verdict (uncorrected seeds)", "borderline"} <= set(df.columns)
    assert (df.borderline == (df.verdict != df["verdict (uncorrected seeds)"])).all()
    strong = df[(df.claim == "X-Y best in Cr (mAP)") & (df.comparison == "X-Y − X-X-mono")]
    assert not strong.borderline.iloc[0], "a planted +0.10 effect survives the correction"


def test_each_non_inferiority_row_uses_its_own_metric_margin(records):
    df = claims_table(records, protocol="synthetic", datasets=("xquad-r",), n_boot=200)
    rows = df[df.test == "non-inferiority"]
    assert len(rows), "the synthetic world has non-inferiority claims"
    for r in rows.itertuples():
        metric = "R@10" if "(R@10)" in r.claim else "mAP"
        assert r.margin == pytest.approx(equivalence_margin(metric)), f"{r.claim}: margin of {metric}"
    assert equivalence_margin("R@10") != equivalence_margin("mAP"), "R@10 gets its own margin, not mAP's"
    with pytest.raises(ValueError, match="no non-inferiority margin"):
        equivalence_margin("MRR")
