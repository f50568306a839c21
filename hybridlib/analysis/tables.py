"""Reader-facing tables built from stored runs (used by the notebooks)."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.stats import fmt_ci

LAREQA_COLUMNS = ("Mo_mAP", "Mo_R@1", "Cr_mAP", "Cr_R@1", "Mul_mAP", "Mul_R@10", "RD")


def lareqa_row(record: dict, dataset: str) -> dict:
    return {k: record["results"][dataset]["summary"][k] for k in LAREQA_COLUMNS}


def with_ci(frame: pd.DataFrame, by: str, columns=LAREQA_COLUMNS, digits: int = 4) -> pd.DataFrame:
    """Mean ± 95% CI half-width over seeds, one row per ``by`` value."""
    out = {}
    for key, g in frame.groupby(by, sort=False):
        out[key] = {c: fmt_ci(g[c], digits if c != "RD" else 1) for c in columns if c in g}
        out[key]["n_seeds"] = len(g)
    return pd.DataFrame(out).T


def pooled_frame(record: dict, dataset: str, metrics=("nDCG@10", "R@100")) -> pd.DataFrame:
    per = record["results"][dataset]["per_language"]
    return pd.DataFrame(per).T[[*metrics, "n_queries"]]


def _headline(results: dict) -> dict:
    out = {}
    for ds, res in results.items():
        if "summary" in res:
            out |= {f"{ds} {k}": res["summary"][k] for k in ("Mo_mAP", "Cr_mAP", "Mul_mAP")}
        elif "per_language" in res:
            out[f"{ds} nDCG@10"] = res["per_language"]["mean"]["nDCG@10"]
    return out


ZERO_SHOT_FT = "zero-shot (same subsample)"


def stored_finetunes(preset_name: str, subdir: str = "", models: list[str] | None = None) -> list[tuple[str, dict]]:
    """``(label, record)`` of the stored fine-tuning runs of a preset (label = strategy) and of the
    untrained model on the same subsample (label :data:`ZERO_SHOT_FT`), for ``models`` (None = all)."""
    from hybridlib.runs.store import list_runs
    from hybridlib.train.strategy import label

    def keep(cfg):
        return cfg["preset"] == preset_name and (models is None or cfg["model"] in models)

    out = [(label(r["config"]), r) for r in list_runs("finetune", subdir) if keep(r["config"])]
    return out + [(ZERO_SHOT_FT, r) for r in list_runs("finetune-zeroshot", subdir) if keep(r["config"])]


def finetune_table(preset_name: str, subdir: str = "", models: list[str] | None = None) -> pd.DataFrame:
    """Stored full fine-tuning runs of a preset (one row per model × strategy, seeds as rows) beside the
    untrained model on the same evaluation subsample, with steps, steps/s and wall times."""
    rows = []
    for name, r in stored_finetunes(preset_name, subdir, models):
        t = r.get("train", {})
        rows.append(
            {
                "model": r["config"]["model"],
                "strategy": name,
                "seed": r["config"].get("seed"),
                "steps": t.get("steps_run"),
                "steps/s": t.get("steps_per_second"),
                "train s": t.get("train_seconds"),
                "eval s": t.get("eval_seconds"),
                **_headline(r["results"]),
            }
        )
    if not rows:
        return pd.DataFrame()
    order = {"X-X-mono": 0, "X-Y": 1, "Hybrid": 2}
    df = pd.DataFrame(rows)
    df["_o"] = df.strategy.map(order).fillna(-1)
    return df.sort_values(["model", "_o", "seed"]).drop(columns="_o").set_index(["model", "strategy"])


def finetune_summary(ft: pd.DataFrame) -> pd.DataFrame:
    """:func:`finetune_table` reduced over seeds: mean ± 95% CI half-width of each metric per
    (model, strategy), the number of seeds and the median steps/s."""
    metrics = [c for c in ft.columns if c not in ("seed", "steps", "steps/s", "train s", "eval s")]

    def one(d: pd.DataFrame) -> pd.Series:
        cells = {c: fmt_ci(d[c].dropna()) for c in metrics}
        return pd.Series(cells | {"n_seeds": len(d), "steps/s (median)": d["steps/s"].median()})

    return ft.groupby(level=[0, 1], sort=False).apply(one)


def finetune_records(preset_name: str, subdir: str = "", model: str | None = None) -> dict[str, dict]:
    """One record per label of :func:`stored_finetunes` for one model (the lowest seed of each strategy)."""
    runs = sorted(stored_finetunes(preset_name, subdir, [model]), key=lambda x: -(x[1]["config"].get("seed") or 0))
    return dict(runs)  # later (lower-seed) entries win


__all__ = [
    "LAREQA_COLUMNS",
    "lareqa_row",
    "with_ci",
    "pooled_frame",
    "finetune_table",
    "finetune_records",
    "finetune_summary",
]


# --- the paper beside ours ------------------------------------------------------------------
SETTING_OF = {"Mo": "mono", "Cr": "cross", "Mul": "multi"}
PAPER_LAREQA_TABLE = {("xquad-r", "XLM-R"): 3, ("xquad-r", "LaBSE"): 5, ("mlqa-r", "XLM-R"): 4, ("mlqa-r", "LaBSE"): 6}


def _paper_value(dataset: str, column: str, strategy: str, model: str, lang: str = "mean") -> float | None:
    from hybridlib.analysis.paper import paper_cell

    if column == "RD":
        return paper_cell(7 if dataset == "xquad-r" else 8, model, dataset, "multi", "rank_distance", strategy, lang)
    setting, metric = column.split("_", 1)
    return paper_cell(PAPER_LAREQA_TABLE[(dataset, model)], model, dataset, SETTING_OF[setting], metric, strategy, lang)


def table1(records: list[dict], dataset: str, baselines: dict[str, dict] | None = None, columns=LAREQA_COLUMNS):
    """Ours (mean ± 95% CI over seeds, n seeds) beside the paper's XLM-R and LaBSE means (Tables 3-8),
    one row per (strategy, source). Paper values are labelled as the paper's; blank where it has none."""
    from hybridlib.analysis.aggregate import summary_frame

    frame = summary_frame(records, dataset)
    rows = []
    for s in ("X-X-mono", "X-Y", "Hybrid"):
        g = frame[frame.strategy == s] if len(frame) else frame
        if len(g):
            rows.append(
                {"strategy": s, "source": f"ours ({len(g)} seeds)"}
                | {c: fmt_ci(g[c], 4 if c != "RD" else 1) for c in columns}
            )
        for model in ("XLM-R", "LaBSE"):
            vals = {c: _paper_value(dataset, c, s, model) for c in columns}
            rows.append(
                {"strategy": s, "source": f"paper {model}"}
                | {c: ("" if v is None else (f"{v:.4f}" if c != "RD" else f"{v:.1f}")) for c, v in vals.items()}
            )
    for name, rec in (baselines or {}).items():
        if rec and dataset in rec["results"]:
            row = rec["results"][dataset]["summary"]
            rows.append({"strategy": name, "source": "ours (deterministic)"} | {c: f"{row[c]:.4f}" for c in columns})
    return pd.DataFrame(rows).set_index(["strategy", "source"])


