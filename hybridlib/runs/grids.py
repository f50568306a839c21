"""The study's experiment grids, shared by the notebooks and ``scripts/run_experiments.py``:
which runs each experiment needs, and which of them are stored.

Each grid function lists run configs for a preset; :func:`split_grid` / :func:`stored_grid` read
their stored records. This module never trains and never imports torch (``tests/runs/test_grids.py``
checks it in a fresh interpreter): computing a missing run is :mod:`hybridlib.runs.executor`'s job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from hybridlib.presets import Preset
from hybridlib.runs.configs import (
    HeadRunConfig,
    bitext_config,
    bitext_data,
    finetune_config,
    head_config,
    partial_checkpoint_path,
    partial_config,
    run_data,
    run_kind,
)
from hybridlib.runs.store import load_record
from hybridlib.train.neutrality import PUBLISHED
from hybridlib.train.protocols import CROSS_DATASET_PROTOCOLS, PROTOCOLS
from hybridlib.train.strategy import MAIN_ALPHAS, MIXED, label  # label: also re-exported for notebooks

MAIN_PROTOCOLS_UNSEEN = ("mlqa-r>xquad-r",)
SCALING_TASKS = ("miracl-pooled", "tydi", "afriqa", "afriqa-translated", "mlqa-r")
NEUTRALITY_TRANSFORMS = ("center-train", "center-eval", "erase-train", "leace-train", "shift-ntrex", "lir-ntrex")
HEAD_TRANSFORMS = ("center-train", "center-eval", "shift-ntrex", "lir-ntrex")  # also combined with each head
SHIFT_LIR = ("shift-ntrex", "lir-ntrex")  # the published training-free fixes (issue 37)
SHIFT_LIR_PUBLISHED = tuple(PUBLISHED)  # ... as their papers apply them (issue 52), on XQuAD-R / MLQA-R


def alpha_grid(preset: Preset, protocols: Iterable[str] = tuple(PROTOCOLS)) -> list[HeadRunConfig]:
    """Protocols × α (α=1 X-X-mono, α=0 X-Y, α=0.5 Hybrid, and the sweep between) × seeds."""
    alphas = sorted(set(preset.alphas) | set(MAIN_ALPHAS.values()))
    return [head_config(preset, p, a, s) for p in protocols for a in alphas for s in preset.seeds]


def main_grid(preset: Preset, protocols: Iterable[str] = tuple(PROTOCOLS)) -> list[HeadRunConfig]:
    """The paper's three strategies (a subset of :func:`alpha_grid`)."""
    return [head_config(preset, p, a, s) for p in protocols for a in MAIN_ALPHAS.values() for s in preset.seeds]


def scaling_grid(
    preset: Preset, models: Iterable[str] | None = None, seeds: Iterable[int] | None = None
) -> list[HeadRunConfig]:
    """Model size (mE5-small depth L, or any list of names) × strategy × seed, on the low-resource
    tasks; seed-major, so an interrupted grid has whole seeds done."""
    models = list(models) if models else [f"{preset.model}:L{d}" for d in preset.depths]
    return [
        head_config(preset, "mlqa-test", a, s, model=m, eval_tasks=SCALING_TASKS)
        for s in (seeds or preset.ext_seeds)
        for m in models
        for a in MAIN_ALPHAS.values()
    ]


def neutrality_grid(preset: Preset, seeds: Iterable[int] | None = None) -> list[HeadRunConfig]:
    """Centring (train-side and eval-pool means), SHIFT and LIR combined with each strategy's head
    (seed-major). Centring runs on the preset's extension seeds; SHIFT and LIR on the first
    ``preset.shift_lir_n_seeds`` of them (the results-size budget, docs/design.md). ``seeds``, when
    given, applies to every transform."""
    ext = tuple(preset.ext_seeds)
    seeds_of = {t: ext[: preset.shift_lir_n_seeds] if t in SHIFT_LIR else ext for t in HEAD_TRANSFORMS}
    return [
        head_config(preset, "mlqa-test", a, s, transform=t)
        for s in (list(seeds) if seeds is not None else ext)
        for t in HEAD_TRANSFORMS
        if seeds is not None or s in seeds_of[t]
        for a in MAIN_ALPHAS.values()
    ]


