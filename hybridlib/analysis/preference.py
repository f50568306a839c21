"""Do the language-bias metrics agree? Rank distance beside LPR, MRC and the top-1 decomposition.

Each metric is read per query from stored records (``<set>/preference/<metric>`` arrays of
``language-preference`` records or of any run evaluated since the metrics exist; rank distance from
``<set>/multi/rank_distance``) and compared between strategies with the study's two-level bootstrap
(seeds, then question clusters; :func:`hybridlib.analysis.inference.hierarchical_bootstrap`).

Direction: every metric is oriented so that **larger = more query-language bias**: rank distance
and LPR as they are, the share of top-1 results that are wrong but in the query language as it is,
and MRC as ``1 − MRC`` (rank correlation measures consistency, the opposite of bias). Lang-nDCG@10
rewards query-language answers, so it is a utility, not a bias measure: it is reported, not ranked
for agreement.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hybridlib.analysis.inference import hierarchical_bootstrap, sample_from
from hybridlib.runs.store import arrays_of

BIAS_METRICS = {  # name -> (array key under <set>/, sign: +1 larger = more bias)
    "rank distance": ("multi/rank_distance", 1.0),
    "LPR": ("preference/LPR", 1.0),
    "1 − MRC": ("preference/MRC", -1.0),
    "top-1 wrong, query language": ("preference/top1", 1.0),
}


def has_preference(record: dict, dataset: str, subdir: str = "") -> bool:
    """Whether a record holds the per-query language-preference arrays (runs evaluated before the
    metrics existed do not: rerun them, or back-fill with ``run_experiments.py language-preference``)."""
    return f"{dataset}/preference/LPR" in arrays_of(record, subdir)


def runs_with_preference(
    by_strategy: dict[str, list[dict]], dataset: str, subdir: str = "", min_runs: int = 2
) -> dict[str, list[dict]] | None:
    """Each strategy's runs that carry the per-query language-preference arrays on ``dataset``
    (evaluated after the metrics existed), or ``None`` when a strategy has fewer than ``min_runs``:
    with one run a strategy gives the two-level bootstrap no seed level, and its CIs would hold
    question sampling only."""
    out = {s: [r for r in rs if has_preference(r, dataset, subdir)] for s, rs in by_strategy.items()}
    return out if out and all(len(rs) >= min_runs for rs in out.values()) else None


def seeds_by_strategy(by_strategy: dict[str, list[dict]], order: list[str] | None = None) -> dict[str, list[int]]:
    """Each strategy's seeds, sorted: ``{"X-Y": [0, 1, 2], ...}``, keyed in ``order`` when given
    (every strategy in it must be in ``by_strategy``), else in ``by_strategy``'s order."""
    return {s: sorted(r["config"]["seed"] for r in by_strategy[s]) for s in (order or by_strategy)}


def seeds_label(by_strategy: dict[str, list[dict]]) -> str:
    """The seeds behind a comparison of strategies, for a sentence: ``"seeds 0, 1"`` when every
    strategy has the same seeds, else each strategy's (``"seeds X-Y 0, 1, 2; Hybrid 0, 1"``), so an
    unbalanced set is never read as the union."""
    seeds = seeds_by_strategy(by_strategy)
    fmt = lambda xs: ", ".join(map(str, xs))  # noqa: E731
    if len({tuple(v) for v in seeds.values()}) <= 1:
        return "seeds " + fmt(next(iter(seeds.values()), []))
    return "seeds " + "; ".join(f"{s} {fmt(v)}" for s, v in seeds.items())


BASELINE_SYSTEMS = ("untrained", "BM25", "USE-m (USE-m's languages)", "untrained (USE-m's languages)")


def system_order(
    names, transforms: Iterable[str], strategies: Iterable[str], transform_heads: bool = True
) -> list[str]:
    """Display order of language-preference systems (labels of :func:`system_label`): the untrained
    encoder and the baselines, the training-free transforms and the strategies' heads in the given
    orders, any other system alphabetically, then (``transform_heads``) each transform + head."""
    first = [*BASELINE_SYSTEMS, *(f"{t} (no training)" for t in transforms), *(f"{s} (head)" for s in strategies)]
    names = set(names)
    rest = sorted(names - set(first))
    combined = [n for n in rest if " + " in n] if transform_heads else []
    return [n for n in first if n in names] + [n for n in rest if " + " not in n] + combined


