"""scripts/compact_store.py: balanced per-pair Cr arrays dropped, the Cr they give kept, the rest untouched."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from hybridlib.analysis.scorecard import cross_estimand
from hybridlib.runs.store import arrays_of, cached_run, list_runs

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compact_store.py"
spec = importlib.util.spec_from_file_location("compact_store", SCRIPT)
compact_store = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compact_store)


def _old_record_arrays(rng, questions=("q1", "q2", "q3"), langs=("en", "de", "es"), drop=()):
    """Arrays as the store held them before balanced pairs were recognised: per pair and per query.

    ``drop``: (query language, target language, question) triples missing, which unbalances the pairs."""
    pair_ids, pair_ap, pair_r1 = [], [], []
    for x in langs:
        for y in langs:
            for q in questions:
                if x != y and (x, y, q) not in drop:
                    ap = 1.0 / rng.integers(1, 6)
                    pair_ids.append(f"{x}>{y}/{q}")
                    pair_ap.append(ap)
                    pair_r1.append(float(ap == 1.0))
    pair_ids = np.array(pair_ids)
    query = np.array([f"{p.split('>')[0]}/{p.split('/')[1]}" for p in pair_ids])
    ids = np.unique(query)
    return {
        "t/cross_pair/query_id": pair_ids,
        "t/cross_pair/mAP": np.array(pair_ap),
        "t/cross_pair/R@1": np.array(pair_r1),
        "t/cross/query_id": ids,
        "t/cross/mAP": np.array([np.mean(np.array(pair_ap)[query == i]) for i in ids]),
        "t/cross/R@1": np.array([np.mean(np.array(pair_r1)[query == i]) for i in ids]),
        "t/mono/query_id": np.array(["en/q1", "de/q1"]),
        "t/mono/mAP": np.array([0.5, 1.0]),
    }


def test_balanced_pairs_are_dropped_and_their_cr_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    rng = np.random.default_rng(0)
    balanced = _old_record_arrays(rng)
    unbalanced = _old_record_arrays(rng, drop={("en", "de", "q2")})
    a = cached_run("k", {"run": "balanced"}, lambda: ({}, balanced, {}), {"eval": "x"})
    b = cached_run("k", {"run": "unbalanced"}, lambda: ({}, unbalanced, {}), {"eval": "y"})
    before = {r["config_hash"]: arrays_of(r) for r in (a, b)}
    ids_files = set((tmp_path / "ids").glob("*.npz"))

    tasks, freed = compact_store.compact_record(tmp_path / "k" / f"{a['config_hash']}.json")
    assert tasks == ["t per-pair arrays"] and freed > 0
    assert compact_store.compact_record(tmp_path / "k" / f"{b['config_hash']}.json") == ([], 0), (
        "unbalanced pairs (MLQA-R) must keep their per-pair arrays: the per-query means do not give their Cr"
    )
    after = {r["config_hash"]: arrays_of(r) for r in list_runs("k")}  # verifies every digest
    new = after[a["config_hash"]]
    assert "t/cross_pair/query_id" not in new and new["t/cross/pairs_balanced"].tolist() == [True]
    for k in ("t/cross/mAP", "t/cross/query_id", "t/mono/mAP"):
        assert np.array_equal(new[k], before[a["config_hash"]][k]), f"{k} must be kept unchanged"
    assert after[b["config_hash"]].keys() == before[b["config_hash"]].keys()
    by_pair, by_query = compact_store.pair_and_query_cr(before[a["config_hash"]], "t", "mAP")
    assert abs(by_pair - by_query) < 1e-3, "balanced pairs: per-query means give the pairs' Cr"
    assert compact_store.referenced_ids(tmp_path) < {p.stem for p in ids_files}, "the dropped pair ids are unused"
    compacted = [r for r in list_runs("k") if r["config_hash"] == a["config_hash"]]
    assert cross_estimand(compacted, "t") == "mean over ordered language pairs (as the tables)"


def test_a_mismatch_between_pairs_and_queries_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    arrays = _old_record_arrays(np.random.default_rng(1))
    arrays["t/cross/mAP"] = arrays["t/cross/mAP"] * 0.5  # per-query means that are not the pairs' means
    rec = cached_run("k", {"run": 1}, lambda: ({}, arrays, {}), {"eval": "x"})
    with pytest.raises(ValueError, match="Cr mAP from pairs"):
        compact_store.compact_record(tmp_path / "k" / f"{rec['config_hash']}.json")


def test_float_rank_distances_of_old_records_become_integers_read_back_identical(tmp_path, monkeypatch):
    """Records stored before whole-number rank distances were recognised hold them as float32: the
    compaction stores them as uint16, and reading gives the same float32 values in fewer bytes."""
    from hybridlib.fileio import read_json, write_json, write_npz
    from hybridlib.runs.store import file_sha256

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    rng = np.random.default_rng(2)
    rd = rng.integers(0, 13_000, 5_000).astype(np.float64)
    rec = cached_run(
        "k", {"run": "rd"}, lambda: ({}, {"t/multi/rank_distance": rd, "t/multi/mAP": rd / 13_000}, {}), {"eval": "x"}
    )
    js = tmp_path / "k" / f"{rec['config_hash']}.json"
    npz = js.with_suffix(".npz")
    with np.load(npz) as z:
        assert z["t/multi/rank_distance"].dtype == np.uint16, "a new record stores whole rank distances as integers"
        old = {k: z[k] for k in z.files}
    write_npz(npz, **old | {"t/multi/rank_distance": rd.astype(np.float32)})  # as the store used to write it
    write_json(js, {**read_json(js), "arrays_sha256": file_sha256(npz)})
    before, size = arrays_of(read_json(js)), npz.stat().st_size

    changed, freed = compact_store.compact_record(js)
    assert changed == ["t/multi/rank_distance as integers"] and freed > 0 and npz.stat().st_size < size
    after = arrays_of(read_json(js))
    assert after["t/multi/rank_distance"].dtype == np.float32
    assert np.array_equal(after["t/multi/rank_distance"], before["t/multi/rank_distance"]), "values changed"
    assert compact_store.compact_record(js) == ([], 0), "a compacted record is left alone"


def test_rank_distances_that_are_not_whole_numbers_stay_float():
    from hybridlib.runs.store import whole_rank_distances

    assert whole_rank_distances(np.array([0.0, 3.0, 70_000.0])).dtype == np.uint32
    for bad in ([0.5, 1.0], [-1.0, 2.0], [np.nan, 1.0], []):
        assert whole_rank_distances(np.array(bad)) is None, f"{bad} must stay float32"


def test_a_pruned_task_keeps_its_summary_and_reading_its_arrays_says_it_was_pruned(tmp_path, monkeypatch):
    from hybridlib.fileio import read_json

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    arrays = {"a/multi/mAP": np.linspace(0, 1, 50), "b/multi/mAP": np.linspace(1, 0, 50)}
    summary = {"a": {"summary": {"Mul_mAP": 0.5}}, "b": {"summary": {"Mul_mAP": 0.5}}}
    rec = cached_run("k", {"run": "prune"}, lambda: (summary, arrays, {}), {"eval": "x"})
    js = tmp_path / "k" / f"{rec['config_hash']}.json"
    before = arrays_of(rec)

    assert compact_store.prune_record(js, ["b"], "unread here") > 0
    after_record = read_json(js)
    assert after_record["results"] == rec["results"], "summaries must be kept"
    assert after_record["pruned_arrays"] == {"tasks": ["b"], "why": "unread here"}
    after = arrays_of(after_record)  # verifies the new digest
    assert np.array_equal(after["a/multi/mAP"], before["a/multi/mAP"]) and "b/multi/mAP" not in after
    with pytest.raises(KeyError, match="pruned from .*unread here.*force=True"):
        after["b/multi/mAP"]
    with pytest.raises(KeyError, match="^'c/x'$"):
        after["c/x"]  # not pruned, merely absent: the plain KeyError
    assert compact_store.prune_record(js, ["b"], "unread here") == 0, "pruning twice changes nothing"


def test_prune_unread_drops_every_array_but_never_one_the_trace_shows_read(tmp_path, monkeypatch):
    from hybridlib.fileio import read_json
    from hybridlib.runs import grids

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    arrays = {"a/multi/mAP": np.linspace(0, 1, 50), "b/multi/mAP": np.linspace(1, 0, 50)}
    sub = "smoke"  # the smoke preset's results subdir
    rec = cached_run("head", {"run": "inner α"}, lambda: ({"a": {}, "b": {}}, arrays, {}), {"eval": "x"}, subdir=sub)
    npz = tmp_path / sub / "head" / f"{rec['config_hash']}.npz"
    monkeypatch.setattr(compact_store, "UNREAD", {"toy": (lambda preset: ["cfg"], "unread in the toy")})
    monkeypatch.setattr(grids, "split_grid", lambda configs, preset: ([rec], []))

    trace = tmp_path / "reads.txt"
    monkeypatch.setenv("HYBRIDLIB_TRACE_READS", str(trace))
    arrays_of(rec, sub)  # a notebook reads it: the trace names its file
    monkeypatch.delenv("HYBRIDLIB_TRACE_READS")
    assert trace.read_text().split() == [str(npz.resolve())], "HYBRIDLIB_TRACE_READS names each npz read"
    with pytest.raises(SystemExit, match="trace shows its arrays read"):
        compact_store.prune_unread("smoke", trace)
    assert read_json(npz.with_suffix(".json")).get("pruned_arrays") is None, "a read record stays whole"

    n, saved = compact_store.prune_unread("smoke", None)
    assert (n, saved > 0) == (1, True)
    after = read_json(npz.with_suffix(".json"))
    assert after["pruned_arrays"] == {"tasks": ["a", "b"], "why": "unread in the toy"}
    with pytest.raises(KeyError, match="pruned from .*git history"):
        arrays_of(after, sub)["a/multi/mAP"]
