"""Figures: saved where the preset says, shown inline in a kernel, no machine path returned."""

from __future__ import annotations

from pathlib import Path

from hybridlib.analysis.effects import effect_table
from hybridlib.notebook.plots import effect_figure, figure_path, save


def test_save_writes_the_png_of_its_preset_and_returns_nothing(tmp_path, monkeypatch, planted_runs):
    monkeypatch.setenv("HYBRIDLIB_FIGURES", str(tmp_path))
    fig = effect_figure(effect_table(planted_runs, ("xquad-r",), n_boot=100), "planted")
    assert len(fig.axes) == 4, "one panel per quantity (Mo, Cr, Mul mAP, rank-distance change)"
    assert save(fig, "effects", "smoke") is None, "a returned path would print in the notebook's output"
    out = figure_path("effects", "smoke")
    assert out == Path(tmp_path) / "smoke" / "effects.png" and out.read_bytes()[:4] == b"\x89PNG"
    assert figure_path("effects", "cpu") == Path(tmp_path) / "effects.png", "the cpu preset owns figures/"
