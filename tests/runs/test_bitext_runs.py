"""FLORES / Tatoeba records of partial-track runs: kept weights are used, a run without them is
retrained to the same checkpoint and its weights kept, and the X-X (mixed) baseline runs end to end."""

from __future__ import annotations

import pytest


@pytest.fixture()
def smoke(monkeypatch, tmp_path):
    from hybridlib.presets import get_preset

    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path / "results"))  # a fresh store
    return get_preset("smoke")


def test_bitext_uses_kept_weights_then_retrains_what_kept_none(smoke):
    from hybridlib.runs.bitext_runs import run_bitext
    from hybridlib.runs.grids import stored_bitext
    from hybridlib.runs.partial_runs import partial_config, run_partial, trained_weights_path

    cfg = partial_config(smoke, "mlqa-test", 0.5, 0)
    run_partial(cfg, smoke, show_progress=False)
    rec = run_bitext(cfg, smoke, show_progress=False)
    assert rec["weights"]["source"] == "kept weights"
    flores = rec["results"]["flores"]["summary"]
    assert 0 < flores["Cr_mAP"] <= 1 and 0 <= flores["top1_own_language"] <= 1
    assert {"yo", "en"} <= set(rec["results"]["flores"]["per_language"]), "FLORES covers Yorùbá and English"
    assert "R@1" in rec["results"]["tatoeba"]["summary"]
    assert stored_bitext([cfg], smoke) == ([rec], [])

    trained_weights_path(cfg, smoke).unlink()  # as for the runs stored before weights were kept
    again = run_bitext(cfg, smoke, force=True, show_progress=False)
    w = again["weights"]
    assert w["source"] == "retrained" and trained_weights_path(cfg, smoke).exists(), "retrained weights are kept"
    assert w["same_checkpoint_as_stored"] and w["same_validation_losses"], f"retraining is deterministic: {w}"
    assert again["results"]["flores"]["summary"]["Cr_mAP"] == pytest.approx(flores["Cr_mAP"], abs=1e-6)


def test_untrained_reference_needs_no_weights(smoke):
    from hybridlib.runs.bitext_runs import run_bitext
    from hybridlib.runs.partial_runs import partial_config

    rec = run_bitext(partial_config(smoke, "mlqa-test", 0.5, 0, steps=0), smoke, show_progress=False)
    assert rec["weights"]["source"] == "untrained"


def test_x_x_mixed_trains_with_mixed_monolingual_batches(smoke, seen_batches):
    from hybridlib.runs import grids
    from hybridlib.runs.partial_runs import run_partial

    seen = seen_batches
    cfg = grids.mixed_grid(smoke)[0]
    rec = run_partial(cfg, smoke, show_progress=False)
    assert rec["config"]["strategy"] == "x-x-mixed" and grids.label(rec["config"]) == "X-X (mixed)"
    assert seen and all((b.q_lang == b.p_lang).all() for b in seen), "X-X (mixed) trains on monolingual pairs"
    assert any(b.q_lang.nunique() > 1 for b in seen), "and its batches mix languages"
