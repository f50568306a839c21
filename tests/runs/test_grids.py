"""The run grids: which configs a stage holds and in which order it runs them."""

from __future__ import annotations

from types import SimpleNamespace

from hybridlib.models.registry import parse_name
from hybridlib.presets import get_preset
from hybridlib.runs import grids
from hybridlib.train.protocols import CROSS_DATASET_PROTOCOLS


def depth_of(cfg) -> int:
    return parse_name(cfg.model)[1]


def test_scaling_ft_grid_holds_every_depth_variant_strategy_and_seed_once():
    p = get_preset("cpu").with_(sft_depths=(2, 4, 6), sft_all_layers_depths=(2,), sft_seeds=(0, 1))
    configs = grids.scaling_ft_grid(p)
    assert len(configs) == len(set(configs)), "a config appears twice"
    trained = [c for c in configs if c.steps > 0]
    refs = [c for c in configs if c.steps == 0]
    assert sorted(depth_of(c) for c in refs) == [2, 4, 6], "one untrained reference per depth"
    expected = {(d, p.sft_top_layers, a, s) for d in (2, 4, 6) for a in (0.0, 0.5, 1.0) for s in (0, 1)}
    expected |= {(2, 2, a, s) for a in (0.0, 0.5, 1.0) for s in (0, 1)}  # every block at L = 2 only
    assert {(depth_of(c), c.top_layers, c.alpha, c.seed) for c in trained} == expected
    assert all(c.steps > 0 for c in grids.scaling_ft_grid(p, reference=False)), "reference=False kept a reference"


def test_scaling_ft_grid_runs_depth_by_depth_with_every_block_last():
    """A depth's state caches serve all its runs: its reference and trained runs are contiguous, the
    shallowest depth first, seed-major within it; the every-block runs come after all top-k runs."""
    p = get_preset("cpu").with_(sft_depths=(6, 2, 4), sft_all_layers_depths=(2,), sft_seeds=(0, 1))
    configs = grids.scaling_ft_grid(p)
    top = [c for c in configs if c.top_layers == p.sft_top_layers or c.steps == 0]
    every = [c for c in configs if c not in top]
    assert configs == top + every, "every-block runs are interleaved with the top-k runs"
    depths = [depth_of(c) for c in top]
    assert depths == sorted(depths), f"top-k runs are not depth-major, shallowest first: {depths}"
    for d in (2, 4, 6):
        block = [c for c in top if depth_of(c) == d]
        assert block[0].steps == 0, f"L{d}: the untrained reference does not open its depth"
        seeds = [c.seed for c in block[1:]]
        assert seeds == sorted(seeds), f"L{d}: trained runs are not seed-major: {seeds}"
    assert {c.top_layers for c in every} == {2} and all(c.steps > 0 for c in every)


def test_partial_grid_gives_cross_dataset_protocols_three_seeds_and_the_main_protocol_all():
    p = get_preset("cpu").with_(seeds=(0, 1, 2, 3, 4))
    seeds_of = {
        proto: sorted({c.seed for c in grids.partial_grid(p, [proto]) if c.steps > 0})
        for proto in ("mlqa-test", "mlqa-r>xquad-r", "xquad-r>mlqa-r")
    }
    assert seeds_of == {"mlqa-test": [0, 1, 2, 3, 4], "mlqa-r>xquad-r": [0, 1, 2], "xquad-r>mlqa-r": [0, 1, 2]}
    both = grids.partial_grid(p, ["mlqa-r>xquad-r", "xquad-r>mlqa-r"])
    assert [c.seed for c in both if c.steps > 0] == [s for s in (0, 1, 2) for _ in range(6)], "seed-major"
    assert len(both) == 2 + 2 * 3 * 3, "a reference per protocol + 2 protocols x 3 strategies x 3 seeds"
    explicit = grids.partial_grid(p, ["mlqa-r>xquad-r"], seeds=[4])
    assert {c.seed for c in explicit if c.steps > 0} == {4}, "explicit seeds override each protocol's own"


