"""Baseline records: what computed them is on the record."""

from __future__ import annotations

from hybridlib.models.encoding import default_backend
from hybridlib.presets import get_preset
from hybridlib.runs.baselines import run_baseline


def test_a_dense_record_names_the_encoding_backend(monkeypatch, tmp_path):
    """Offered backends agree within the 0.005 rule, so they share a record; the record says which
    one computed it (ONNX Runtime by default, PyTorch when asked)."""
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("smoke")
    rec = run_baseline("dense", p, p.model, tasks=("xquad-r",))
    assert rec["backend"] == default_backend(), f"record says {rec.get('backend')!r}"
    monkeypatch.setenv("HYBRIDLIB_BACKEND", "torch")
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path / "torch"))
    assert run_baseline("dense", p, p.model, tasks=("xquad-r",))["backend"] == "torch"
