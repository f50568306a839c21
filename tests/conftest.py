"""Hermetic test settings: offline hub, no progress bars, a private cache directory."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "agg")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Models and embeddings built by tests go to a throwaway directory, results too."""
    root = tmp_path_factory.mktemp("hybridlib-cache")
    old = {k: os.environ.get(k) for k in ("HYBRIDLIB_CACHE", "HYBRIDLIB_RESULTS", "HYBRIDLIB_FIGURES")}
    shared = os.environ.get("HYBRIDLIB_TEST_CACHE")  # reuse converted models across local runs
    os.environ["HYBRIDLIB_CACHE"] = shared or str(root / "cache")
    os.environ["HYBRIDLIB_RESULTS"] = str(root / "results")
    os.environ["HYBRIDLIB_FIGURES"] = str(root / "figures")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def tiny_model():
    from hybridlib.models.registry import load_model

    return load_model("tiny-random")
