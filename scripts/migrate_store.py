"""Re-key stored records to the current store format, without recomputing any of them.

    python scripts/migrate_store.py [--from DIR] [--dry-run]
    python scripts/migrate_store.py --rekey --kinds language-preference   # fingerprints computed differently today

For every record under ``results/<kind>/`` (or ``DIR/<kind>/``), rebuild its config object from
the stored config, compute the fingerprints of the data that config reads *today* (evaluation
suite after language selection and caps, training examples), write the record under its new key
(format 2: config + data + format, the arrays' SHA-256 named in the JSON) and prove, record by
record, that nothing but the keying changed: the new record verifies, its ``results`` equal the
old ones and every per-query array is identical. Old files are removed only after that check.
Records already in the current format are left alone, unless ``--rekey``: then each one whose key
is not what its config and *today's* data fingerprints give (a run found to read data its key did
not name) moves to its new key through the same checks.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from hybridlib.evaluation.suite import load_suite, suite_fingerprint
from hybridlib.fileio import read_json, write_json
from hybridlib.paths import results_dir
from hybridlib.presets import get_preset
from hybridlib.runs.baselines import BaselineConfig, SubsetBaselineConfig
from hybridlib.runs.finetune_runs import finetune_data
from hybridlib.runs.head_runs import HeadRunConfig, head_data
from hybridlib.runs.partial_runs import partial_data
from hybridlib.runs.preference_runs import PreferenceConfig, preference_data
from hybridlib.runs.store import STORE_FORMAT, _read_npz, arrays_of, file_sha256, record_key, verify
from hybridlib.runs.transform_runs import TransformConfig, transform_data
from hybridlib.train.finetune import FineTuneConfig
from hybridlib.train.head import HeadConfig
from hybridlib.train.partial import PartialFineTuneConfig
from hybridlib.train.protocols import training_examples


def _tuples(d: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def data_of(kind: str, c: dict) -> dict[str, str]:
    """Fingerprints of the data a stored config reads, computed by the same functions as its run."""
    preset = get_preset(c["preset"])
    if kind == "head":
        cfg = HeadRunConfig(**_tuples({**c, "head": HeadConfig(**c["head"])}))
        return head_data(cfg, preset.with_(max_queries=cfg.max_queries, max_candidates=cfg.max_candidates))
    if kind == "baselines":
        if "lareqa_langs" in c:
            langs = tuple((ds, tuple(v)) for ds, v in c["lareqa_langs"])
            cfg = SubsetBaselineConfig(**_tuples({**c, "lareqa_langs": langs}))
            preset = preset.with_(lareqa_langs=dict(langs))
        else:
            cfg = BaselineConfig(**_tuples(c))
        p = preset.with_(max_queries=cfg.max_queries, max_candidates=cfg.max_candidates)
        return {"eval": suite_fingerprint(load_suite(p, cfg.tasks))}
    if kind == "finetune":
        return finetune_data(FineTuneConfig(**_tuples(c)), preset)
    if kind == "finetune-zeroshot":
        sub = SimpleNamespace(
            eval_tasks=tuple(c["tasks"]), eval_max_queries=c["max_queries"], eval_max_candidates=c["max_candidates"]
        )
        return finetune_data(sub, preset, train=False)
    if kind == "transform":
        cfg = TransformConfig(**_tuples(c))
        p = preset.with_(max_queries=cfg.max_queries, max_candidates=cfg.max_candidates)
        ex = training_examples(cfg.fit_protocol, cfg.train_max_groups)
        return transform_data(cfg, load_suite(p, cfg.eval_tasks), ex, preset.ntrex_max_pairs)  # NTREX too
    if kind == "partial-ft":
        return partial_data(PartialFineTuneConfig(**_tuples(c)), preset)
    if kind == "language-preference":
        langs = tuple((ds, tuple(v)) for ds, v in c["langs"])
        cfg = PreferenceConfig(**_tuples({**c, "langs": langs}))
        head = None
        if cfg.head is not None:
            h = cfg.head
            head = HeadRunConfig(**_tuples({**h, "head": HeadConfig(**h["head"])}))
        p = preset.with_(lareqa_langs=dict(langs)) if langs else preset
        return preference_data(cfg, preset, load_suite(p, cfg.datasets), head)
    raise ValueError(f"no migration for records of kind {kind!r}")


def migrate(
    src_root: Path, dst_root: Path, dry_run: bool = False, kinds: tuple[str, ...] = (), rekey: bool = False
) -> tuple[int, int]:
    moved = kept = 0
    if src_root != dst_root and not dry_run:  # query-id arrays the imported records point to
        (dst_root / "ids").mkdir(parents=True, exist_ok=True)
        for ids in (src_root / "ids").glob("*.npz"):
            if not (dst_root / "ids" / ids.name).exists():
                shutil.copyfile(ids, dst_root / "ids" / ids.name)
    for js in sorted(src_root.glob("*/*.json")):
        kind = js.parent.name
        if kind in ("ids",) or (kinds and kind not in kinds):
            continue
        old = read_json(js)
        current = old.get("format") == STORE_FORMAT and src_root == dst_root
        if current and not rekey:
            kept += 1
            continue
        data = data_of(kind, old["config"])
        key = record_key(old["config"], data)
        if current and key == js.stem:
            kept += 1
            continue
        npz = js.with_suffix(".npz")
        old_arrays = _read_npz(npz, "") if src_root == results_dir() else None
        new = {
            "kind": kind,
            "config": old["config"],
            "data": dict(sorted(data.items())),
            "format": STORE_FORMAT,
            "config_hash": key,
            "arrays_sha256": file_sha256(npz),
            **{k: v for k, v in old.items() if k not in ("kind", "config", "config_hash", "data", "format")},
        }
        target = dst_root / kind / f"{key}.json"
        print(f"{kind}/{js.stem} -> {kind}/{key}", flush=True)
        if dry_run:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.with_suffix(".npz") != npz:
            shutil.copyfile(npz, target.with_suffix(".npz"))
        write_json(target, new)
        check = read_json(target)
        assert verify(check), f"{target}: does not verify after migration"
        assert check["results"] == old["results"], f"{target}: results changed in migration"
        if old_arrays is not None:
            new_arrays = arrays_of(check)
            assert set(new_arrays) == set(old_arrays), f"{target}: array names changed"
            for name, arr in old_arrays.items():
                assert np.array_equal(arr, new_arrays[name]), f"{target}: array {name} changed"
        if src_root == dst_root and target != js:
            js.unlink()
            npz.unlink()
        moved += 1
    return moved, kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="src", type=Path, default=None, help="another results directory to import")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--kinds", nargs="*", default=(), help="only these record kinds (e.g. partial-ft)")
    ap.add_argument("--rekey", action="store_true", help="also re-key current records whose data fingerprints changed")
    args = ap.parse_args()
    moved, kept = migrate(args.src or results_dir(), results_dir(), args.dry_run, tuple(args.kinds), args.rekey)
    print(f"{moved} records migrated, {kept} already current")


if __name__ == "__main__":
    main()