def preference_grid(preset: Preset, centring_heads: bool = True) -> list[tuple]:
    """``(PreferenceConfig, head config or None)`` of every system whose language-preference metrics
    can be recomputed without fine-tuning: the frozen encoder, BM25, USE-m (and the encoder on its
    languages), each training-free transform, each head of the main grid and (``centring_heads``)
    each centring + head run of the neutrality grid on the seeds SHIFT / LIR heads run on.

    The SHIFT / LIR heads carry the metrics from their own evaluation (run after the metrics
    existed); the centring heads predate them and are back-filled here, on the first
    ``preset.shift_lir_n_seeds`` extension seeds only (the results-size budget, docs/design.md), so
    notebook 08 compares every transform + head on the same seeds."""
    from hybridlib.data.lareqa import LANGS
    from hybridlib.models.use_m import NAME as USE_M
    from hybridlib.models.use_m import supported_langs
    from hybridlib.runs.preference_runs import preference_config

    use_langs = {ds: supported_langs(preset.lareqa_langs.get(ds) or LANGS[ds])[0] for ds in ("xquad-r", "mlqa-r")}
    out = [(preference_config(preset, "encoder"), None), (preference_config(preset, "bm25"), None)]
    out += [(preference_config(preset, "encoder", m, langs=use_langs), None) for m in (USE_M, preset.model)]
    out += [(preference_config(preset, "transform", transform=t), None) for t in NEUTRALITY_TRANSFORMS]
    heads = main_grid(preset, ["mlqa-test"])
    if centring_heads:
        shared_seeds = set(preset.ext_seeds[: preset.shift_lir_n_seeds])
        heads += [h for h in neutrality_grid(preset) if h.transform not in SHIFT_LIR and h.seed in shared_seeds]
    return out + [(preference_config(preset, "head", head=h), h) for h in heads]


def paper_grid(preset: Preset) -> list:
    """Backbone × strategy × seed fine-tuning configs of the paper's recipe (seed-major;
    run by :func:`hybridlib.runs.paper_runs.run_paper`)."""
    return [
        finetune_config(preset, preset.protocol, alpha, seed, model=backbone)
        for seed in preset.seeds
        for backbone in preset.backbones or (preset.model,)
        for alpha in MAIN_ALPHAS.values()
    ]


def partial_grid(
    preset: Preset,
    protocols: Iterable[str] = ("mlqa-test",),
    alphas: Iterable[float] = tuple(MAIN_ALPHAS.values()),
    seeds: Iterable[int] | None = None,
    reference: bool = True,
    **overrides,
):
    """Partial fine-tuning runs (top-k blocks), seed-major so an interrupted grid has whole seeds;
    with ``reference`` each protocol starts with its untrained model (``steps=0``, same path).
    ``seeds`` None: each protocol's own seeds (:func:`partial_seeds`); ``overrides`` go to
    :func:`~hybridlib.runs.partial_runs.partial_config` (e.g. ``top_layers``)."""
    protocols = list(protocols)
    refs = [partial_config(preset, p, 0.5, 0, steps=0) for p in protocols] if reference else []
    return refs + [
        partial_config(preset, p, a, s, **overrides)
        for s in (seeds or preset.seeds)
        for p in protocols
        if seeds or s in partial_seeds(preset, p)
        for a in alphas
    ]


def partial_alpha_grid(preset: Preset, alphas: Iterable[float] | None = None) -> list:
    """The α curve on the partial track (notebook 06): the main protocol, ``alphas`` (default: the
    preset's, the main strategies' α among them), the first 3 seeds, no untrained reference."""
    return partial_grid(
        preset, ["mlqa-test"], alphas=tuple(alphas or preset.alphas), seeds=preset.seeds[:3], reference=False
    )


