"""Compute the study's runs into results/ (the notebooks then only read them).

    python scripts/run_experiments.py baselines head-grid finetune scaling neutrality [--preset cpu]

Every run is cached by its config hash: interrupt and rerun at will. Prints each run's wall time.
``--status`` prints, for the fine-tuning grid stages, how many runs are stored, their measured cost
and an estimate for the rest, computing nothing.
The paper's grid on N GPUs (every rank trains; rank 0 evaluates and stores; see ``make paper-grid``):

    torchrun --nproc_per_node N scripts/run_experiments.py paper --preset paper
"""

from __future__ import annotations

import argparse
import time

from hybridlib.presets import get_preset
from hybridlib.runs import grids  # reading only: --status imports no torch and no runner
from hybridlib.train.distributed import is_main
from hybridlib.train.protocols import CROSS_DATASET_PROTOCOLS

GRID_STAGES = (
    "partial",
    "partial-alpha",
    "partial-cross",
    "scaling-ft",
    "partial-bridge",
    "every-block",
    "mixed",
    "scaling-mixed",
)


def grid_of(stage: str, p, seeds: list[int] | None, depths: list[int] | None = None) -> list:
    """The configs of a fine-tuning grid stage (``seeds`` overrides the stage's default seeds;
    ``depths`` picks depths of the scaling grid)."""
    if stage == "partial":  # the main grid: untrained reference + 3 strategies x the preset's seeds
        return grids.partial_grid(p, seeds=seeds)
    if stage == "partial-alpha":  # the alpha curve between the main strategies
        return grids.partial_grid(p, alphas=(0.25, 0.75), seeds=seeds or p.seeds[:3], reference=False)
    if stage == "partial-cross":  # the cross-dataset protocols
        return grids.partial_grid(p, CROSS_DATASET_PROTOCOLS, seeds=seeds)  # 3 seeds each (grids.partial_seeds)
    if stage == "scaling-ft":  # issue 15: depth x strategy x seed, fine-tuned on the partial track
        return grids.scaling_ft_grid(p, depths=depths, seeds=seeds)
    if stage == "partial-bridge":  # every block vs the top-k track at the same (short) step count
        return grids.bridge_grid(p, seeds=seeds)  # 2 seeds each (grids.bridge_seeds)
    if stage == "every-block":  # the paper's regime: every block trained, 300 steps, cross-dataset protocols
        return grids.every_block_grid(p, seeds=seeds)
    if stage == "mixed":  # issue 51: the X-X (mixed) baseline on the main protocol, 5 seeds
        return grids.mixed_grid(p, seeds=seeds)
    if stage == "scaling-mixed":  # issue 51: X-X (mixed) at every size of the scaling grid, 3 seeds
        return grids.scaling_mixed_grid(p, depths=depths, seeds=seeds)
    raise ValueError(f"{stage!r} is not a grid stage (one of {GRID_STAGES})")


def print_status(stage: str, p, seeds: list[int] | None, depths: list[int] | None = None) -> None:
    """Stored vs missing runs of a grid stage, the measured wall time of the stored ones and an
    estimate for the rest (each missing run at the median stored run that costs alike: same depth,
    trained blocks and steps, from this stage or else from the other grid stages; else the stage's
    median trained run). Nothing is computed."""
    configs = grid_of(stage, p, seeds, depths)
    stored, missing = grids.split_grid(configs, p)
    elsewhere = []
    own = {grids.cost_class(r["config"]) for r in stored}
    if any(grids.cost_class(c) not in own for c in missing):  # other stages' runs that cost alike
        for other in GRID_STAGES:
            if other != stage:
                elsewhere += grids.split_grid(grid_of(other, p, None), p)[0]
    estimate = grids.estimate_missing_seconds(stored, missing, elsewhere)
    source = (
        "the median stored run of each kind, from other stages where this one has none (they may evaluate more sets)"
        if elsewhere
        else "the median stored run of each kind"
    )
    rest = f"~{estimate / 3600:.1f} h at {source}" if estimate is not None else "no estimate"
    spent = sum(r["wall_seconds"] for r in stored) / 3600
    print(f"{stage}: {len(stored)}/{len(configs)} stored ({spent:.1f} h measured); {len(missing)} missing: {rest}")
    for cfg, path in grids.checkpoints_in_cache(missing, p):
        written = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        print(
            f"  in flight: {cfg.protocol} {grids.label(cfg)} seed {cfg.seed}: checkpoint {path.name} (written {written}) resumes there"
        )


