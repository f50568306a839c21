"""Compare two results stores record by record: how closely a rerun reproduces the committed runs.

    python scripts/compare_stores.py /tmp/cold/results results
    python scripts/compare_stores.py build/rerun-partial results --kind partial-ft \
        --table results/rerun_partial_vs_committed.csv

Records are matched by key (config + data fingerprints + store format). Per kind: records in both,
only in either, and the largest |difference| of any metric between matched records, rank distances
(in ranks) apart from the rest (fractions). Prints; computes nothing.

``--table`` keeps the comparison once the rerun is adopted (``scripts/adopt_records.py`` replaces the
committed records): one row per run and headline metric, committed beside rerun
(:func:`hybridlib.analysis.reproducibility.rerun_rows`), merged into the file's existing rows (a key
already there keeps its row; an adopted record is never compared with itself), written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from hybridlib.analysis.reproducibility import ROW_COLUMNS, merge_rows, rerun_rows
from hybridlib.fileio import read_json, write_by_name


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
    ap.add_argument("--kind", help="with --table: the record kind to tabulate, e.g. partial-ft")
    ap.add_argument("--table", type=Path, help="CSV of committed vs rerun headline metrics, merged into")
    args = ap.parse_args()
    if args.table and not args.kind:
        ap.error("--table needs --kind")
    kinds = sorted(
        {p.parent.name for p in args.rerun.glob("*/*.json")} | {p.parent.name for p in args.committed.glob("*/*.json")}
    )
    for kind in kinds:
        a, b = records(args.rerun / kind), records(args.committed / kind)
        worst = {"metric": (0.0, ""), "rank distance": (0.0, "")}
        for key in sorted(a.keys() & b.keys()):
            x, y = numbers(a[key].get("results", {})), numbers(b[key].get("results", {}))
            for path in x.keys() & y.keys():
                group = "rank distance" if path.endswith("RD") else "metric"
                diff = abs(x[path] - y[path])
                if diff > worst[group][0]:
                    worst[group] = (diff, f"{key} {path}")
        both = len(a.keys() & b.keys())
        print(
            f"{kind}: {both} in both, {len(a.keys() - b.keys())} only in {args.rerun}, {len(b.keys() - a.keys())} only in {args.committed}"
        )
        for group, (diff, where) in worst.items():
            if both:
                print(f"  max |Δ| {group}: {diff:.4g}" + (f" ({where})" if where else ""))
        if args.table and kind == args.kind:
            write_table(a, b, args.table)
    if args.table and args.kind not in kinds:
        raise SystemExit(f"--kind {args.kind}: no records of that kind in {args.rerun} or {args.committed}")


def records(folder: Path) -> dict[str, dict]:
    """A store folder's records by key (file stem)."""
    return {p.stem: read_json(p) for p in folder.glob("*.json")}


def write_table(rerun: dict[str, dict], committed: dict[str, dict], table: Path) -> None:
    """Merge the committed-vs-rerun rows of one kind's matched records (by key) into ``table``."""
    new = rerun_rows(rerun, committed)
    existing = pd.read_csv(table) if table.exists() else pd.DataFrame(columns=ROW_COLUMNS)
    if list(existing.columns) != ROW_COLUMNS:
        raise SystemExit(f"{table}: columns {list(existing.columns)}, expected {ROW_COLUMNS}")
    merged = merge_rows(existing, new)
    write_by_name(table, lambda tmp: merged.to_csv(tmp, index=False))
    added = merged["key"].nunique() - existing["key"].nunique()
    print(f"{table}: {merged['key'].nunique()} runs ({added} added), {len(merged)} rows")


if __name__ == "__main__":
    main()
