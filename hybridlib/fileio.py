"""Atomic file writes: an interrupted run never leaves a half-written result behind."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def _atomic(path: Path, write) -> Path:
    def to_name(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())

    return write_by_name(path, to_name)


def write_by_name(path: str | Path, write) -> Path:
    """Atomic write for writers that take a file *name* (``write(tmp_name)``, e.g. ONNX export):
    the temporary file beside ``path`` replaces it only when ``write`` returns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON via a temporary file and ``os.replace``."""
    data = json.dumps(obj, indent=1, ensure_ascii=False, default=_default).encode()
    return _atomic(Path(path), lambda fh: fh.write(data))


def write_npz(path: str | Path, **arrays: np.ndarray) -> Path:
    """Write compressed ``.npz`` atomically."""
    return _atomic(Path(path), lambda fh: np.savez_compressed(fh, **arrays))


def write_npz_digest(path: str | Path, **arrays: np.ndarray) -> str:
    """Write compressed ``.npz`` atomically and return the SHA-256 of the bytes *this call* wrote
    (taken before the rename, so another writer's file can never be the one named)."""
    import hashlib
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    data = buf.getvalue()
    _atomic(Path(path), lambda fh: fh.write(data))
    return hashlib.sha256(data).hexdigest()


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: malformed JSON ({err})") from err


def _default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
