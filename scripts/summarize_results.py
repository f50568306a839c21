"""Write results/SUMMARY.md from the committed runs (every number here is read from results/).

python scripts/summarize_results.py [--preset cpu]
"""

from __future__ import annotations

import argparse

import pandas as pd

from hybridlib.analysis.aggregate import summary_frame
from hybridlib.analysis.stats import fmt_ci
from hybridlib.analysis.tables import LAREQA_COLUMNS, finetune_table, with_ci
from hybridlib.fileio import _atomic
from hybridlib.paths import results_dir
from hybridlib.presets import get_preset
from hybridlib.runs import grids
from hybridlib.runs.store import list_runs
from hybridlib.train.protocols import CROSS_DATASET_PROTOCOLS


def lareqa_block(records, dataset, baselines) -> str:
    f = summary_frame(records, dataset)
    if f.empty:
        return ""
    rows = {}
    for name, rec in baselines.items():
        if rec and dataset in rec["results"]:
            rows[name] = {c: f"{rec['results'][dataset]['summary'][c]:.4f}" for c in LAREQA_COLUMNS}
    for s in ("X-X-mono", "X-Y", "Hybrid"):
        g = f[f.strategy == s]
        if len(g):
            rows[f"{s} (head, {len(g)} seeds)"] = {c: fmt_ci(g[c], 4 if c != "RD" else 1) for c in LAREQA_COLUMNS}
    return pd.DataFrame(rows).T.to_markdown()


POOLED_TASKS = ("miracl-pooled", "tydi", "afriqa", "afriqa-translated")
COST = {
    "train s": "train_seconds",
    "steps/s": "steps_per_second",
    "eval s": "eval_seconds",
    "peak RSS GB": "peak_rss_mb",
}


def _ordered(t: pd.DataFrame, ref_row: dict | None) -> pd.DataFrame:
    """Untrained first, then the strategies in the paper's order."""
    rows = [s for s in ("X-X-mono", "X-Y", "Hybrid") if s in t.index]
    t = t.loc[rows].astype(object)
    if ref_row is not None:
        t = pd.concat([pd.DataFrame({**ref_row, "n_seeds": ""}, index=["untrained (same path)"]), t])
    return t


def partial_blocks(p) -> list[str]:
    """The partial fine-tuning track (primary evidence): per protocol, the untrained model through the
    same path beside mean ± 95% CI over seeds per strategy, LAReQA metrics, the pooled tasks' mean
    nDCG@10 and each strategy's median cost; then the every-block grid (the paper's regime) per
    cross-dataset protocol, beside that protocol's untrained reference."""
    out = []
    refs = {}
    for proto in grids.PROTOCOLS:
        recs, missing = grids.stored_grid(grids.partial_grid(p, [proto]), p)
        refs[proto] = next((r for r in recs if r["config"]["steps"] == 0), None)
        title = f"Partial fine-tuning (top {p.pft_top_layers} blocks"
        out += _track_block(title, recs, missing)
    for proto in CROSS_DATASET_PROTOCOLS:
        recs, missing = grids.stored_grid(grids.every_block_grid(p, [proto]), p)
        ref = [refs[proto]] if refs.get(proto) else []
        out += _track_block(f"Every block trained ({p.every_block_layers} blocks", recs + ref, missing)
    return out


