"""Strategies and run identities: α and seeds are typed and validated at construction."""

from __future__ import annotations

import pytest

from hybridlib.presets import get_preset
from hybridlib.runs.head_runs import head_config
from hybridlib.train.strategy import Strategy, TrainingRun, label, make_strategy, strategy_for_alpha


def test_alpha_maps_to_one_strategy():
    assert strategy_for_alpha(1.0) == Strategy("x-x-mono", 1.0)
    assert strategy_for_alpha(0) == Strategy("x-y", 0.0)
    assert strategy_for_alpha(0.25) == Strategy("hybrid", 0.25)
    assert [label(a) for a in (1.0, 0.0, 0.5, 0.25)] == ["X-X-mono", "X-Y", "Hybrid", "Hybrid(α=0.25)"]
    assert make_strategy("hybrid").alpha == 0.5


@pytest.mark.parametrize("alpha", ["1", "0.5", True, None])
def test_alpha_must_be_a_number(alpha):
    with pytest.raises(TypeError, match="alpha must be a real number"):
        head_config(get_preset("smoke"), "mlqa-test", alpha, 0)


@pytest.mark.parametrize("alpha", [-0.1, 1.5])
def test_alpha_must_lie_in_unit_interval(alpha):
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        strategy_for_alpha(alpha)


def test_seed_must_be_an_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        head_config(get_preset("smoke"), "mlqa-test", 0.5, "0")


def test_strategy_name_must_match_alpha():
    with pytest.raises(ValueError, match="does not match alpha"):
        TrainingRun("mlqa-test", "hybrid", 1.0, 0, "m", "cpu")
    with pytest.raises(ValueError, match="strategy must be one of"):
        Strategy("mono-ish", 1.0)


def test_x_x_mixed_is_named_not_inferred_from_alpha():
    mixed = make_strategy("x-x-mixed")
    assert mixed == Strategy("x-x-mixed", 1.0) and mixed.label == "X-X (mixed)"
    assert strategy_for_alpha(1.0).name == "x-x-mono", "α = 1 alone still means X-X-mono"
    run = TrainingRun("mlqa-test", "x-x-mixed", 1.0, 0, "m", "cpu")
    assert label(run) == "X-X (mixed)" and label({"strategy": "x-x-mixed", "alpha": 1.0}) == "X-X (mixed)"
    assert label({"strategy": "x-x-mono", "alpha": 1.0}) == "X-X-mono"
    with pytest.raises(ValueError, match="does not match alpha"):
        TrainingRun("mlqa-test", "x-x-mixed", 0.5, 0, "m", "cpu")
    with pytest.raises(ValueError, match="every pair monolingual"):
        make_strategy("x-x-mixed", 0.5)
