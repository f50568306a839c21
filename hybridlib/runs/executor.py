"""Computing grids: the one place a grid config becomes a training run.

:func:`run_config` sends a config to its runner (head, partial fine-tuning, full fine-tuning),
which returns the stored record or computes, stores and returns it; :func:`run_grid` does so for a
list with a progress bar; :func:`evidence_tracks` gathers the tracks a results notebook shows,
computing the head track (and, when the preset says so, the partial track) if it is missing. Under
``HYBRIDLIB_READ_ONLY=1`` a missing run is an error (:class:`~hybridlib.runs.store.MissingRunError`)
instead. To read stored runs without ever training, use :mod:`hybridlib.runs.grids`.
"""

from __future__ import annotations

from collections.abc import Callable

from hybridlib.presets import Preset
from hybridlib.progress import progress
from hybridlib.runs.configs import run_kind
from hybridlib.runs.grids import has_every_strategy, main_grid, paper_grid, partial_grid, split_grid, stored_grid


def run_config(cfg, preset: Preset) -> dict:
    """Compute (or read) the stored run of any grid config."""
    kind = run_kind(cfg)  # a TypeError naming the class for anything else
    stored, _ = split_grid([cfg], preset)
    if stored:  # reading a stored run needs no runner (whose import pulls in torch: ~15 s)
        return stored[0]
    if kind == "head":
        from hybridlib.runs.head_runs import run_head

        return run_head(cfg, preset)
    if kind == "partial-ft":
        from hybridlib.runs.partial_runs import run_partial

        return run_partial(cfg, preset)
    from hybridlib.runs.finetune_runs import run_finetune

    return run_finetune(cfg, preset)


def run_grid(
    configs: list, preset: Preset, desc: str = "runs", on_done: Callable[[dict], None] | None = None
) -> list[dict]:
    """The record of every config, in order: stored ones read, missing ones computed (one at a
    time; ``on_done(record)`` after each)."""
    out = []
    for cfg in progress(configs, desc=desc):
        rec = run_config(cfg, preset)
        out.append(rec)
        if on_done:
            on_done(rec)
    return out


def run_bitext_grid(
    configs: list, preset: Preset, desc: str = "bitext", on_done: Callable[[dict], None] | None = None
) -> list[dict]:
    """FLORES / Tatoeba records of partial-track ``configs`` (:func:`hybridlib.runs.grids.bitext_grid`),
    in order: a run not stored yet is first trained and evaluated as usual (keeping its weights), a
    stored one without kept weights is retrained; ``on_done(record)`` after each record either makes."""
    from hybridlib.runs.bitext_runs import run_bitext

    out = []
    for cfg in progress(configs, desc=desc):
        if not split_grid([cfg], preset)[0]:
            rec = run_config(cfg, preset)
            if on_done:
                on_done(rec)
        out.append(run_bitext(cfg, preset))
        if on_done:
            on_done(out[-1])
    return out


def evidence_tracks(preset: Preset, protocol: str, needs: str | None = None) -> dict[str, list[dict]]:
    """The runs a results notebook shows, primary first: under the ``paper`` preset the paper's recipe
    (one track per backbone), then partial fine-tuning, then the head track (always, computed if
    missing). A track counts once every strategy has a stored run (with task ``needs`` when given);
    the smoke preset trains its tiny partial grid here."""
    tracks: dict[str, list[dict]] = {}
    if preset.protocol == "paper":
        recipe, _ = stored_grid(paper_grid(preset), preset)
        for backbone in preset.backbones:
            recs = [r for r in recipe if r["config"]["model"] == backbone]
            if has_every_strategy(recs, needs):
                tracks[f"paper recipe: {backbone}"] = recs
    partial_configs = [c for c in partial_grid(preset, [protocol]) if c.steps > 0]
    if preset.notebooks_compute:
        run_grid(partial_configs, preset, "partial track")
    partial, _ = stored_grid(partial_configs, preset)
    if has_every_strategy(partial, needs):
        tracks["partial fine-tuning"] = partial
    tracks["head"] = run_grid(main_grid(preset, [protocol]), preset, "head track")
    return tracks