def bitext_status(p, seeds: list[int] | None, depths: list[int] | None) -> None:
    """Stored / missing FLORES + Tatoeba records of the scaling runs, and their measured cost."""
    configs = grids.bitext_grid(p, depths, seeds)
    stored, missing = grids.stored_bitext(configs, p)
    spent = sum(r["wall_seconds"] for r in stored) / 3600
    retrained = [r["wall_seconds"] for r in stored if r["weights"]["source"] == "retrained"]
    per = f"; a retrained run took a median {sorted(retrained)[len(retrained) // 2]:.0f} s" if retrained else ""
    print(f"bitext: {len(stored)}/{len(configs)} stored ({spent:.1f} h measured{per}); {len(missing)} missing")
    for cfg in missing[:8]:
        print(f"  next: {cfg.model} top {cfg.top_layers} {grids.label(cfg)} seed {cfg.seed} steps {cfg.steps}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "stages",
        nargs="+",
        choices=[
            "baselines",
            "head-grid",
            "finetune",
            "finetune-depth",
            "scaling",
            "neutrality",
            "depth-baselines",
            *GRID_STAGES,
            "answer-ranks",
            "language-preference",
            "shift-lir-published",
            "bitext",
            "paper",
        ],
    )
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--protocols", nargs="*", default=None, help="head-grid: only these protocols")
    ap.add_argument("--ft-seeds", type=int, nargs="*", default=None, help="finetune stages: seeds (default: first)")
    ap.add_argument("--seeds", type=int, nargs="*", default=None, help="partial stages: seeds (default: preset)")
    ap.add_argument(
        "--depths", type=int, nargs="*", default=None, help="scaling-ft: only these depths (default: the preset's)"
    )
    ap.add_argument("--status", action="store_true", help="grid stages: print stored / missing runs, compute nothing")
    args = ap.parse_args()
    p = get_preset(args.preset)

    def say(text: str) -> None:
        if is_main():  # under torchrun, one rank reports
            print(text, flush=True)

    def log(rec):
        say(f"  {rec['kind']} {rec['config_hash']} {rec.get('wall_seconds')}s")

    if args.status:
        for stage in args.stages:
            if stage == "bitext":
                bitext_status(p, args.seeds, args.depths)
            else:
                print_status(stage, p, args.seeds, args.depths)
        return
    import torch

    from hybridlib.runs import executor
    from hybridlib.runs.baselines import run_baseline, run_trec_check, use_m_baselines
    from hybridlib.runs.finetune_runs import finetune_config, run_finetune, zero_shot_on
    from hybridlib.runs.transform_runs import run_transform_only

    torch.set_num_threads(args.threads)
    for stage in args.stages:
        t0 = time.perf_counter()
        say(f"[{stage}]")
        if stage == "baselines":
            for rec in (run_baseline("bm25", p), run_baseline("dense", p, p.model), run_trec_check(p, p.model)):
                log(rec)
            for key, rec in use_m_baselines(p).items():  # USE-m and the backbone on the USE-m languages
                if key != "unsupported":
                    log(rec)
        elif stage == "depth-baselines":
            for d in p.depths:
                log(run_baseline("dense", p, f"{p.model}:L{d}", tasks=grids.SCALING_TASKS))
            log(run_baseline("bm25", p, tasks=grids.SCALING_TASKS))
        elif stage == "head-grid":
            protocols = args.protocols or list(grids.PROTOCOLS)
            executor.run_grid(grids.alpha_grid(p, protocols), p, "head grid", on_done=log)
        elif stage in ("finetune", "finetune-depth"):  # full model / the scaling extension's smaller depth
            model = p.model if stage == "finetune" else f"{p.model}:L{p.ft_small_depth}"
            for seed in args.ft_seeds or p.seeds[:1]:
                for alpha in grids.MAIN_ALPHAS.values():
                    cfg = finetune_config(p, "mlqa-test", alpha, seed, model=model)
                    log(run_finetune(cfg, p))
            log(zero_shot_on(cfg, p))
        elif stage == "scaling":
            executor.run_grid(grids.scaling_grid(p), p, "scaling", on_done=log)
        elif stage == "neutrality":
            for t in grids.NEUTRALITY_TRANSFORMS:
                log(run_transform_only(t, p))
            executor.run_grid(grids.neutrality_grid(p), p, "neutrality", on_done=log)
        elif stage in GRID_STAGES:  # the fine-tuning grids of the partial track
            if stage == "scaling-ft":
                log(run_baseline("bm25", p, tasks=grids.SCALING_FT_TASKS))
            executor.run_grid(grid_of(stage, p, args.seeds, args.depths), p, stage, on_done=log)
        elif stage == "answer-ranks":  # notebook 04: untrained and the first seed's head of each strategy
            from hybridlib.runs.bias_runs import run_answer_ranks

            for ds in ("xquad-r", "mlqa-r"):
                log(run_answer_ranks(p, ds))
                for cfg in grids.main_grid(p, ["mlqa-test"]):
                    if cfg.seed == p.seeds[0]:
                        log(run_answer_ranks(p, ds, cfg))
        elif stage == "language-preference":  # notebooks 04 and 08: LPR, Lang-nDCG, top-1 classes, MRC
            from hybridlib.runs.preference_runs import run_language_preference

            for cfg, head in grids.preference_grid(p):
                log(run_language_preference(p, cfg, head))
        elif stage == "shift-lir-published":  # issue 52: SHIFT / LIR as published, and their LPR
            from hybridlib.runs.preference_runs import preference_config, run_language_preference
            from hybridlib.runs.transform_runs import PUBLISHED_TASKS

            for t in grids.SHIFT_LIR_PUBLISHED:
                log(run_transform_only(t, p, eval_tasks=PUBLISHED_TASKS))
                log(run_language_preference(p, preference_config(p, "transform", transform=t)))
        elif stage == "bitext":  # issue 51: FLORES / Tatoeba for every scaling run (trains what kept no weights)
            executor.run_bitext_grid(grids.bitext_grid(p, args.depths, args.seeds), p, on_done=log)
        elif stage == "paper":  # the paper's recipe: a GPU and a network (use --preset paper)
            from hybridlib.runs.paper_runs import run_paper

            run_paper(p, on_done=log)
        say(f"[{stage}] done in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
