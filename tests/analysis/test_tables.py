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