def test_bridge_grid_trains_two_seeds_with_every_block_and_the_top_k_one_seed_on_smoke():
    cpu = get_preset("cpu").with_(seeds=(3, 1, 4, 0, 2))
    configs = grids.bridge_grid(cpu)
    assert [c.seed for c in configs] == [3] * 6 + [1] * 6, "the preset's first two seeds, seed-major"
    assert {c.top_layers for c in configs} == {12, cpu.pft_top_layers}, "every block and the partial track's top-k"
    assert {c.steps for c in configs} == {30}, "both ways of training at the same step count"
    smoke = get_preset("smoke")
    assert grids.bridge_seeds(smoke) == list(smoke.seeds[:1]), "one seed keeps the smoke notebook test short"
    assert {c.seed for c in grids.bridge_grid(cpu, seeds=[4])} == {4}, "explicit seeds override the default"


def _stored(model: str, top_layers: int, steps: int, wall: float) -> dict:
    return {"config": {"model": model, "top_layers": top_layers, "steps": steps}, "wall_seconds": wall}


def test_neutrality_grid_runs_centring_on_every_extension_seed_and_shift_lir_on_the_first_n():
    p = get_preset("cpu")
    configs = grids.neutrality_grid(p)
    assert len(configs) == len(set(configs)), "a config appears twice"
    seeds = {t: {c.seed for c in configs if c.transform == t} for t in grids.HEAD_TRANSFORMS}
    assert seeds["center-train"] == seeds["center-eval"] == set(p.ext_seeds), seeds
    assert seeds["shift-ntrex"] == seeds["lir-ntrex"] == set(p.ext_seeds[: p.shift_lir_n_seeds]), seeds
    assert {c.alpha for c in configs} == {0.0, 0.5, 1.0}, "each transform is combined with every strategy"
    explicit = grids.neutrality_grid(p, [3])
    assert {(c.transform, c.seed) for c in explicit} == {(t, 3) for t in grids.HEAD_TRANSFORMS}, (
        "explicit seeds apply to every transform"
    )


def test_missing_runs_are_estimated_at_the_median_run_that_costs_alike():
    stored = [_stored("m:L12", 1, 300, w) for w in (700.0, 800.0, 2000.0)]  # median 800
    stored += [_stored("m:L2", 2, 300, 1600.0), _stored("m:L2", 1, 0, 50.0)]  # every block; a reference
    missing = [
        SimpleNamespace(model="m:L2", top_layers=2, steps=300),  # its class: 1600
        SimpleNamespace(model="m:L12", top_layers=1, steps=300),  # its class: 800
        # none alike: the median trained run (700, 800, 1600, 2000): 1200
        SimpleNamespace(model="m:L6", top_layers=1, steps=300),
    ]
    assert grids.estimate_missing_seconds(stored, missing) == 1600 + 800 + 1200, (
        "an every-block run must not be estimated at the cost of a top-block run"
    )
    assert grids.estimate_missing_seconds(stored, []) == 0
    assert grids.estimate_missing_seconds([], missing) is None, "nothing stored: no estimate"


def test_a_stage_with_nothing_stored_is_estimated_from_other_stages_runs_that_cost_alike():
    elsewhere = [_stored("m:L12", 2, 300, w) for w in (1000.0, 1200.0, 5000.0)]  # median 1200
    elsewhere.append(_stored("m:L12", 12, 30, 2500.0))
    missing = [SimpleNamespace(model="m:L12", top_layers=2, steps=300)] * 3
    assert grids.estimate_missing_seconds([], missing, elsewhere) == 3 * 1200, (
        "a stage not started yet is estimated at the other stages' runs of the same cost class"
    )
    own = [_stored("m:L12", 2, 300, 400.0)]
    assert grids.estimate_missing_seconds(own, missing, elsewhere) == 3 * 400, "the stage's own runs come first"
    unlike = [SimpleNamespace(model="m:L6", top_layers=1, steps=300)]
    assert grids.estimate_missing_seconds([], unlike, elsewhere) is None, "no run alike anywhere: no estimate"


def test_every_block_grid_trains_every_block_on_both_cross_protocols_three_seeds_each():
    p = get_preset("cpu")
    configs = grids.every_block_grid(p)
    assert len(configs) == 18 and len(set(configs)) == 18, "2 protocols x 3 strategies x 3 seeds"
    assert {c.top_layers for c in configs} == {12} and {c.steps for c in configs} == {300}
    assert {c.length_buckets for c in configs} == {p.every_block_buckets}
    assert [c.protocol for c in configs] == ["mlqa-r>xquad-r"] * 9 + ["xquad-r>mlqa-r"] * 9, "not protocol-major"
    partial = {(c.protocol, c.alpha, c.seed) for c in grids.partial_grid(p, CROSS_DATASET_PROTOCOLS) if c.steps}
    assert {(c.protocol, c.alpha, c.seed) for c in configs} == partial, "not the partial track's twins"
    assert all(c.eval_tasks == t.eval_tasks for c in configs for t in grids.partial_grid(p, [c.protocol])[:1])


