"""Store what the records hold in fewer bytes, exactly: drop per-(query, target) Cr arrays that the
per-query arrays already determine, and store whole-number rank distances as integers.

    python scripts/compact_store.py [--dry-run] [--prune-scaling-heads cpu]

Rank distances are differences of ranks, whole numbers; records stored before the store knew it hold
them as float32. They are rewritten as the smallest unsigned integer type that holds them
(:func:`hybridlib.runs.store.whole_rank_distances`), read back as the identical float32 values: ~20%
fewer bytes for the largest array of a LAReQA record.

``--prune-unread PRESET`` also drops the per-query arrays no notebook and no report reads (each JSON
keeps every summary and names what was pruned and why; reading a pruned array is an error that says
so and how to get it back from git history), in two classes (:data:`UNREAD`):

- the head-track depth-scaling grid (``grids.scaling_grid``): notebook 07 and REPORT read their
  summaries only (the MLQA-R arrays were dropped first, in an earlier session, as
  ``--prune-scaling-heads``);
- the α curve's inner points (α = 0.25, 0.75) on the head and the partial track: notebook 06 draws
  the curve and its slope from the runs' summaries (t intervals over seeds); no bootstrap reads them.

``--trace FILE`` (the ``HYBRIDLIB_TRACE_READS`` output of a full read-only ``make study`` and ``make
report``) is the check: a record whose arrays the trace shows read is never pruned.

When every ordered language pair of a LAReQA task holds the same questions (XQuAD-R: every
question in every language), the tables' Cr, the mean over ordered pairs, equals the macro over
query languages of each query's mean over its targets, in every question-cluster bootstrap draw
as well (:meth:`hybridlib.evaluation.scoring.LareqaResult.per_query_frame`). Runs stored before
the store knew this hold ``<task>/cross_pair/*`` anyway: ~95 KB of a ~270 KB partial-track record
and an 0.8 MB query-id file. For each such record this script checks that the pairs are balanced
and that the kept arrays give the pairs' Cr (float16 storage: |Δ| ≤ 2e-4), rewrites the arrays
without them and with the marker ``<task>/cross/pairs_balanced``, names the new digest in the
JSON, and deletes query-id files no record references any more. Unbalanced pairs (MLQA-R) stay.
``results/`` is under git: ``git checkout results`` undoes a run killed between two writes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hybridlib.analysis.inference import macro_mean
from hybridlib.evaluation.scoring import pairs_balanced
from hybridlib.fileio import read_json, write_json, write_npz
from hybridlib.paths import results_dir
from hybridlib.runs import grids
from hybridlib.runs.store import IDS_REF, _compact, arrays_of, file_sha256, whole_rank_distances
from hybridlib.train.strategy import MAIN_ALPHAS

TOLERANCE = 2e-4  # float16 rounding of per-query means vs of per-pair values


def _by_pair(pair_ids: np.ndarray) -> dict[str, list[str]]:
    """Pair ids ``x>y/qid`` grouped by their pair ``x>y``."""
    out: dict[str, list[str]] = {}
    for q in pair_ids.astype(str):
        out.setdefault(q.split("/", 1)[0], []).append(q)
    return out


def pair_and_query_cr(arrays: dict[str, np.ndarray], task: str, metric: str) -> tuple[float, float]:
    """Cr from the per-pair arrays (mean over ordered pairs) and from the per-query arrays."""
    pair_ids = arrays[f"{task}/cross_pair/query_id"].astype(str)
    by_pair = macro_mean(arrays[f"{task}/cross_pair/{metric}"], np.array([q.split("/", 1)[0] for q in pair_ids]))
    query_ids = arrays[f"{task}/cross/query_id"].astype(str)
    by_query = macro_mean(arrays[f"{task}/cross/{metric}"], np.array([q.split("/", 1)[0] for q in query_ids]))
    return by_pair, by_query


def float_rank_distances(npz: Path) -> list[str]:
    """Names of the rank-distance arrays an npz holds as floats although they are whole numbers."""
    with np.load(npz, allow_pickle=False) as z:
        return [
            k
            for k in z.files
            if k.endswith("rank_distance") and z[k].dtype.kind == "f" and whole_rank_distances(z[k]) is not None
        ]


def compact_record(js: Path, dry_run: bool = False) -> tuple[list[str], int]:
    """Drop the balanced tasks' per-pair arrays of one record and store its whole-number rank
    distances as integers; returns (what changed, bytes saved)."""
    record = read_json(js)
    arrays = arrays_of(record)  # verified against the digest its JSON names
    rank_distances = float_rank_distances(js.with_suffix(".npz"))
    tasks = sorted({k.split("/", 1)[0] for k in arrays if k.endswith("/cross_pair/query_id")})
    tasks = [t for t in tasks if pairs_balanced(_by_pair(arrays[f"{t}/cross_pair/query_id"]).values())]
    for t in tasks:
        for metric in ("mAP", "R@1"):
            by_pair, by_query = pair_and_query_cr(arrays, t, metric)
            if abs(by_pair - by_query) > TOLERANCE:
                raise ValueError(f"{js}: {t} Cr {metric} from pairs {by_pair:.6f} != from queries {by_query:.6f}")
    changed = [f"{t} per-pair arrays" for t in tasks] + [f"{k} as integers" for k in rank_distances]
    if not changed or dry_run:
        return changed, 0
    kept = {k: v for k, v in arrays.items() if not any(k.startswith(f"{t}/cross_pair/") for t in tasks)}
    kept |= {f"{t}/cross/pairs_balanced": np.array([True]) for t in tasks}
    npz = js.with_suffix(".npz")
    before = npz.stat().st_size
    write_npz(npz, **_compact(kept))
    write_json(js, {**record, "arrays_sha256": file_sha256(npz)})
    after = arrays_of(read_json(js))
    assert set(after) == set(kept), f"{js}: arrays after compaction are not the kept ones"
    for k, v in kept.items():  # float16 values re-stored unchanged; rank distances read back identical
        assert after[k].dtype == v.dtype and np.array_equal(after[k], v), f"{js}: array {k} changed"
    return changed, before - npz.stat().st_size


SCALING_HEADS_WHY = (
    "per-query arrays of the head-track depth-scaling grid (grids.scaling_grid): notebook 07 reads "
    "only their summaries; heads retrain in about a minute, deterministically"
)
ALPHA_WHY = (
    "per-query arrays of an inner point of the alpha curve (alpha 0.25 / 0.75): notebook 06 reads only "
    "the runs' summaries"
)


def _alpha_inner(preset) -> list:
    """The α curve's runs at α other than the main strategies', on the head and the partial track."""
    inner = [a for a in preset.alphas if a not in MAIN_ALPHAS.values()]
    return [c for c in grids.alpha_grid(preset) if c.alpha in inner] + grids.partial_alpha_grid(preset, inner)


UNREAD = {
    "scaling heads": (grids.scaling_grid, SCALING_HEADS_WHY),
    "alpha curve inner points": (_alpha_inner, ALPHA_WHY),
}


def prune_unread(preset_name: str, trace: Path | None, dry_run: bool = False) -> tuple[int, int]:
    """Prune every :data:`UNREAD` record of a preset of all its per-query arrays (never one the
    ``trace`` shows read); returns (records pruned, bytes saved)."""
    from hybridlib.presets import get_preset

    preset = get_preset(preset_name)
    read = {line.strip() for line in trace.read_text().splitlines()} if trace else set()
    n, saved = 0, 0
    for name, (grid, why) in UNREAD.items():
        configs = grid(preset)
        records, _ = grids.split_grid(configs, preset)
        for r in records:
            js = results_dir() / preset.results_subdir / r["kind"] / f"{r['config_hash']}.json"
            if str(js.with_suffix(".npz").resolve()) in read:
                raise SystemExit(f"{js}: the trace shows its arrays read; {name!r} is not unread any more")
            tasks = sorted({k.split("/", 1)[0] for k in arrays_of(r, preset.results_subdir)})
            freed = prune_record(js, tasks, why, dry_run, preset.results_subdir)
            n, saved = n + bool(freed), saved + freed
        done = "checked (dry run: nothing written)" if dry_run else "pruned of every per-query array"
        print(f"{name}: {len(records)} stored records {done} ({saved / 1e6:.1f} MB freed so far)")
    return n, saved


def prune_record(js: Path, tasks: list[str], why: str, dry_run: bool = False, subdir: str = "") -> int:
    """Drop a record's per-query arrays of ``tasks`` that no analysis reads; its JSON keeps the
    summaries and says what was pruned and why (``pruned_arrays``), and reading a pruned array is
    an error saying so (:class:`hybridlib.runs.store.PrunedArrays`). Returns the bytes saved."""
    record = read_json(js)
    arrays = dict(arrays_of(record, subdir))
    kept = {k: v for k, v in arrays.items() if k.split("/", 1)[0] not in tasks}
    if len(kept) == len(arrays) or dry_run:
        return 0
    npz = js.with_suffix(".npz")
    before = npz.stat().st_size
    write_npz(npz, **_compact(kept, subdir))
    pruned = sorted(set(record.get("pruned_arrays", {}).get("tasks", [])) | set(tasks))
    write_json(js, {**record, "arrays_sha256": file_sha256(npz), "pruned_arrays": {"tasks": pruned, "why": why}})
    after = arrays_of(read_json(js), subdir)
    for k, v in kept.items():
        assert after[k].dtype == v.dtype and np.array_equal(after[k], v), f"{js}: array {k} changed"
    return before - npz.stat().st_size


def referenced_ids(root: Path) -> set[str]:
    """Digests of the query-id files any stored record points to."""
    out = set()
    for npz in root.glob("*/*.npz"):
        if npz.parent.name == "ids":
            continue
        with np.load(npz, allow_pickle=False) as z:
            for k in z.files:
                v = z[k]
                if v.dtype.kind == "U" and v.shape == (1,) and str(v[0]).startswith(IDS_REF):
                    out.add(str(v[0])[len(IDS_REF) :])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="check and list, change nothing")
    ap.add_argument("--prune-unread", metavar="PRESET", help="also drop the per-query arrays no analysis reads")
    ap.add_argument("--trace", type=Path, help="HYBRIDLIB_TRACE_READS file: never prune a record it shows read")
    args = ap.parse_args()
    root = results_dir()
    n, saved = 0, 0
    if args.prune_unread:
        n, saved = prune_unread(args.prune_unread, args.trace, args.dry_run)
        print(f"{n} records pruned of their unread arrays ({saved / 1e6:.1f} MB)")
        n, saved = 0, 0
    for js in sorted(root.glob("*/*.json")):
        if js.parent.name == "ids":
            continue
        tasks, freed = compact_record(js, args.dry_run)
        if tasks:
            n, saved = n + 1, saved + freed
            verb = "would compact" if args.dry_run else "compacted"
            print(f"{js.parent.name}/{js.stem}: {verb} {', '.join(tasks)} ({freed / 1e3:.0f} KB)")
    unused = [] if args.dry_run else sorted(set(p.stem for p in (root / "ids").glob("*.npz")) - referenced_ids(root))
    for digest in unused:
        path = root / "ids" / f"{digest}.npz"
        saved += path.stat().st_size
        path.unlink()
    print(f"{n} records compacted, {len(unused)} unreferenced query-id files removed, {saved / 1e6:.1f} MB freed")


if __name__ == "__main__":
    main()
