"""scripts/summarize_results.py: the partial fine-tuning block reads the stored runs of the grid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hybridlib.presets import get_preset
from hybridlib.runs import grids
from hybridlib.runs.partial_runs import run_partial
from hybridlib.train.strategy import label

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "summarize_results.py"
spec = importlib.util.spec_from_file_location("summarize_results", SCRIPT)
summarize_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summarize_results)


def test_partial_block_puts_the_untrained_run_beside_each_strategy(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("smoke")
    assert summarize_results.partial_blocks(p) == [], "no partial run stored, yet a block was written"
    configs = grids.partial_grid(p, ["mlqa-test"])
    ref, trained = (run_partial(c, p, show_progress=False) for c in configs[:2])
    text = "\n".join(summarize_results.partial_blocks(p))
    assert f"2 runs stored, {len(configs) - 2} of the grid missing." in text, text
    for ds in ("xquad-r", "mlqa-r"):
        table = text.split(f"**→ {ds}**")[1].split("**")[0]
        rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
        mul = f"{trained['results'][ds]['summary']['Mul_mAP']:.4f}"
        untrained = f"{ref['results'][ds]['summary']['Mul_mAP']:.4f}"
        assert mul in rows[label(trained["config"])], f"{ds}: the trained run's Mul mAP {mul} is not in its row"
        assert untrained in rows["untrained (same path)"], f"{ds}: the untrained Mul mAP {untrained} is missing"
    assert "cost per run" in text and "peak RSS GB" in text


def test_every_block_runs_get_their_own_block_beside_the_protocols_untrained_run(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("smoke")
    proto = "mlqa-r>xquad-r"
    ref_cfg = grids.partial_grid(p, [proto])[0]
    assert ref_cfg.steps == 0, "the protocol's partial grid starts with its untrained reference"
    ref = run_partial(ref_cfg, p, show_progress=False)
    every = run_partial(grids.every_block_grid(p, [proto])[0], p, show_progress=False)
    text = "\n".join(summarize_results.partial_blocks(p))
    title = f"## Every block trained ({p.every_block_layers} blocks, {every['config']['steps']} steps): {proto}"
    assert title in text, text[:400]
    block = text.split(title)[1]
    assert "2 runs stored" in block, "the every-block run and the protocol's untrained reference"
    rows = {
        line.split("|")[1].strip(): line
        for line in block.split("**→ xquad-r**")[1].split("**")[0].splitlines()
        if line.startswith("| ")
    }
    assert f"{every['results']['xquad-r']['summary']['Mul_mAP']:.4f}" in rows[label(every["config"])]
    assert f"{ref['results']['xquad-r']['summary']['Mul_mAP']:.4f}" in rows["untrained (same path)"]


def test_an_empty_store_is_an_error_naming_the_store_and_the_command(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    with pytest.raises(SystemExit, match=r"no runs of preset 'smoke' under .*run_experiments.py baselines"):
        summarize_results.main(["--preset", "smoke"])
    assert not (tmp_path / "SUMMARY.md").exists(), "no empty summary is written"
