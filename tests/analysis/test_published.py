"""Published SHIFT / LIR beside the study's variants: planted differences are found, and only those."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.analysis.published import published_sentence, published_vs_study
from hybridlib.runs.store import cached_run


def _record(tmp_path, name: str, mul_shift: float) -> dict:
    rng = np.random.default_rng(0)  # the same per-query values for both runs, but the planted shift
    ids = np.array([f"{lang}/q{i}" for lang in ("en", "de", "th") for i in range(200)])
    base = rng.uniform(0.2, 0.8, len(ids))
    arrays = {}
    for setting in ("mono", "cross", "multi"):
        arrays[f"xquad-r/{setting}/query_id"] = ids
        arrays[f"xquad-r/{setting}/mAP"] = base + (mul_shift if setting == "multi" else 0.0)
    arrays["xquad-r/multi/rank_distance"] = np.round(10 * base)
    return cached_run("transform", {"run": name}, lambda: ({"xquad-r": {}}, arrays, {}), {"eval": "x"})


def test_a_planted_multilingual_gap_is_resolved_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    pub, study = _record(tmp_path, "published", 0.05), _record(tmp_path, "study", 0.0)
    table = published_vs_study({"shift-ntrex-published": (pub, study)}, {}, n_boot=300).set_index("metric")
    assert table.loc["Mul mAP", "diff"] == pytest.approx(0.05, abs=2e-3), "the planted Mul mAP gap (float16 storage)"
    assert table.loc["Mul mAP", "resolved"], "a gap shared by every query is resolved"
    for metric in ("Mo mAP", "Cr mAP", "RD"):
        assert table.loc[metric, "diff"] == 0 and not table.loc[metric, "resolved"], f"{metric}: nothing planted"
    sentence = published_sentence(table.reset_index())
    assert "Mul mAP +0.05" in sentence and "1 of 4 metrics resolved" in sentence, sentence


def test_no_stored_run_says_what_to_run():
    import pandas as pd

    assert "shift-lir-published" in published_sentence(pd.DataFrame())