def every_block_grid(preset: Preset, protocols: Iterable[str] | None = None, seeds: Iterable[int] | None = None):
    """The paper's regime at the partial track's length: every block trained (``top_layers`` = the
    backbone's depth, embeddings frozen), 300 steps, batch 32, the partial track's validation, early
    stopping and seeds, on the cross-dataset protocols (MLQA-R → XQuAD-R first, then the reverse),
    3 strategies × :func:`partial_seeds` each, evaluated on all of the protocol's test set.
    Protocol-major, seed-major within: an interrupted grid has a whole protocol first. The untrained
    reference is the partial track's (the same model through the same path)."""
    return [
        cfg
        for protocol in protocols or CROSS_DATASET_PROTOCOLS
        for cfg in partial_grid(
            preset,
            [protocol],
            seeds=seeds,
            reference=False,
            top_layers=preset.every_block_layers,
            length_buckets=preset.every_block_buckets,
        )
    ]


CROSS_PROTOCOL_SEEDS = 3  # the cross-dataset protocols' seeds on the partial track (issue 14: 3 × 3 × 2)


def partial_seeds(preset: Preset, protocol: str) -> list[int]:
    """The seeds of the partial track on ``protocol``: the first :data:`CROSS_PROTOCOL_SEEDS` of the
    preset's on the cross-dataset protocols, all of them on the others."""
    return list(preset.seeds[:CROSS_PROTOCOL_SEEDS] if protocol in CROSS_DATASET_PROTOCOLS else preset.seeds)


BRIDGE_TASKS = ("xquad-r", "mlqa-r")


def bridge_seeds(preset: Preset) -> list[int]:
    """The seeds of the bridge: the preset's first ``bridge_n_seeds`` (two on the cpu preset: a
    12-block step is ~10× a top-2 step here; one on the smoke preset, to keep its notebook test short)."""
    return list(preset.seeds[: preset.bridge_n_seeds])


def bridge_grid(preset: Preset, steps: int = 30, seeds: Iterable[int] | None = None) -> list:
    """The bridge to full fine-tuning: every block (k = 12) and the partial track's top-k, the same
    step count, 3 strategies × ``seeds`` (default :func:`bridge_seeds`), evaluated on all of XQuAD-R
    and MLQA-R (seed-major). A 12-block step costs ~10× a top-2 step here, so the bridge is short: it
    tests whether the strategies' ordering agrees between the two ways of training, not the 300-step
    numbers."""
    depth = preset.every_block_layers
    seeds = bridge_seeds(preset) if seeds is None else seeds
    return [
        partial_config(preset, preset.protocol, a, s, top_layers=k, steps=steps, eval_tasks=BRIDGE_TASKS)
        for s in seeds
        for k in (depth, preset.pft_top_layers)
        for a in MAIN_ALPHAS.values()
    ]


SCALING_FT_TASKS = ("miracl-hard", "miracl-pooled", "tydi", "afriqa", "afriqa-translated", "xquad-r", "mlqa-r")


