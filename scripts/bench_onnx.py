"""Encoding speed, side by side in one process: plain ``SentenceTransformer.encode``, hybridlib on
PyTorch, hybridlib on ONNX Runtime (fp32), on the same XQuAD-R sentences.

    python scripts/bench_onnx.py --n 1000 --repeats 3

Prints texts/s (median of the repeats, interleaved so load hits every method alike), the ratios to
plain ``encode`` and the max |Δ| / min cosine of the embeddings against PyTorch. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hybridlib.data import load_lareqa
from hybridlib.models.encoding import forward_texts
from hybridlib.models.onnx_backend import ort_runner_for
from hybridlib.models.registry import fingerprint, load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="me5-small")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model(args.model)
    task = load_lareqa("xquad-r")
    texts = task.candidates.text.sample(n=args.n, random_state=0).tolist()
    prompted = [model.prompts["passage"] + t for t in texts]
    t0 = time.perf_counter()
    runner = ort_runner_for(model, fingerprint(model))
    print(f"ONNX export + session: {time.perf_counter() - t0:.1f}s (cached afterwards)")
    methods = {
        "SentenceTransformer.encode": lambda: model.encode(
            prompted, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        ),
        "hybridlib, PyTorch": lambda: forward_texts(model, prompted, show_progress=False)[0],
        "hybridlib, ONNX Runtime": lambda: forward_texts(model, prompted, show_progress=False, runner=runner)[0],
    }
    times: dict[str, list[float]] = {k: [] for k in methods}
    out = {}
    for _ in range(args.repeats):
        for name, fn in methods.items():
            t = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - t)
    ref = out["hybridlib, PyTorch"]
    base = statistics.median(times["SentenceTransformer.encode"])
    print(f"{args.n} XQuAD-R sentences, median of {args.repeats} (interleaved):")
    for name in methods:
        med = statistics.median(times[name])
        diff = np.abs(out[name] - ref).max()
        cos = (out[name] * ref).sum(1).min()
        print(
            f"  {name:28s} {args.n / med:7.1f} texts/s  {base / med:5.2f}x plain  max|Δ| {diff:.1e}  min cos {cos:.7f}"
        )


if __name__ == "__main__":
    main()