def _track_block(title: str, recs: list[dict], missing: int) -> list[str]:
    """One protocol's section of a fine-tuning grid (``title`` completed with the step count and the
    protocol); empty without a trained run."""
    out = []
    trained = [r for r in recs if r["config"]["steps"] > 0]
    if trained:
        proto = trained[0]["config"]["protocol"]
        ref = next((r for r in recs if r["config"]["steps"] == 0), None)
        head = f"## {title}, {trained[0]['config']['steps']} steps): {proto}"
        out += [head, "", f"{len(trained) + (ref is not None)} runs stored, {missing} of the grid missing.", ""]
        for ds in ("xquad-r", "mlqa-r"):
            f = summary_frame(trained, ds)
            if f.empty:
                continue
            ref_row = ref and {
                c: f"{ref['results'][ds]['summary'][c]:.{1 if c == 'RD' else 4}f}" for c in LAREQA_COLUMNS
            }
            t = _ordered(with_ci(f, "strategy", LAREQA_COLUMNS), ref_row)
            out += [f"**→ {ds}**", "", t.to_markdown(), ""]
        pooled = [ds for ds in POOLED_TASKS if ds in trained[0]["results"]]
        if pooled:
            cols = [f"{ds} nDCG@10" for ds in pooled]
            f = summary_frame(trained, pooled[0])[["strategy"]].copy()
            for ds, col in zip(pooled, cols):
                f[col] = [r["results"][ds]["per_language"]["mean"]["nDCG@10"] for r in trained]
            ref_row = ref and {
                c: f"{ref['results'][ds]['per_language']['mean']['nDCG@10']:.4f}" for ds, c in zip(pooled, cols)
            }
            t = _ordered(with_ci(f, "strategy", cols), ref_row)
            out += ["**pooled tasks (mean over languages of nDCG@10)**", "", t.to_markdown(), ""]
        cost = pd.DataFrame(
            [
                {"strategy": s, **{k: r["train"].get(v, float("nan")) for k, v in COST.items()}}
                for s, r in zip(
                    summary_frame(trained, "xquad-r" if "xquad-r" in trained[0]["results"] else "mlqa-r").strategy,
                    trained,
                )
            ]
        )
        cost["peak RSS GB"] = cost["peak RSS GB"] / 1024
        out += [
            "**cost per run (median over seeds)**",
            "",
            _ordered(cost.groupby("strategy").median().round(3), None).to_markdown(),
            "",
        ]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="cpu")
    p = get_preset(ap.parse_args(argv).preset)
    heads = [r for r in list_runs("head", p.results_subdir) if r["config"]["preset"] == p.name]
    if not heads and not [r for r in list_runs("baselines", p.results_subdir) if r["config"]["preset"] == p.name]:
        store = results_dir() / p.results_subdir if p.results_subdir else results_dir()
        raise SystemExit(
            f"summarize_results: no runs of preset {p.name!r} under {store} (an empty store would give an empty "
            f"SUMMARY.md); fill it first: python scripts/run_experiments.py baselines head-grid --preset {p.name}"
        )

    def base_name(cfg: dict) -> str:
        name = f"zero-shot {cfg['model']}" if cfg["method"] == "dense" else "BM25"
        return name + (" (USE-m languages only)" if cfg.get("lareqa_langs") else "")

    base = {
        base_name(r["config"]): r
        for r in list_runs("baselines", p.results_subdir)
        if r["config"]["preset"] == p.name and set(r["config"]["tasks"]) >= {"xquad-r", "mlqa-r"}
    }
    # a fixed row order (records are stored by content hash, so file order means nothing)
    order = [f"zero-shot {p.model}", "zero-shot use-m (USE-m languages only)", "BM25"]
    base = dict(sorted(base.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))
    out = [
        "# Results summary (generated by `scripts/summarize_results.py`; do not edit)",
        "",
        f"Preset `{p.name}`: backbone {p.model}, head track unless stated (the partial fine-tuning track, the "
        "primary evidence, follows the head track), mean ± 95% CI half-width over seeds. "
        "Deviations from the paper: see README. MIRACL is the pooled mini-MIRACL.",
        "",
    ]
    for proto in grids.PROTOCOLS:
        recs = [
            r
            for r in heads
            if r["config"]["protocol"] == proto
            and r["config"]["transform"] == "none"
            and r["config"]["alpha"] in (0.0, 0.5, 1.0)
            and r["config"]["model"] == p.model
            and tuple(r["config"]["eval_tasks"]) == grids.PROTOCOLS[proto]
        ]
        for ds in ("xquad-r", "mlqa-r"):
            block = lareqa_block(recs, ds, base)
            if block:
                out += [f"## {proto} → {ds}", "", block, ""]
    out += partial_blocks(p)
    ft = finetune_table(p.name, p.results_subdir)
    if len(ft):
        out += [
            "## Full fine-tuning (CPU budget; evaluated on a fixed subsample)",
            "",
            ft.reset_index().round(4).to_markdown(index=False),
            "",
        ]
    text = "\n".join(out) + "\n"
    _atomic(results_dir() / "SUMMARY.md", lambda fh: fh.write(text.encode()))
    print(text)


if __name__ == "__main__":
    main()
