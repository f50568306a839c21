"""The run script's ``--status``: what a grid stage has stored, computing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hybridlib.presets import get_preset
from hybridlib.runs.partial_runs import run_partial

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_experiments.py"


def status(stage: str, *extra: str) -> str:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), stage, "--preset", "smoke", "--status", *extra],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    return out.stdout.strip()


def script_grid_of():
    """The script's ``grid_of`` (scripts/ is not a package)."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from run_experiments import grid_of
    finally:
        sys.path.pop(0)
    return grid_of


def test_status_counts_stored_runs_and_computes_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    grid_of = script_grid_of()
    p = get_preset("smoke")
    configs = grid_of("partial", p, None)
    assert (
        status("partial") == f"partial: 0/{len(configs)} stored (0.0 h measured); {len(configs)} missing: no estimate"
    )
    assert not any(tmp_path.rglob("*.json")), "--status computed a run"
    run_partial(configs[1], p, show_progress=False)  # one trained run
    line = status("partial")
    assert line.startswith(f"partial: 1/{len(configs)} stored") and f"{len(configs) - 1} missing: ~" in line, line
    alpha = status("partial-alpha")  # nothing of its own stored: estimated from the main grid's trained run
    assert " 0/" in alpha and "missing: ~" in alpha and "from other stages" in alpha, alpha


def test_depths_pick_depths_of_the_scaling_grid(monkeypatch, tmp_path):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    grid_of = script_grid_of()
    p = get_preset("smoke")
    every = grid_of("scaling-ft", p, None)
    only_2 = grid_of("scaling-ft", p, None, [2])
    assert only_2 == [c for c in every if c.model.endswith(":L2")], "--depths 2 must be the grid's L = 2 runs, in order"
    assert any(c.top_layers == 2 for c in only_2), "the every-block runs of L = 2 belong to --depths 2"
    out = status("scaling-ft", "--depths", "2")
    assert out.startswith(f"scaling-ft: 0/{len(only_2)} stored"), out