def test_status_estimate_scales_runs_of_the_same_blocks_to_the_step_count():
    """No stored 300-step every-block run: the 30-step ones' seconds per step × 300 + evaluation."""
    p = get_preset("cpu")
    missing = grids.every_block_grid(p)[:2]
    bridge = {"config": {"model": p.model, "top_layers": 12, "steps": 30}, "wall_seconds": 2000.0}
    bridge["train"] = {"steps_per_second": 0.1, "eval_seconds": 500.0}
    got = grids.estimate_missing_seconds([], missing, [bridge])
    assert got == 2 * (300 / 0.1 + 500.0), f"expected 2 x (3000 s training + 500 s evaluation), got {got}"
    assert grids.estimate_missing_seconds([], missing, []) is None, "nothing stored to estimate from"


READING_CODE = """
import sys
from hybridlib.presets import get_preset
from hybridlib.runs import grids

smoke = get_preset("smoke")
configs = (
    grids.alpha_grid(smoke) + grids.scaling_grid(smoke) + grids.neutrality_grid(smoke) + grids.partial_grid(smoke)
    + grids.every_block_grid(smoke) + grids.bridge_grid(smoke) + grids.scaling_ft_grid(smoke)
    + grids.paper_grid(get_preset("paper-smoke"))
)
grids.preference_grid(smoke)
wanted = grids.main_grid(smoke, ["mlqa-test"]) + grids.partial_grid(smoke)[:2]
stored, missing = grids.split_grid(wanted, smoke)
assert not stored and missing == wanted, (len(stored), len(missing))
training = [m for m in sys.modules if m == "torch" or m.startswith(("sentence_transformers", "transformers"))
            or m in ("hybridlib.runs.head_runs", "hybridlib.runs.partial_runs", "hybridlib.runs.finetune_runs",
                     "hybridlib.runs.executor", "hybridlib.train.head", "hybridlib.train.partial")]
assert not training, f"reading grids imported training code: {sorted(training)[:8]}"
"""


def test_reading_grids_never_imports_torch_or_a_runner(tmp_path):
    """Listing every grid and reading which runs are stored (an empty store here) imports neither
    torch nor any runner: reading results cannot start a run (issue 36)."""
    import os
    import subprocess
    import sys

    env = os.environ | {"HYBRIDLIB_RESULTS": str(tmp_path / "results")}
    done = subprocess.run([sys.executable, "-c", READING_CODE], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_grids_hold_no_way_to_run_and_the_executor_rejects_a_non_config():
    """Computing lives in runs.executor alone; a config of no known kind is refused by name."""
    import pytest

    from hybridlib.runs import executor

    for name in ("run_grid", "run_config", "evidence_tracks"):
        assert not hasattr(grids, name), f"grids.{name} exists: the reading module can train"
    with pytest.raises(TypeError, match="dict is not a run config"):
        executor.run_config({"alpha": 0.5}, get_preset("smoke"))


def test_status_names_the_missing_runs_whose_checkpoint_is_in_this_machines_cache(tmp_path, monkeypatch):
    """A mid-run checkpoint of a missing run is reported (it resumes there); a checkpoint of another
    config, or no checkpoint, is not. An empty cache (a new machine) reports nothing."""
    from hybridlib.runs.configs import partial_checkpoint_path

    monkeypatch.setenv("HYBRIDLIB_CACHE", str(tmp_path / "cache"))
    smoke = get_preset("smoke")
    missing = [c for c in grids.every_block_grid(smoke) if c.steps][:3]
    assert grids.checkpoints_in_cache(missing, smoke) == [], "an empty cache has nothing in flight"
    path = partial_checkpoint_path(missing[1], smoke)
    assert path.parent == tmp_path / "cache" / "checkpoints", f"checkpoint outside the cache: {path}"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    (path.parent / "partial-ft-000000000000.pt").write_bytes(b"x")  # another config's
    assert grids.checkpoints_in_cache(missing, smoke) == [(missing[1], path)]
    assert grids.checkpoints_in_cache([missing[0], missing[2]], smoke) == [], "a run without a checkpoint"
