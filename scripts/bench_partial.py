"""Seconds per training step: full fine-tuning vs the top-k track, side by side in one process.

    python scripts/bench_partial.py --ks 1 2 3 12 --batch 32 --max-len 256 --repeats 3
    python scripts/bench_partial.py --ks 1 2 4 --max-len 128 256   # every (k, length) pair, side by side
    python scripts/bench_partial.py --ks 12 --max-len 64 --buckets 1 2 3 4 6 --protocol "mlqa-r>xquad-r"

``--buckets``: besides the current path (queries, positives and negatives each padded to their
longest text: "per role"), the batch's 3 × batch texts sorted by token count and cut into B
length buckets, each padded to its own longest (:func:`hybridlib.models.states.embed_buckets`).

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
from hybridlib.models.states import LayerStates, embed_buckets, pad_states, top_layers
from hybridlib.train.losses import info_nce
from hybridlib.train.protocols import training_examples
from hybridlib.train.samplers import BatchComposer
from hybridlib.train.strategy import make_strategy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ks", type=int, nargs="+", default=[1, 2, 3, 12])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, nargs="+", default=[256], help="token caps (each with each k)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="me5-small")
    ap.add_argument("--protocol", default="mlqa-test", help="training pairs of this protocol")
    ap.add_argument("--buckets", type=int, nargs="*", default=[], help="joint length buckets to time (0: per role)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model(args.model)
    fp = fingerprint(model)
    depth = model[0].auto_model.config.num_hidden_layers
    ex = training_examples(args.protocol, 2000 if args.protocol == "mlqa-test" else None)
    batches = BatchComposer(ex, make_strategy("hybrid", 0.5), args.batch, seed=0).batches(args.repeats + 1)
    buckets = sorted(set(args.buckets) | {0})  # 0: the current path, each role padded alone
    variants = [(k, n, b) for n in args.max_len for k in args.ks for b in buckets]
    times: dict[tuple[int, int, int], list[float]] = {v: [] for v in variants}
    tokens: dict[int, int] = {}
    stores = {}
    sel = [i for b in batches for i in b]
    for k, n in {(k, n) for k, n, _ in variants}:
        st = LayerStates(model, fp, depth - k, n)
        kq = dict(zip(sel, st.keys(ex.q_text[sel].tolist(), "query")))
        kp = dict(zip(sel, st.keys(ex.p_text[sel].tolist(), "passage")))
        kn = dict(zip(sel, st.keys(ex.neg_text[sel].tolist(), "passage")))
        stores[k, n] = (st, kq, kp, kn, top_layers(model, k))
    for r, b in enumerate(batches):  # interleaved: each repeat runs every variant on the same batch
        for v in variants:
            st, kq, kp, kn, top = stores[v[:2]]
            opt = torch.optim.AdamW(top.parameters(), lr=3e-5)
            top.train()
            t0 = time.perf_counter()
            if v[2] == 0:
                q = top(*pad_states(st.get([kq[i] for i in b])))
                p = top(*pad_states(st.get([kp[i] for i in b])))
                n = top(*pad_states(st.get([kn[i] for i in b])))
            else:
                q, p, n = embed_buckets(top, st.get([d[i] for d in (kq, kp, kn) for i in b]), v[2]).split(len(b))
            info_nce(q, p, n).backward()
            opt.step()
            opt.zero_grad()
            if r > 0:  # the first batch warms up
                times[v].append(time.perf_counter() - t0)
            if r == len(batches) - 1:
                tokens[v[1]] = sum(len(st.get([d[i]])[0]) for d in (kq, kp, kn) for i in b)
    ref = max((k, n, 0) for k, n, _ in variants)  # most blocks, longest texts, current path
    ref_s = statistics.median(times[ref])
    print(f"batch {args.batch} triplets ({args.protocol}), median of {args.repeats} steps; tokens per step: {tokens}")
    print(f"{'trained blocks':>15} {'max tokens':>10} {'padding':>9} {'s/step':>8} {f'vs k={ref[0]},{ref[1]}':>12}")
    for v in variants:
        med = statistics.median(times[v])
        pad = "per role" if v[2] == 0 else f"{v[2]} bucket" + "s" * (v[2] > 1)
        print(f"{v[0]:>15} {v[1]:>10} {pad:>9} {med:8.2f} {ref_s / med:11.2f}x")


if __name__ == "__main__":
    main()
