"""The paper's claims, each tested on our runs: effect size, CI, p-value, verdict.

Paired tests are over queries, on per-query scores averaged over seeds; p-values are Holm-corrected
across all claims' comparisons. Verdicts are computed by :func:`hybridlib.stats.verdict`.
"""

from __future__ import annotations

import pandas as pd

from .aggregate import group_by_strategy, per_query
from .stats import holm, paired_test, verdict

CLOSE_MARGIN = 0.01  # "Hybrid best or close": within 0.01 mAP of the better single strategy
UNSEEN = {"mlqa-r>xquad-r": ("el", "ru", "th", "tr")}


def _pq(groups, strategy, key, subdir):
    return per_query(groups[strategy], key, subdir)


def _compare(a: pd.Series, b: pd.Series, filt=None) -> dict:
    df = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    if filt is not None:
        df = df[[filt(i) for i in df.index]]
    return paired_test(df.a.to_numpy(), df.b.to_numpy())


def claims_table(
    records: list[dict],
    protocol_records: dict[str, list[dict]] | None = None,
    dataset: str = "xquad-r",
    subdir: str = "",
) -> pd.DataFrame:
    """One row per claim. ``records``: the main-protocol runs (all three strategies, all seeds);
    ``protocol_records``: runs per protocol for the unseen-language claim."""
    g = group_by_strategy(records)
    rows = []

    def add(claim, comparison, res, expect, relative=None, margin=0.0):
        rows.append(
            {
                "claim": claim,
                "comparison": comparison,
                "effect": res["diff"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "p": res["p"],
                "n_queries": res["n"],
                "expect": expect,
                "margin": margin,
                "relative": relative,
            }
        )

    if not {"X-X-mono", "X-Y", "Hybrid"} <= set(g):
        raise ValueError(f"claims need X-X-mono, X-Y and Hybrid runs; have {sorted(g)}")
    for setting, name in (("mono", "Mo"), ("cross", "Cr"), ("multi", "Mul")):
        key = f"{dataset}/{setting}/mAP"
        hyb, xx, xy = (_pq(g, s, key, subdir) for s in ("Hybrid", "X-X-mono", "X-Y"))
        best_other = "X-X-mono" if xx.mean() >= xy.mean() else "X-Y"
        add(
            f"Hybrid best or close in {name} ({dataset} mAP)",
            f"Hybrid − {best_other}",
            _compare(hyb, xx if best_other == "X-X-mono" else xy),
            "not-worse",
            margin=CLOSE_MARGIN,
        )
        if setting == "mono":
            for other, s in (("X-Y", xy), ("Hybrid", hyb)):
                add(f"X-X-mono best in Mo ({dataset} mAP)", f"X-X-mono − {other}", _compare(xx, s), "greater")
        if setting == "cross":
            for other, s in (("X-X-mono", xx), ("Hybrid", hyb)):
                add(f"X-Y best in Cr ({dataset} mAP)", f"X-Y − {other}", _compare(xy, s), "greater")
    rd_key = f"{dataset}/multi/rank_distance"
    rd_h, rd_x = _pq(g, "Hybrid", rd_key, subdir), _pq(g, "X-X-mono", rd_key, subdir)
    res = _compare(rd_x, rd_h)  # positive = Hybrid lower
    add(
        f"Hybrid cuts rank distance vs X-X-mono by 13–30% ({dataset})",
        "RD(X-X-mono) − RD(Hybrid)",
        res,
        "greater",
        relative=res["diff"] / max(rd_x.mean(), 1e-9),
    )
    for proto, langs in UNSEEN.items():
        recs = (protocol_records or {}).get(proto)
        if not recs:
            continue
        gp = group_by_strategy(recs)
        ds = proto.split(">")[1]
        hyb = per_query(gp["Hybrid"], f"{ds}/multi/mAP", subdir)
        for other in ("X-X-mono", "X-Y"):
            oth = per_query(gp[other], f"{ds}/multi/mAP", subdir)
            add(
                f"Hybrid generalises to unseen languages ({proto}, {'/'.join(langs)} queries, Mul mAP)",
                f"Hybrid − {other}",
                _compare(hyb, oth, lambda q, langs=langs: q.split("/")[0] in langs),
                "not-worse",
                margin=CLOSE_MARGIN,
            )
    mir = [k for k in _keys(records[0], subdir) if k.startswith("miracl-pooled/") and k.endswith("/nDCG@10")]
    if mir:
        xx = pd.concat([_pq(g, "X-X-mono", k, subdir) for k in mir])
        hyb = pd.concat([_pq(g, "Hybrid", k, subdir) for k in mir])
        add(
            "On MIRACL X-X-mono beats Hybrid (pooled mini-MIRACL nDCG@10)",
            "X-X-mono − Hybrid",
            _compare(xx, hyb),
            "greater",
        )
    df = pd.DataFrame(rows)
    df["p_holm"] = holm(df.p.to_numpy())
    df["verdict"] = [
        verdict(r.effect, r.ci_low, r.ci_high, r.p_holm, r.expect, margin=r.margin) for r in df.itertuples()
    ]
    rd = df.claim.str.startswith("Hybrid cuts rank distance")
    # the 13–30% size: supported only if the reduction is significant and at least 13%
    df.loc[rd & (df.verdict == "supported") & (df.relative < 0.13), "verdict"] = "inconclusive (smaller than 13%)"
    return df


def _keys(record: dict, subdir: str) -> list[str]:
    from .runs import arrays_of

    return list(arrays_of(record, subdir))


__all__ = ["claims_table"]
