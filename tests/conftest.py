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


@pytest.fixture()
def seen_batches(monkeypatch) -> list:
    """The (q_lang, p_lang) rows of every batch the trainer's StrategyBatchSampler yields in a test."""
    from hybridlib.train import samplers

    seen = []
    original = samplers.StrategyBatchSampler.__iter__

    def spy(self):
        for batch in original(self):
            seen.append(self.composer.examples.loc[batch, ["q_lang", "p_lang"]])
            yield batch

    monkeypatch.setattr(samplers.StrategyBatchSampler, "__iter__", spy)
    return seen


@pytest.fixture(scope="session")
def tiny_model():
    from hybridlib.models.registry import load_model

    return load_model("tiny-random")


PLANTED_LANGS = ("en", "de", "ar")
PLANTED_ALPHA = {"X-X-mono": 1.0, "X-Y": 0.0, "Hybrid": 0.5}
# planted: X-X-mono clearly best in Mo, X-Y clearly best in Cr (as the paper claims)
PLANTED_MEANS = {"X-X-mono": (0.80, 0.60, 0.50), "X-Y": (0.70, 0.70, 0.55), "Hybrid": (0.70, 0.60, 0.52)}
PLANTED_SUMMARY = {"mono": ("Mo_mAP", "Mo_R@1"), "cross": ("Cr_mAP", "Cr_R@1"), "multi": ("Mul_mAP", "Mul_R@10")}


@pytest.fixture(scope="session")
def planted_runs(tmp_path_factory):
    """Stored runs with planted effects: 3 seeds per strategy on a toy XQuAD-R only (no MLQA-R),
    per-query arrays around :data:`PLANTED_MEANS` (Mo, Cr, Mul) with a shared per-question effect,
    summaries consistent with the arrays, rank distance 600 ± noise for every strategy."""
    import numpy as np

    from hybridlib.runs.store import cached_run

    os.environ["HYBRIDLIB_RESULTS"] = str(tmp_path_factory.mktemp("planted-results"))
    rng = np.random.default_rng(0)
    n = 150
    ids = np.array([f"{lang}/q{i}" for lang in PLANTED_LANGS for i in range(n)])
    question = np.tile(rng.normal(0, 0.05, n), len(PLANTED_LANGS))
    out = []
    for strategy, means in PLANTED_MEANS.items():
        for seed in range(3):
            arrays, summary = {}, {}
            for (setting, columns), mean in zip(PLANTED_SUMMARY.items(), means):
                arrays[f"xquad-r/{setting}/query_id"] = ids
                for metric in ("mAP", "R@1", "R@10"):
                    arrays[f"xquad-r/{setting}/{metric}"] = np.clip(
                        mean + question + rng.normal(0, 0.02, len(ids)), 0, 1
                    )
                summary |= {c: float(arrays[f"xquad-r/{setting}/{c.split('_')[1]}"].mean()) for c in columns}
            arrays["xquad-r/multi/rank_distance"] = 600 + 100 * question + rng.normal(0, 20, len(ids))
            summary["RD"] = float(arrays["xquad-r/multi/rank_distance"].mean())
            cfg = {"protocol": "synthetic", "alpha": PLANTED_ALPHA[strategy], "seed": seed}
            results = {"xquad-r": {"summary": summary}}
            out.append(cached_run("synthetic", cfg, lambda r=results, a=arrays: (r, a, {}), {"eval": "planted"}))
    return out
