"""Training-free transform runs and answer-rank runs (:mod:`hybridlib.runs.transform_runs`,
:mod:`hybridlib.runs.bias_runs`): stored once, read back, keyed by what they read."""

from __future__ import annotations

import numpy as np

from hybridlib.presets import get_preset
from hybridlib.runs.bias_runs import run_answer_ranks
from hybridlib.runs.store import arrays_of
from hybridlib.runs.transform_runs import run_transform_only, stored_transform


def test_a_transform_run_is_stored_once_and_read_without_fitting(monkeypatch, tmp_path):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("smoke")
    assert stored_transform("center-train", p) is None, "nothing is stored yet"
    rec = run_transform_only("center-train", p)
    assert set(rec["data"]) == {"eval", "train"}, f"centring reads no NTREX: {rec['data']}"
    assert 0 < rec["results"]["xquad-r"]["summary"]["Mul_mAP"] <= 1
    again = stored_transform("center-train", p)
    assert again is not None and again["config_hash"] == rec["config_hash"] and again["finished"] == rec["finished"]


def test_answer_ranks_give_every_parallel_answer_one_rank_in_the_pool(monkeypatch, tmp_path):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("smoke")
    rec = run_answer_ranks(p, "xquad-r")
    arrays = arrays_of(rec, p.results_subdir)
    ranks, qids = arrays["xquad-r/answers/rank"], arrays["xquad-r/answers/query_id"]
    assert rec["results"]["n_answers"] == len(ranks) == len(qids)
    assert ranks.min() >= 1, "ranks are 1-based"
    per_query = np.unique(qids, return_counts=True)[1]
    assert per_query.min() >= 2, "each query has its answer in more than one language in the pooled setting"
    assert run_answer_ranks(p, "xquad-r")["finished"] == rec["finished"], "a stored record was recomputed"
