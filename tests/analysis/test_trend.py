"""The effect-vs-size slope against planted worlds: a planted slope is found, a flat one is not,
and the interval covers the truth about 95 % of the time with 3 seeds."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.analysis.inference import Sample
from hybridlib.analysis.trend import effect_trend, trend_sentence

SIZES = (3.5e6, 7.1e6, 10.6e6, 21.3e6)


def world(slope: float, rng, n_q: int = 120, seeds: int = 3, seed_sd: float = 0.01, langs=("sw", "yo")):
    """Per size: A = base + question difficulty + slope·ln P + seed noise + query noise, B = base + ..."""
    ids = np.array([f"{lang}/{i}" for lang in langs for i in range(n_q)])
    lg = np.array([q.split("/")[0] for q in ids])
    cl = np.array([q.split("/")[1] for q in ids])
    difficulty = np.tile(rng.normal(0, 0.1, n_q), len(langs))
    x = np.log(SIZES)
    pairs = {}
    for p, xi in zip(SIZES, x - x.mean(), strict=True):

        def runs(shift):
            per_seed = shift + rng.normal(0, seed_sd, (seeds, 1))
            return 0.5 + difficulty + per_seed + rng.normal(0, 0.05, (seeds, len(ids)))

        a = Sample(runs(slope * xi), lg, cl, ids)
        b = Sample(runs(0.0), lg, cl, ids)
        pairs[p] = (a, b)
    return pairs


def test_planted_slope_is_found():
    t = effect_trend(world(0.04, np.random.default_rng(0)), n_boot=1000)
    assert t.verdict == "rises", f"planted slope 0.04 per e-fold, got {t.slope:.4f} [{t.low:.4f}, {t.high:.4f}]"
    assert t.low < 0.04 < t.high
    assert list(t.effects.params) == sorted(SIZES)
    assert "rises" in trend_sentence("FLORES Cr mAP", "Hybrid − X-Y", t)
    assert effect_trend(world(-0.04, np.random.default_rng(1)), n_boot=1000).verdict == "falls"


def test_flat_world_covers_zero_about_95_percent():
    """With 3 seeds a plain seed bootstrap covers ~85 %; the √(n/(n−1)) widening brings it near 95 %."""
    rng = np.random.default_rng(5)
    n = 120
    covered = sum(effect_trend(world(0.0, rng, n_q=40), n_boot=400, seed=k).verdict == "no resolved change"
                  for k in range(n))  # fmt: skip
    assert 0.88 <= covered / n <= 0.995, f"coverage {covered}/{n} of a flat trend"


def test_needs_two_sizes():
    pairs = world(0.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least two sizes"):
        effect_trend({SIZES[0]: pairs[SIZES[0]]})


def test_scaling_trends_reads_stored_runs_by_size_and_holm_adjusts(planted_runs):
    """The planted runs (one size, three strategies) cloned at a second size with Hybrid shifted by
    +0.08 on every XQuAD-R query: Hybrid − X-X-mono rises between the sizes, X-Y − X-X-mono does not."""
    import copy

    from hybridlib.analysis import trend
    from hybridlib.analysis.scaling import CELLS

    small = [copy.deepcopy(r) for r in planted_runs]
    for r in small:
        r["config"]["model"] = "m:L2"
    big = [copy.deepcopy(r) for r in planted_runs]
    for r in big:
        r["config"]["model"] = "m:L4"
    from hybridlib.runs.store import arrays_of

    originals = {id(b): arrays_of(r) for b, r in zip(big, planted_runs, strict=True)}

    def shifted(record, subdir=""):
        arrays = dict(originals[id(record)]) if id(record) in originals else arrays_of(record, subdir)
        if id(record) in originals and record["config"]["alpha"] == 0.5:
            arrays["xquad-r/mono/mAP"] = arrays["xquad-r/mono/mAP"] + 0.08
        return arrays

    import hybridlib.analysis.scorecard as scorecard

    CELLS["planted Mo"] = ("xquad-r", "mono", "mAP")
    try:
        orig = scorecard.arrays_of
        scorecard.arrays_of = shifted
        table, effects = trend.scaling_trends(
            small + big, {"m:L2": 2e6, "m:L4": 4e6}, cells=("planted Mo",),
            contrasts=(("Hybrid", "X-X-mono"), ("X-Y", "X-X-mono")), n_boot=500,
        )  # fmt: skip
    finally:
        scorecard.arrays_of = orig
        del CELLS["planted Mo"]
    by = table.set_index("contrast")
    assert by.loc["Hybrid − X-X-mono", "verdict"] == "rises", table
    assert by.loc["Hybrid − X-X-mono", "slope/doubling"] == pytest.approx(0.08, abs=1e-3), (
        "two sizes one doubling apart (float16 arrays)"
    )
    assert by.loc["X-Y − X-X-mono", "slope/doubling"] == pytest.approx(0.0, abs=1e-9)
    assert "p_holm" in table and (table.p_holm >= table.p).all()
    assert set(effects.params) == {2e6, 4e6}


def test_one_seed_slopes_are_called_descriptive():
    import pandas as pd

    from hybridlib.analysis.trend import trends_answer

    row = {"contrast": "Hybrid − X-Y", "cell": "FLORES Cr mAP", "verdict": "falls", "slope/doubling": -0.009,
           "ci_low": -0.010, "ci_high": -0.008, "min detectable": 0.001, "seeds": "1/1, 1/1, 1/1",
           "resolved (Holm)": False}  # fmt: skip
    text = trends_answer(pd.DataFrame([row]))
    assert "falls on FLORES Cr mAP" in text and "descriptive: one seed" in text, text