def per_language_vs_paper(records: list[dict], dataset: str, column: str) -> pd.DataFrame:
    """Per language: ours (mean over seeds) and the paper's XLM-R / LaBSE for each strategy
    (the paper's Tables 3-8 in their own layout; blank where the paper has no value)."""
    from hybridlib.analysis.aggregate import per_language

    pl = per_language(records, dataset, column)
    if pl.empty:
        return pd.DataFrame()
    pl = pl.groupby(["lang", "strategy"])[column].mean().unstack()
    out = {}
    for s in ("X-X-mono", "X-Y", "Hybrid"):
        if s in pl:
            out[(s, "ours")] = pl[s]
        for model in ("XLM-R", "LaBSE"):
            out[(s, f"paper {model}")] = pd.Series(
                {lang: _paper_value(dataset, column, s, model, lang) for lang in pl.index}
            )
    t = pd.DataFrame(out).astype(float)
    t.loc["mean"] = t.mean()
    t.loc["mean", [c for c in t.columns if c[1] != "ours"]] = [
        _paper_value(dataset, column, s, m.split(" ", 1)[1]) for s, m in t.columns if m != "ours"
    ]
    t.attrs["note"] = "paper 'mean' rows are the paper's printed means over its languages"
    return t


def alpha_curve(records: list[dict], metrics=("Mo_mAP", "Cr_mAP", "Mul_mAP", "RD")) -> pd.DataFrame:
    """Long table of the α curve: protocol, dataset, α, metric, mean and 95% t-CI over seeds, n seeds."""
    from hybridlib.analysis.stats import mean_ci

    rows = []
    for proto, ds, f in _runs_by_protocol_and_dataset(records):
        for alpha, g in f.groupby("alpha"):
            for metric in metrics:
                m, lo, hi = mean_ci(g[metric])
                rows.append(
                    dict(protocol=proto, dataset=ds, alpha=alpha, metric=metric, mean=m, low=lo, high=hi, n=len(g))
                )
    return pd.DataFrame(rows)


