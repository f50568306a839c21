"""Seconds per training step: full fine-tuning vs the top-k track, side by side in one process.

    python scripts/bench_partial.py --ks 1 2 3 12 --batch 32 --max-len 256 --repeats 3

Every variant runs the same batches (Hybrid(0.5) over the MLQA-test training pairs) through the
same loop (:func:`hybridlib.train.partial` internals: top-k blocks from stored states, InfoNCE,
AdamW); k = 12 is full fine-tuning with frozen embeddings. Lower-layer states are computed only
for the benchmark's texts (and cached). Prints a table; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hybridlib.models.registry import fingerprint, load_model
from hybridlib.models.states import LayerStates, pad_states, top_layers
from hybridlib.train.losses import info_nce
from hybridlib.train.protocols import training_examples
from hybridlib.train.samplers import BatchComposer
from hybridlib.train.strategy import make_strategy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ks", type=int, nargs="+", default=[1, 2, 3, 12])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="me5-small")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model(args.model)
    fp = fingerprint(model)
    depth = model[0].auto_model.config.num_hidden_layers
    ex = training_examples("mlqa-test", 2000)
    batches = BatchComposer(ex, make_strategy("hybrid", 0.5), args.batch, seed=0).batches(args.repeats + 1)
    rows = []
    times: dict[int, list[float]] = {k: [] for k in args.ks}
    stores = {}
    for k in args.ks:
        st = LayerStates(model, fp, depth - k, args.max_len)
        sel = [i for b in batches for i in b]
        kq = dict(zip(sel, st.keys(ex.q_text[sel].tolist(), "query")))
        kp = dict(zip(sel, st.keys(ex.p_text[sel].tolist(), "passage")))
        kn = dict(zip(sel, st.keys(ex.neg_text[sel].tolist(), "passage")))
        stores[k] = (st, kq, kp, kn, top_layers(model, k))
    tokens = None
    for r, b in enumerate(batches):  # interleaved: each repeat runs every k on the same batch
        for k in args.ks:
            st, kq, kp, kn, top = stores[k]
            opt = torch.optim.AdamW(top.parameters(), lr=3e-5)
            top.train()
            t0 = time.perf_counter()
            q = top(*pad_states(st.get([kq[i] for i in b])))
            p = top(*pad_states(st.get([kp[i] for i in b])))
            n = top(*pad_states(st.get([kn[i] for i in b])))
            info_nce(q, p, n).backward()
            opt.step()
            opt.zero_grad()
            if r > 0:  # the first batch warms up
                times[k].append(time.perf_counter() - t0)
        if tokens is None:
            st = stores[args.ks[0]][0]
            tokens = sum(len(st.get([d[i]])[0]) for d in stores[args.ks[0]][1:4] for i in b)
    full = statistics.median(times[depth]) if depth in times else None
    print(
        f"batch {args.batch} triplets, max {args.max_len} tokens, ~{tokens} tokens per step, median of {args.repeats}"
    )
    print(f"{'trained blocks':>15} {'s/step':>8} {'vs full':>8}")
    for k in args.ks:
        med = statistics.median(times[k])
        rows.append((k, med))
        print(f"{k:>15} {med:8.2f} {full / med if full else float('nan'):8.1f}x")


if __name__ == "__main__":
    main()
