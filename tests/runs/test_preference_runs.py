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
    plain = [lab for lab in heads if " + " not in lab]
    assert len(plain) == 3 * len(p.seeds), "every seed of each strategy's head"
    centred = [c.head for c, _ in grids.preference_grid(p) if c.head and c.head["transform"] != "none"]
    assert {h["transform"] for h in centred} == {"center-train", "center-eval"}, "SHIFT / LIR heads carry their own"
    assert {h["seed"] for h in centred} == set(p.ext_seeds[: p.shift_lir_n_seeds]), "the seeds SHIFT / LIR run on"
    assert len(centred) == 2 * 3 * len(set(p.ext_seeds[: p.shift_lir_n_seeds])), "each strategy under each centring"
    without = grids.preference_grid(p, centring_heads=False)
    assert len(without) == len(labels) - len(centred), "centring_heads=False drops exactly the centring heads"
    assert len(set(map(str, (config_dict(c) for c, _ in grids.preference_grid(p))))) == len(labels), "no duplicates"


def test_data_fingerprints_name_what_each_system_is_fitted_on():
    """A transform's metrics depend on the training-side text it is fitted on (and NTREX-128 for
    SHIFT / LIR alone): its key names them, as its transform record's does; a head's key names its
    training examples, NTREX only under SHIFT / LIR (mended: every transform used to name NTREX and
    none named its training text)."""
    from hybridlib.evaluation.suite import load_suite
    from hybridlib.runs.preference_runs import preference_data

    p = get_preset("smoke")
    tasks = load_suite(p, ("xquad-r", "mlqa-r"))
    data = {
        t: preference_data(preference_config(p, "transform", transform=t), p, tasks)
        for t in ("center-train", "shift-ntrex")
    }
    assert set(data["center-train"]) == {"eval", "train"}, data["center-train"]
    assert set(data["shift-ntrex"]) == {"eval", "train", "fit"}, data["shift-ntrex"]
    heads = {h.transform: h for _, h in grids.preference_grid(p) if h is not None} | {
        h.transform: h for h in grids.neutrality_grid(p)[:12]
    }
    for transform, fit in (("none", False), ("shift-ntrex", True), ("lir-ntrex", True), ("center-train", False)):
        head = heads[transform]
        d = preference_data(preference_config(p, "head", head=head), p, tasks, head)
        assert {"eval", "head"} <= set(d) and ("fit" in d) == fit, (transform, d)