def _runs_by_protocol_and_dataset(records: list[dict]):
    """``(protocol, dataset, one row per run)`` for XQuAD-R and MLQA-R, skipping a dataset a protocol has no run on."""
    from hybridlib.analysis.aggregate import summary_frame

    for proto in sorted({r["config"]["protocol"] for r in records}):
        recs = [r for r in records if r["config"]["protocol"] == proto]
        for ds in ("xquad-r", "mlqa-r"):
            f = summary_frame(recs, ds)
            if not f.empty:
                yield proto, ds, f


def alpha_trend(records: list[dict], metrics=("Mo_mAP", "Cr_mAP", "Mul_mAP", "RD")) -> pd.DataFrame:
    """Least-squares slope of each metric on α over all runs (one point per run, so seeds count as
    replicates): protocol, dataset, metric, slope (change from α = 0 to α = 1), its 95% t-CI with
    n - 2 degrees of freedom, the two-sided p-value of slope = 0, and n runs. A straight line is a
    summary of direction, not a model of the curve: read it beside :func:`alpha_curve`."""
    from scipy import stats as st

    rows = []
    for proto, ds, f in _runs_by_protocol_and_dataset(records):
        if f.alpha.nunique() < 2 or len(f) < 3:
            continue
        for metric in metrics:
            fit = st.linregress(f.alpha.astype(float), f[metric].astype(float))
            half = float(st.t.ppf(0.975, len(f) - 2) * fit.stderr)
            slope = float(fit.slope)
            rows.append(
                dict(
                    protocol=proto,
                    dataset=ds,
                    metric=metric,
                    slope=slope,
                    low=slope - half,
                    high=slope + half,
                    p=float(fit.pvalue),
                    n=len(f),
                )
            )
    return pd.DataFrame(rows)


def miracl_table(record: dict, task: str = "miracl-pooled") -> pd.DataFrame:
    """One run's language × (nDCG@10, R@100, n_queries) table of a MIRACL task (with mean, median)."""
    return pd.DataFrame(record["results"][task]["per_language"]).T


def miracl_per_language(records: list[dict], task: str = "miracl-pooled") -> dict[str, pd.DataFrame]:
    """Per strategy, :func:`miracl_table` averaged over seeds."""
    from hybridlib.analysis.aggregate import group_by_strategy

    return {
        s: pd.concat([miracl_table(r, task) for r in rs]).groupby(level=0, sort=False).mean()
        for s, rs in group_by_strategy(records).items()
    }


def me5_published_beside(ours: pd.DataFrame, label: str) -> pd.DataFrame:
    """Per language: multilingual-e5-small's published MIRACL dev nDCG@10 / R@100 (MTEB results, with
    the pool each was measured on, its query count and whether the model trained on that language's
    MIRACL train split; :func:`hybridlib.analysis.paper.published_me5_miracl`) beside ``ours`` (a
    :func:`miracl_table`), our columns prefixed with ``label``. Languages ``ours`` lacks are NaN."""
    from hybridlib.analysis.paper import published_me5_miracl

    pub = published_me5_miracl()
    wide = pub.pivot_table(index="lang", columns="metric", values="value").add_prefix("published ")
    meta = pub.drop_duplicates("lang").set_index("lang")[["pool", "queries", "training_on_miracl"]]
    mine = ours.drop(["mean", "median"], errors="ignore")
    cols = [m for m in ("nDCG@10", "R@100") if m in mine.columns]
    out = meta.rename(columns={"pool": "published pool", "queries": "published queries"}).join(wide)
    return out.join(mine[cols].astype(float).add_prefix(f"{label} "), how="left")


def miracl_vs_paper(
    ours: dict[str, pd.DataFrame], metric: str, label: str, models=("XLM-R", "LaBSE"), mean_over=None
) -> pd.DataFrame:
    """Our per-language MIRACL ``metric`` (``ours``: name -> table from :func:`miracl_per_language`)
    beside the paper's Table 12 (nDCG@10) / 13 (R@100) for ``models``; with ``mean_over`` a row with
    the mean over those languages."""
    from hybridlib.analysis.paper import paper_results

    table = 12 if metric == "nDCG@10" else 13
    out = pd.DataFrame({f"{name} ({label})": t[metric] for name, t in ours.items()})
    out = out.drop(["mean", "median"], errors="ignore")
    pr = paper_results()
    pr = pr[(pr.table == table) & (pr.metric == metric)]
    for model in models:
        for s in ("X-X-mono", "X-Y", "Hybrid"):
            col = pr[(pr.model == model) & (pr.strategy == s)].set_index("lang")["value"]
            out[f"{s} (paper {model}, full corpus)"] = col.reindex(out.index)
    if mean_over:
        langs = [lang for lang in mean_over if lang in out.index]
        out.loc[f"mean over {'/'.join(langs)}"] = out.loc[langs].mean()
    return out
