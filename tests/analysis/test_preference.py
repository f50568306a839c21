"""Bias metrics against rank distance on planted stored runs: which runs carry the metrics, and
whether planted orders come out as agree / disagree."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from hybridlib.analysis.preference import (
    agreement,
    has_preference,
    runs_with_preference,
    seeds_by_strategy,
    seeds_label,
)
from hybridlib.runs.store import cached_run

DS = "xquad-r"
LANGS = ("en", "de", "ar")
N_Q = 40


def _run(strategy: str, seed: int, rd: float, lpr: float, mrc: float, with_pref: bool = True) -> dict:
    """A stored run whose per-query rank distance, LPR and MRC sit at the planted values (+ noise)."""
    rng = np.random.default_rng([zlib.crc32(strategy.encode()), seed])
    ids = np.array([f"{lang}/q{i}" for lang in LANGS for i in range(N_Q)])
    n = len(ids)
    arrays = {f"{DS}/multi/query_id": ids, f"{DS}/multi/rank_distance": rd + rng.normal(0, 2.0, n)}
    if with_pref:
        arrays |= {
            f"{DS}/preference/query_id": ids,
            f"{DS}/preference/LPR": (rng.random(n) < lpr).astype(np.float32),
            f"{DS}/preference/MRC": np.full(n, mrc, np.float32),
            f"{DS}/preference/top1": rng.integers(0, 4, n).astype(np.int8),
        }
    cfg = {"strategy": strategy, "seed": seed, "pref": with_pref}
    return cached_run("planted", cfg, lambda: ({}, arrays, {}), {"eval": "planted"}) | {"strategy": strategy}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))


def test_only_runs_with_the_metrics_count_and_each_strategy_needs_two(store):
    old = _run("X-Y", 0, 50.0, 0.8, 0.6, with_pref=False)
    runs = {"X-Y": [old, _run("X-Y", 1, 50.0, 0.8, 0.6)], "Hybrid": [_run("Hybrid", 1, 40.0, 0.6, 0.7)]}
    assert not has_preference(old, DS) and has_preference(runs["X-Y"][1], DS)
    assert runs_with_preference(runs, DS) is None, "X-Y has one run with the metrics, Hybrid one: no seed level"
    runs["X-Y"].append(_run("X-Y", 2, 50.0, 0.8, 0.6))
    runs["Hybrid"].append(_run("Hybrid", 2, 40.0, 0.6, 0.7))
    got = runs_with_preference(runs, DS)
    assert got is not None and [len(v) for v in got.values()] == [2, 2], "the run evaluated before is left out"
    assert runs_with_preference(runs, DS, min_runs=3) is None
    assert runs_with_preference({}, DS) is None, "no strategies: nothing to compare"


def test_agreement_reads_planted_orders(store):
    """Hybrid: less rank distance, lower LPR and higher MRC than X-Y (every metric agrees); X-X-mono:
    more rank distance but lower LPR than X-Y (LPR disagrees with rank distance)."""
    runs = {
        "X-Y": [_run("X-Y", s, 50.0, 0.8, 0.6) for s in (0, 1)],
        "Hybrid": [_run("Hybrid", s, 30.0, 0.5, 0.8) for s in (0, 1)],
        "X-X-mono": [_run("X-X-mono", s, 70.0, 0.5, 0.6) for s in (0, 1)],
    }
    a = agreement({"rank distance": runs, "preference": runs}, DS, [("Hybrid", "X-Y"), ("X-X-mono", "X-Y")], n_boot=400)
    verdict = {(r.metric, r.comparison): r["agrees with rank distance"] for _, r in a.iterrows()}
    assert verdict[("LPR", "Hybrid − X-Y")] == "agree", a
    assert verdict[("1 − MRC", "Hybrid − X-Y")] == "agree", a
    assert verdict[("LPR", "X-X-mono − X-Y")] == "disagree", a
    assert verdict[("1 − MRC", "X-X-mono − X-Y")] == "unresolved", (
        "MRC planted equal: a zero difference is never resolved"
    )


def test_system_order_puts_baselines_transforms_heads_then_transform_heads():
    from hybridlib.analysis.preference import system_order

    names = ["Hybrid (head)", "center-eval + X-Y (head)", "BM25", "lir (no training)", "untrained", "X-Y (head)",
             "center (no training)", "zzz other", "shift + Hybrid (head)"]  # fmt: skip
    got = system_order(names, ["lir", "center"], ["X-Y", "Hybrid"])
    assert got == ["untrained", "BM25", "lir (no training)", "center (no training)", "X-Y (head)", "Hybrid (head)",
                   "zzz other", "center-eval + X-Y (head)", "shift + Hybrid (head)"], got  # fmt: skip
    without = system_order(names, ["lir", "center"], ["X-Y", "Hybrid"], transform_heads=False)
    assert without == got[:7], "transform + head rows are left out, nothing else"


def test_seeds_label_never_reads_an_unbalanced_set_as_its_union():
    run = lambda seed: {"config": {"seed": seed}}  # noqa: E731
    assert seeds_label({"X-Y": [run(1), run(0)], "Hybrid": [run(0), run(1)]}) == "seeds 0, 1"
    got = seeds_label({"X-Y": [run(0), run(1), run(2)], "Hybrid": [run(0), run(1)]})
    assert got == "seeds X-Y 0, 1, 2; Hybrid 0, 1", f"each strategy's seeds when they differ: {got}"


def test_seeds_by_strategy_sorts_each_strategys_seeds_in_the_order_asked():
    run = lambda seed: {"config": {"seed": seed}}  # noqa: E731
    runs = {"Hybrid": [run(2), run(0)], "X-Y": [run(1)]}
    assert seeds_by_strategy(runs) == {"Hybrid": [0, 2], "X-Y": [1]}
    got = list(seeds_by_strategy(runs, ["X-Y", "Hybrid"]))
    assert got == ["X-Y", "Hybrid"], f"keyed in the order given: {got}"
