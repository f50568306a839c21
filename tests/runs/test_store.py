"""The results store: atomic records, keyed by config + data + format, verified on load."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from hybridlib.presets import get_preset
from hybridlib.runs import store
from hybridlib.runs.store import (
    MissingRunError,
    StaleRecordError,
    arrays_of,
    cached_run,
    list_runs,
    load_record,
    record_key,
)

DATA = {"eval": "abc"}


def _compute(calls, value=0.5):
    def compute():
        calls.append(1)
        arrays = {"d/query_id": np.array(["q1", "q2"]), "d/mAP": np.array([value, 1.0])}
        return {"x": value}, arrays, {"model": "m"}

    return compute


def test_cached_run_is_atomic_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    cfg = {"a": 1, "b": [1, 2]}
    calls = []

    def crash():
        raise RuntimeError("killed mid-run")

    with pytest.raises(RuntimeError):
        cached_run("t", cfg, crash, DATA)
    assert not list(tmp_path.rglob("*.json")), "a crashed run leaves no record"
    rec = cached_run("t", cfg, _compute(calls), DATA)
    again = cached_run("t", cfg, _compute(calls), DATA)
    assert len(calls) == 1 and again == rec, "a finished run is read back, not recomputed"
    assert rec["config_hash"] == record_key(cfg, DATA) and rec["versions"]["numpy"] and rec["wall_seconds"] >= 0
    assert json.loads((tmp_path / "t" / f"{rec['config_hash']}.json").read_text())["results"] == {"x": 0.5}
    stored = arrays_of(rec)
    assert stored["d/query_id"].tolist() == ["q1", "q2"], "query ids are restored from the shared id store"
    assert stored["d/mAP"].dtype == np.float16


def test_other_data_is_another_record(tmp_path, monkeypatch):
    """A run over other data (another language subset, cap or file) is never served the old record."""
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    calls = []
    a = cached_run("t", {"a": 1}, _compute(calls, 0.5), {"eval": "langs-en-de"})
    b = cached_run("t", {"a": 1}, _compute(calls, 0.7), {"eval": "langs-en"})
    assert len(calls) == 2 and a["results"] != b["results"] and a["config_hash"] != b["config_hash"]
    with pytest.raises(ValueError, match="fingerprints of the data"):
        cached_run("t", {"a": 1}, _compute(calls), {})


def test_half_written_rerun_is_never_served(tmp_path, monkeypatch):
    """A forced rerun that dies after writing new arrays but before its JSON: the old JSON no longer
    matches the arrays, so readers get an error and cached_run recomputes."""
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    calls = []
    rec = cached_run("t", {"a": 1}, _compute(calls, 0.5), DATA)
    npz = tmp_path / "t" / f"{rec['config_hash']}.npz"
    np.savez_compressed(npz, **{"d/mAP": np.array([0.1, 0.2], np.float16)})  # new arrays, old JSON
    assert load_record("t", {"a": 1}, DATA) is None
    with pytest.raises(StaleRecordError, match="SHA-256"):
        arrays_of(rec)
    with pytest.raises(StaleRecordError):
        list_runs("t")
    fresh = cached_run("t", {"a": 1}, _compute(calls, 0.5), DATA)
    assert len(calls) == 2 and arrays_of(fresh)["d/mAP"].tolist() == [0.5, 1.0]


def test_orphan_temp_files_are_cleaned(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    (tmp_path / "t").mkdir()
    old = tmp_path / "t" / ".abc.json.xyz.tmp"
    old.write_text("half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    young = tmp_path / "t" / ".def.json.xyz.tmp"
    young.write_text("being written")
    cached_run("t", {"a": 1}, _compute([]), DATA)
    assert not old.exists(), "an orphan of an interrupted write is removed"
    assert young.exists(), "a temporary file that may belong to a running writer is kept"


def test_read_only_refuses_to_compute(tmp_path, monkeypatch):
    from hybridlib.runs.store import MissingRunError

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    stored = cached_run("t", {"a": 1}, _compute([]), DATA)
    monkeypatch.setenv("HYBRIDLIB_READ_ONLY", "1")
    assert cached_run("t", {"a": 1}, _compute([]), DATA) == stored, "stored runs are still read"
    with pytest.raises(MissingRunError, match="is not stored under .* and HYBRIDLIB_READ_ONLY=1 forbids"):
        cached_run("t", {"a": 2}, _compute([]), DATA)


def test_a_field_added_later_keys_a_record_only_away_from_its_default():
    """``length_buckets`` came after records were stored: at its default the key is the one those
    records have (the field is not in the keyed dict); set to 4 it is a different run."""
    from hybridlib.runs.partial_runs import partial_config
    from hybridlib.runs.store import config_dict, record_key

    p = get_preset("cpu")
    cfg = partial_config(p, "mlqa-test", 0.5, 0)
    old = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "length_buckets"}
    assert config_dict(cfg) == old, "the default length_buckets entered the key of an existing run"
    data = {"eval": "e", "train": "t"}
    assert record_key(cfg, data) == record_key(old, data)
    bucketed = partial_config(p, "mlqa-test", 0.5, 0, length_buckets=4)
    assert config_dict(bucketed)["length_buckets"] == 4
    assert record_key(bucketed, data) != record_key(cfg, data), "a bucketed run would be served the unbucketed record"


@pytest.mark.parametrize("value", ["yes", "true", "2", " 1"])
def test_read_only_rejects_values_other_than_0_and_1(tmp_path, monkeypatch, value):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    monkeypatch.setenv("HYBRIDLIB_READ_ONLY", value)
    with pytest.raises(ValueError, match="HYBRIDLIB_READ_ONLY must be 0 or 1"):
        cached_run("k", {"a": 1}, _compute([]), DATA)


def test_missing_run_error_names_the_stage_and_preset(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    monkeypatch.setenv("HYBRIDLIB_READ_ONLY", "1")
    with pytest.raises(MissingRunError, match=r"run_experiments.py <.*every-block.*> --preset smoke"):
        cached_run("partial-ft", {"preset": "smoke", "a": 1}, _compute([]), DATA)


def _ids_file(tmp_path) -> Path:
    (ids,) = (tmp_path / "ids").glob("*.npz")
    return ids


@pytest.mark.parametrize("damage", ["corrupt", "reordered"])
def test_a_damaged_shared_ids_file_is_refused_on_load_and_rewritten_by_a_forced_rerun(tmp_path, monkeypatch, damage):
    """A reordered ids file would attach every value to the wrong query: it must never load."""
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    rec = cached_run("k", {"a": 1}, _compute([]), DATA)
    ids = _ids_file(tmp_path)
    if damage == "corrupt":
        ids.write_bytes(b"not an npz")
    else:
        np.savez_compressed(ids, ids=np.array(["q2", "q1"]))
    store._ARRAYS.clear()
    with pytest.raises(StaleRecordError, match=r"query ids of .* force=True"):
        arrays_of(rec)
    calls = []
    rec = cached_run("k", {"a": 1}, _compute(calls), DATA, force=True)
    store._ARRAYS.clear()
    assert calls and arrays_of(rec)["d/query_id"].tolist() == ["q1", "q2"], "the forced rerun repaired the ids"


def test_the_record_names_the_digest_of_the_bytes_it_wrote_and_a_second_writer_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    js, npz = store.run_paths("k", {"a": 1}, DATA)

    def racing():  # another writer of the same record, while this one holds its lock
        with pytest.raises(store.RecordLockedError, match="another process is computing"):
            with store.record_lock(js):
                pass
        return _compute([])()

    rec = cached_run("k", {"a": 1}, racing, DATA)
    assert rec["arrays_sha256"] == store.file_sha256(npz) and not js.with_suffix(".lock").exists()


def test_adopt_records_replaces_same_key_and_refuses_a_stale_source(tmp_path, monkeypatch):
    """A rerun store's record (same key, more metrics) replaces the committed one, with the ids files
    it references; a source with one stale record adopts nothing at all."""
    from hybridlib.runs.store import adopt_records

    committed, rerun = tmp_path / "results", tmp_path / "rerun"
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(committed))
    old = cached_run("t", {"a": 1}, _compute([], 0.5), DATA)
    kept = cached_run("t", {"a": 2}, _compute([], 0.25), DATA)
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(rerun))

    def richer():
        arrays = {"d/query_id": np.array(["q9", "q8"]), "d/mAP": np.array([0.5, 1.0]), "d/LPR": np.array([1.0, 0.0])}
        return {"x": 0.5, "LPR": 0.5}, arrays, {"model": "m"}

    new = cached_run("t", {"a": 1}, richer, DATA)
    assert new["config_hash"] == old["config_hash"], "a rerun of the same config has the committed key"
    assert adopt_records(rerun, committed, "t") == [new["config_hash"]]
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(committed))
    got = load_record("t", {"a": 1}, DATA)
    assert got is not None and got["results"] == {"x": 0.5, "LPR": 0.5}, "the committed record is replaced"
    assert arrays_of(got)["d/query_id"].tolist() == ["q9", "q8"], "its new ids file came along"
    assert load_record("t", {"a": 2}, DATA) == kept, "records the rerun lacks are untouched"
    assert adopt_records(rerun, committed, "t") == [new["config_hash"]], "adopting again is harmless"

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(rerun))
    cached_run("t", {"a": 3}, _compute([], 0.75), DATA)
    bad = rerun / "t" / f"{new['config_hash']}.npz"
    np.savez_compressed(bad, **{"d/mAP": np.array([0.1, 0.2], np.float16)})
    with pytest.raises(StaleRecordError, match=new["config_hash"]):
        adopt_records(rerun, committed, "t")
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(committed))
    assert load_record("t", {"a": 3}, DATA) is None, "nothing is adopted from a source with a stale record"