def metric_series(record: dict, dataset: str, metric: str, subdir: str = "") -> pd.Series:
    """Per-query values of one bias metric (see :data:`BIAS_METRICS`), oriented larger = more bias;
    NaN queries (no parallel version) dropped."""
    key, sign = BIAS_METRICS[metric]
    a = arrays_of(record, subdir)
    if key.startswith("preference/"):
        ids = a[f"{dataset}/preference/query_id"]
        v = a[f"{dataset}/{key}"].astype(np.float64)
        if metric == "top-1 wrong, query language":
            v = (v == 2).astype(np.float64)
        elif sign < 0:
            v = 1.0 - v
    else:
        ids, v = a[f"{dataset}/multi/query_id"], a[f"{dataset}/{key}"].astype(np.float64)
    s = pd.Series(v, index=ids.astype(str))
    return s[s.notna()]


def summary_table(systems: dict[str, list[dict]], dataset: str, subdir: str = "") -> pd.DataFrame:
    """One row per system (mean over its records, e.g. seeds): LPR (with its chance level), Lang-nDCG@10,
    MRC and the four top-1 shares, macro over query languages as stored in each record's summary."""
    rows = {}
    for name, recs in systems.items():
        vals = []
        for r in recs:
            res = r["results"][dataset]
            pref = res.get("language_preference", res)  # evaluation records nest it; back-fill records do not
            vals.append(
                {
                    "LPR": pref["LPR"],
                    "LPR chance": pref["lpr_chance"],
                    "Lang-nDCG@10": pref["Lang-nDCG@10"],
                    "MRC": pref["MRC"],
                }
                | {f"top-1: {k}": v for k, v in pref["top1"].items()}
            )
        rows[name] = dict(pd.DataFrame(vals).mean()) | {"runs": len(recs)}
    return pd.DataFrame(rows).T


def agreement(
    groups: dict[str, dict[str, list[dict]]],
    dataset: str,
    pairs: list[tuple[str, str]],
    subdir: str = "",
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Per bias metric and strategy pair, A − B (oriented larger = more bias) with its 95% CI.

    ``groups[metric_source][strategy]``: the records holding that metric's arrays (``"rank distance"``
    may come from the evaluation records, the others from language-preference records of the same
    configs). ``agrees with rank distance``: same sign as rank distance's difference, both CIs
    excluding 0 (``agree``), opposite signs both resolved (``disagree``), else ``unresolved``."""
    rows = []
    for metric in BIAS_METRICS:
        recs = groups["rank distance" if metric == "rank distance" else "preference"]
        for a, b in pairs:
            sa = sample_from([metric_series(r, dataset, metric, subdir) for r in _by_seed(recs[a])])
            sb = sample_from([metric_series(r, dataset, metric, subdir) for r in _by_seed(recs[b])])
            d = hierarchical_bootstrap(sa, sb, n_boot=n_boot)
            rows.append(
                {
                    "metric": metric,
                    "comparison": f"{a} − {b}",
                    "diff": d.estimate,
                    "ci_low": d.low,
                    "ci_high": d.high,
                    "p": d.p_two_sided,
                    "resolved": d.low > 0 or d.high < 0,
                }
            )
    out = pd.DataFrame(rows)
    rd = out[out.metric == "rank distance"].set_index("comparison")

    def verdict(row) -> str:
        ref = rd.loc[row.comparison]
        if row.metric == "rank distance":
            return "—"
        if not (row.resolved and ref.resolved):
            return "unresolved"
        return "agree" if np.sign(row["diff"]) == np.sign(ref["diff"]) else "disagree"

    out["agrees with rank distance"] = out.apply(verdict, axis=1)
    return out


def system_label(config: dict) -> str:
    """A readable name for a language-preference record's system."""
    from hybridlib.train.strategy import label

    langs = " (USE-m's languages)" if config.get("langs") else ""
    if config["system"] == "bm25":
        return "BM25"
    if config["system"] == "transform":
        return f"{config['transform']} (no training)"
    if config["system"] == "head":
        t = config["head"].get("transform", "none")
        return ("" if t == "none" else f"{t} + ") + label(config["head"]) + " (head)"
    return ("USE-m" if config["model"] == "use-m" else "untrained") + langs


def preference_records(preset: str, subdir: str = "") -> dict[str, list[dict]]:
    """Stored ``language-preference`` records of a preset, grouped by :func:`system_label`."""
    from hybridlib.runs.store import list_runs

    out: dict[str, list[dict]] = {}
    for r in list_runs("language-preference", subdir):
        if r["config"]["preset"] == preset:
            out.setdefault(system_label(r["config"]), []).append(r)
    return out


def _by_seed(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: r["config"].get("seed", (r["config"].get("head") or {}).get("seed", 0)))


__all__ = [
    "seeds_by_strategy",
    "seeds_label",
    "BIAS_METRICS",
    "agreement",
    "has_preference",
    "metric_series",
    "preference_records",
    "runs_with_preference",
    "summary_table",
    "system_label",
    "system_order",
]
