"""Fill the embedding cache for every evaluation (and training) text of the study.

    python scripts/encode_all.py [--model me5-small] [--sets xquad-r,mlqa-r,miracl,afriqa,tydi,mlqa-test]

Interrupt it at any time: finished shards stay, a rerun resumes. Prints texts/second per set.
"""

from __future__ import annotations

import argparse
import time

import torch

from hybridlib.data import load_afriqa, load_lareqa, load_miracl, load_tydi_dev
from hybridlib.models.encoding import encoder_for
from hybridlib.presets import get_preset
from hybridlib.train.protocols import training_examples


def texts_for(name: str, preset: str = "cpu") -> tuple[list[str], list[str]]:
    """(query texts, passage texts) of one evaluation or training set."""
    if name in ("xquad-r", "mlqa-r"):
        t = load_lareqa(name)
    elif name == "miracl":
        t = load_miracl()
    elif name == "tydi":
        t = load_tydi_dev()
    elif name == "afriqa":
        t, tr = load_afriqa(), load_afriqa(translated=True)
        return t.queries.text.tolist() + tr.queries.text.tolist(), t.candidates.text.tolist()
    elif name == "mlqa-test":  # the training subset of the preset (all of it: 22.7k q + 14.6k paragraphs)
        ex = training_examples("mlqa-test", get_preset(preset).train_max_groups)
        return sorted(set(ex.q_text)), sorted(set(ex.p_text) | set(ex.neg_text))
    else:
        raise SystemExit(f"unknown set {name!r}")
    return t.queries.text.tolist(), t.candidates.text.tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="me5-small")
    ap.add_argument("--sets", default="xquad-r,mlqa-r,miracl,afriqa,tydi,mlqa-test")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--preset", default="cpu", help="which training subset to encode for mlqa-test")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    enc, _ = encoder_for(args.model)
    for name in args.sets.split(","):
        qs, ps = texts_for(name, args.preset)
        t0 = time.perf_counter()
        before = len(enc.cache)
        enc.encode(qs, "query")
        enc.encode(ps, "passage")
        n = len(enc.cache) - before
        dt = time.perf_counter() - t0
        print(
            f"{name}: {len(qs)} queries, {len(ps)} passages, {n} newly encoded in {dt:.0f}s "
            f"({n / max(dt, 1e-9):.1f} texts/s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