def scaling_ft_grid(
    preset: Preset, depths: Iterable[int] | None = None, seeds: Iterable[int] | None = None, reference: bool = True
) -> list:
    """The scaling extension on the partial fine-tuning track: depth L × strategy × seed, the top
    ``sft_top_layers`` blocks trained from stored states at every depth (equal cost per size), every
    block too at ``sft_all_layers_depths``; with ``reference`` the untrained model of each depth
    through the same path (``steps = 0``) before its trained runs.

    Depth-major, shallowest first, seed-major within a depth: each depth reads its own state caches
    (the output of block L − k over every evaluation text; the layer-10 cache took ~80 min here), so
    a depth's runs follow one another and use them while they exist, and an interrupted grid has
    whole depths, cheapest first. The every-block runs (a side question, twice the cost per step at
    L = 2) come after every depth's top-k runs."""
    depths = sorted(depths or preset.sft_depths)

    def cfg(d: int, k: int, alpha: float, seed: int, steps: int | None = None):
        return partial_config(
            preset,
            preset.protocol,
            alpha,
            seed,
            top_layers=min(k, d),
            steps=steps,
            model=f"{preset.model}:L{d}",
            train_max_len=preset.sft_train_max_len,
            eval_tasks=SCALING_FT_TASKS,
        )

    seeds = list(seeds or preset.sft_seeds)
    every_block = [(d, d) for d in depths if d in preset.sft_all_layers_depths and d != preset.sft_top_layers]
    out = []
    for d, k in [(d, preset.sft_top_layers) for d in depths] + every_block:
        if reference and k == preset.sft_top_layers:
            out.append(cfg(d, k, 0.5, 0, steps=0))
        out += [cfg(d, k, a, s) for s in seeds for a in MAIN_ALPHAS.values()]
    return out


def mixed_grid(preset: Preset, seeds: Iterable[int] | None = None) -> list:
    """The X-X (mixed) baseline on the partial track's main protocol: monolingual pairs, batches
    mixing languages (:mod:`hybridlib.train.samplers`), the same trainer, validation, early stopping
    and seeds (5) as X-X-mono / X-Y / Hybrid there (whose untrained reference it shares)."""
    return [partial_config(preset, preset.protocol, 1.0, s, strategy=MIXED) for s in (seeds or preset.seeds)]


def scaling_mixed_grid(preset: Preset, depths: Iterable[int] | None = None, seeds: Iterable[int] | None = None):
    """X-X (mixed) at every size of :func:`scaling_ft_grid` with its recipe and seeds (top block; every
    block at ``sft_all_layers_depths``): the same configs as the grid's X-X-mono runs but the strategy.
    Depth-major, shallowest first, the every-block runs last, as the grid."""
    grid = [c for c in scaling_ft_grid(preset, depths, seeds, reference=False) if c.strategy == "x-x-mono"]
    return [dataclasses.replace(c, strategy=MIXED) for c in grid]


def bitext_grid(preset: Preset, depths: Iterable[int] | None = None, seeds: Iterable[int] | None = None) -> list:
    """The partial-track runs that FLORES / Tatoeba score (:mod:`hybridlib.runs.bitext_runs`): every
    run of :func:`scaling_ft_grid` and :func:`scaling_mixed_grid`, ordered so that an interrupted
    back-fill answers the most per CPU hour: each depth's untrained reference first; then the paper's
    three strategies seed by seed, depth by depth (every size has a seed's three strategies before any
    size has the next seed; a stored run is only retrained, ~6 min here); then X-X (mixed) the same
    way (not stored yet: each is trained and evaluated on every set first, ~15 min); the every-block
    runs last."""
    grid = scaling_ft_grid(preset, depths, seeds) + scaling_mixed_grid(preset, depths, seeds)
    order = {"x-y": 0, "hybrid": 1, "x-x-mono": 2, MIXED: 3}

    def depth(c) -> int:
        return int(str(c.model).rsplit(":L", 1)[-1])

    refs = sorted((c for c in grid if c.steps == 0), key=depth)
    trained = [c for c in grid if c.steps != 0]
    every = sorted(
        (c for c in trained if c.top_layers != preset.sft_top_layers), key=lambda c: (c.seed, order[c.strategy])
    )
    top = sorted(
        (c for c in trained if c.top_layers == preset.sft_top_layers),
        key=lambda c: (c.strategy == MIXED, c.seed, depth(c), order[c.strategy]),
    )
    return refs + top + every


def stored_bitext(runs: list, preset: Preset) -> tuple[list[dict], list]:
    """The stored FLORES / Tatoeba records (``results/bitext``) of partial-track configs ``runs`` and
    the configs without one (nothing is computed)."""
    stored, missing = [], []
    for run in runs:
        rec = load_record("bitext", bitext_config(run, preset), bitext_data(run, preset), preset.results_subdir)
        (stored if rec is not None else missing).append(rec if rec is not None else run)
    return stored, missing


