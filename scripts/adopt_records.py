"""Adopt a rerun store's records into results/, replacing the committed records of the same key.

    HYBRIDLIB_RESULTS=build/rerun-partial python scripts/run_experiments.py partial --seeds 0 1 2
    python scripts/compare_stores.py build/rerun-partial results --kind partial-ft \
        --table results/rerun_partial_vs_committed.csv                # first: keeps the committed values
    python scripts/adopt_records.py build/rerun-partial results --kind partial-ft

A rerun of a committed config has the committed record's key (same config, data and store format)
and, made by newer code, more in it (e.g. the language-preference arrays of issue 37). Every source
record is verified before anything is copied; each file is written atomically
(:func:`hybridlib.runs.store.adopt_records`). Prints the adopted keys.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hybridlib.runs.store import adopt_records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="the rerun's store (its HYBRIDLIB_RESULTS)")
    ap.add_argument("target", type=Path, help="the store to update (results)")
    ap.add_argument("--kind", required=True, help="record kind, e.g. partial-ft")
    ap.add_argument("--subdir", default="", help="the preset's results subdirectory ('' for cpu)")
    args = ap.parse_args()
    keys = adopt_records(args.source, args.target, args.kind, args.subdir)
    replaced = "adopted" if keys else f"nothing to adopt under {args.source / args.subdir / args.kind}"
    print(f"{args.kind}: {len(keys)} {replaced}" + "".join(f"\n  {k}" for k in keys))


if __name__ == "__main__":
    main()
