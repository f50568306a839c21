"""Language-preference back-fill configs: one per system, validated, and the grid covers what the
issue asks (frozen encoder, BM25, USE-m beside the encoder on its languages, transforms, heads)."""

from __future__ import annotations

import pytest

from hybridlib.analysis.preference import system_label
from hybridlib.presets import get_preset
from hybridlib.runs import grids
from hybridlib.runs.preference_runs import preference_config
from hybridlib.runs.store import config_dict


def test_configs_are_validated():
    p = get_preset("smoke")
    with pytest.raises(ValueError, match="unknown system"):
        preference_config(p, "reranker")
    with pytest.raises(ValueError, match="needs transform"):
        preference_config(p, "transform")
    assert preference_config(p, "bm25").model is None, "BM25 has no encoder"


def test_grid_covers_every_training_free_system_and_each_head():
    p = get_preset("smoke")
    labels = [system_label(config_dict(c)) for c, _ in grids.preference_grid(p)]
    assert {"untrained", "BM25", "USE-m (USE-m's languages)", "untrained (USE-m's languages)"} <= set(labels)
    assert {f"{t} (no training)" for t in grids.NEUTRALITY_TRANSFORMS} <= set(labels)
    heads = [lab for lab in labels if lab.endswith("(head)")]
    assert len(heads) == 3 * len(p.seeds), "every seed of each strategy's head"
    assert len(set(map(str, (config_dict(c) for c, _ in grids.preference_grid(p))))) == len(labels), "no duplicates"
