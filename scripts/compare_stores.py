"""Compare two results stores record by record: how closely a rerun reproduces the committed runs.

    python scripts/compare_stores.py /tmp/cold/results results

Records are matched by key (config + data fingerprints + store format). Per kind: records in both,
only in either, and the largest |difference| of any metric between matched records, rank distances
(in ranks) apart from the rest (fractions). Prints; computes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hybridlib.fileio import read_json


def numbers(d: dict, prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of a nested results dict, by dotted path."""
    out: dict[str, float] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out |= numbers(v, f"{prefix}{k}.")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[prefix + k] = float(v)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rerun", type=Path)
    ap.add_argument("committed", type=Path)
    args = ap.parse_args()
    kinds = sorted(
        {p.parent.name for p in args.rerun.glob("*/*.json")} | {p.parent.name for p in args.committed.glob("*/*.json")}
    )
    for kind in kinds:
        a = {p.name: p for p in (args.rerun / kind).glob("*.json")}
        b = {p.name: p for p in (args.committed / kind).glob("*.json")}
        worst = {"metric": (0.0, ""), "rank distance": (0.0, "")}
        for name in sorted(a.keys() & b.keys()):
            x, y = numbers(read_json(a[name]).get("results", {})), numbers(read_json(b[name]).get("results", {}))
            for path in x.keys() & y.keys():
                group = "rank distance" if path.endswith("RD") else "metric"
                diff = abs(x[path] - y[path])
                if diff > worst[group][0]:
                    worst[group] = (diff, f"{name[:-5]} {path}")
        both = len(a.keys() & b.keys())
        print(
            f"{kind}: {both} in both, {len(a.keys() - b.keys())} only in {args.rerun}, {len(b.keys() - a.keys())} only in {args.committed}"
        )
        for group, (diff, where) in worst.items():
            if both:
                print(f"  max |Δ| {group}: {diff:.4g}" + (f" ({where})" if where else ""))


if __name__ == "__main__":
    main()