STRATEGIES = {"X-X-mono", "X-Y", "Hybrid"}


def has_every_strategy(records: list[dict], needs: str | None = None) -> bool:
    """Whether X-X-mono, X-Y and Hybrid each have a run among ``records`` (with task ``needs`` when
    given): what makes a track count as evidence."""
    return {label(r["config"]) for r in records if needs is None or needs in r["results"]} >= STRATEGIES


def stored_grid(configs: list, preset: Preset) -> tuple[list[dict], int]:
    """The stored records of ``configs`` (nothing is computed) and how many are not stored yet."""
    stored, missing = split_grid(configs, preset)
    return stored, len(missing)


def split_grid(configs: list, preset: Preset) -> tuple[list[dict], list]:
    """The stored records of ``configs`` and the configs not stored yet (nothing is computed)."""
    stored, missing = [], []
    for cfg in configs:
        rec = load_record(run_kind(cfg), cfg, run_data(cfg, preset), preset.results_subdir)
        if rec is None:
            missing.append(cfg)
        else:
            stored.append(rec)
    return stored, missing


def checkpoints_in_cache(missing: list, preset: Preset) -> list[tuple[object, Path]]:
    """The ``missing`` configs that have a mid-run training checkpoint in this machine's cache
    (:func:`~hybridlib.runs.configs.partial_checkpoint_path`, written by the partial-track runner): each resumes
    there instead of at step 0. The cache is never committed, so on a new machine this is empty."""
    paths = [(cfg, partial_checkpoint_path(cfg, preset)) for cfg in missing if run_kind(cfg) == "partial-ft"]
    return [(cfg, path) for cfg, path in paths if path.is_file()]


def cost_class(config) -> tuple:
    """Runs that cost alike on one machine: the same model (depth), trained blocks and step count
    (a config object or a record's config dict)."""
    get = config.get if isinstance(config, dict) else lambda key: getattr(config, key, None)
    return get("model"), get("top_layers"), get("steps")


def estimate_missing_seconds(stored: list[dict], missing: list, elsewhere: list[dict] = ()) -> float | None:
    """Wall seconds the ``missing`` configs should take here: each at the median ``wall_seconds`` of
    the ``stored`` runs of its :func:`cost_class`, else of the ``elsewhere`` runs (other stages) of
    that class, else scaled from runs of the same model and trained blocks at another step count
    (their median seconds per training step × the steps, plus their median evaluation seconds), else
    the median of every stored trained run (steps > 0). ``None`` when nothing to estimate from is
    stored. Runs resumed across sessions count their last session's wall time only, and a run of
    another stage may evaluate more sets or longer texts, so this is a rough guide, not a budget."""
    from statistics import median

    def classes(records) -> dict[tuple, list[float]]:
        out: dict[tuple, list[float]] = {}
        for r in records:
            out.setdefault(cost_class(r["config"]), []).append(r["wall_seconds"])
        return out

    def scaled(cfg) -> float | None:
        model, blocks, steps = cost_class(cfg)
        alike = [
            r["train"]
            for r in [*stored, *elsewhere]
            if cost_class(r["config"])[:2] == (model, blocks) and (r.get("train") or {}).get("steps_per_second")
        ]
        if not alike:
            return None
        per_step = median(1 / t["steps_per_second"] for t in alike)
        return per_step * (steps or 0) + median(t.get("eval_seconds", 0.0) for t in alike)

    own, other = classes(stored), classes(elsewhere)
    trained = [r["wall_seconds"] for r in stored if r["config"].get("steps", 1) > 0]
    total = 0.0
    for cfg in missing:
        walls = own.get(cost_class(cfg)) or other.get(cost_class(cfg))
        seconds = median(walls) if walls else scaled(cfg)
        if seconds is None and not trained:
            return None
        total += seconds if seconds is not None else median(trained)
    return total
