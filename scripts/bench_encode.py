"""Encoding speed and fidelity benchmark (prints; asserts nothing).

    python scripts/bench_encode.py [--n 1000] [--repeats 3] [--stages 1 2 3 4]

1. Speed, side by side in one process, interleaved so load hits every method alike, on ``--n``
   XQuAD-R sentences (mE5-small, 2 threads): plain ``SentenceTransformer.encode`` (batch 32),
   hybridlib on PyTorch, on ONNX Runtime fp32 (the default), ONNX Runtime int8 (dynamic, per-channel
   weights) and OpenVINO fp32. Median texts/s, ratio to plain ``encode``, max |Δ| and min cosine
   against hybridlib on PyTorch.
2. The full XQuAD-R + MLQA-R estimate: a 10% sample of the pooled text list (every 10th text after a
   seeded shuffle) with plain ``encode``, hybridlib PyTorch and hybridlib ONNX Runtime, extrapolated x10.
3. The all-layers pass (every depth's pooled embedding from one forward, the depth family's cache):
   PyTorch vs ONNX Runtime on the stage-1 sentences.
4. Drift: every XQuAD-R / MLQA-R metric of the untrained model (all queries and candidates) with the
   int8 and OpenVINO paths against the stored fp32 baseline (``results/baselines``); a path is
   offered only if every metric stays within 0.005.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hybridlib.data import load_lareqa
from hybridlib.models.encoding import DEPTHS, forward_texts
from hybridlib.models.onnx_backend import RUNNERS, ort_runner_for
from hybridlib.models.registry import fingerprint, load_model

DRIFT_LIMIT = 0.005


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stages", type=int, nargs="*", default=[1, 2, 3, 4])
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model("me5-small")
    fp = fingerprint(model)
    xq, ml = load_lareqa("xquad-r"), load_lareqa("mlqa-r")
    texts = xq.candidates.text.sample(n=args.n, random_state=0).tolist()
    sents = [model.prompts["passage"] + t for t in texts]
    runners = {}
    for backend in RUNNERS:
        try:
            runners[backend], t = timed(lambda b=backend: ort_runner_for(model, fp, backend=b))
            print(f"{RUNNERS[backend]}: ready in {t:.1f}s (export / quantisation cached afterwards)")
        except ImportError as err:
            print(f"{RUNNERS[backend]}: not installed ({err})")
    if 1 in args.stages:
        stage_speed(model, sents, runners, args)
    if 2 in args.stages:
        stage_full_estimate(model, xq, ml, {b: r for b, r in runners.items() if b != "onnx-int8"})
    if 3 in args.stages:
        stage_all_layers(model, fp, sents, args)
    if 4 in args.stages:
        stage_drift([b for b in ("onnx-int8", "openvino") if b in runners])


def stage_speed(model, sents, runners, args) -> None:
    methods = {
        "SentenceTransformer.encode": lambda: model.encode(
            sents, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        ),
        "hybridlib, PyTorch": lambda: forward_texts(model, sents, show_progress=False)[0],
    }
    for backend, runner in runners.items():
        methods[f"hybridlib, {RUNNERS[backend]}"] = lambda r=runner: forward_texts(
            model, sents, show_progress=False, runner=r
        )[0]
    times: dict[str, list[float]] = {k: [] for k in methods}
    out = {}
    for _ in range(args.repeats):
        for name, fn in methods.items():
            out[name], t = timed(fn)
            times[name].append(t)
    ref = out["hybridlib, PyTorch"]
    base = statistics.median(times["SentenceTransformer.encode"])
    print(f"\n== 1. {args.n} XQuAD-R sentences, median of {args.repeats} (interleaved), 2 threads")
    for name in methods:
        med = statistics.median(times[name])
        diff, cos = np.abs(out[name] - ref).max(), (out[name] * ref).sum(1).min()
        print(
            f"  {name:44s} {args.n / med:7.1f} texts/s  {base / med:5.2f}x plain  max|Δ| {diff:.1e}  min cos {cos:.7f}"
        )


def stage_full_estimate(model, xq, ml, runners) -> None:
    rng = np.random.default_rng(0)
    pool = [model.prompts["query"] + t for t in list(xq.queries.text) + list(ml.queries.text)]
    pool += [model.prompts["passage"] + t for t in list(xq.candidates.text) + list(ml.candidates.text)]
    sample = [pool[i] for i in rng.permutation(len(pool))[::10]]
    times = {"plain encode": timed(lambda: model.encode(sample, batch_size=32, convert_to_numpy=True))[1]}
    times["hybridlib, PyTorch"] = timed(lambda: forward_texts(model, sample, show_progress=False))[1]
    for backend, runner in runners.items():
        times[f"hybridlib, {RUNNERS[backend]}"] = timed(
            lambda r=runner: forward_texts(model, sample, show_progress=False, runner=r)
        )[1]
    print(f"\n== 2. full XQuAD-R + MLQA-R ({len(pool)} texts) from a 10% sample ({len(sample)}), extrapolated x10")
    for name, t in times.items():
        print(f"  {name:34s} {t:6.0f}s -> ~{t * 10 / 60:5.1f} min  ({times['plain encode'] / t:.2f}x plain)")


def stage_all_layers(model, fp, sents, args) -> None:
    layers = tuple(d for d in DEPTHS if d <= model[0].auto_model.config.num_hidden_layers)
    runner = ort_runner_for(model, fp, layers)
    times: dict[str, list[float]] = {"PyTorch": [], "ONNX Runtime": []}
    out = {}
    for _ in range(args.repeats):
        out["PyTorch"], t = timed(lambda: forward_texts(model, sents, layers, show_progress=False)[0])
        times["PyTorch"].append(t)
        out["ONNX Runtime"], t = timed(
            lambda: forward_texts(model, sents, layers, show_progress=False, runner=runner)[0]
        )
        times["ONNX Runtime"].append(t)
    pt, ort_ = (statistics.median(times[k]) for k in ("PyTorch", "ONNX Runtime"))
    diff = np.abs(out["PyTorch"] - out["ONNX Runtime"]).max()
    print(f"\n== 3. all-layers pass (layers {layers}), {args.n} sentences, median of {args.repeats}")
    print(
        f"  PyTorch {args.n / pt:.1f} texts/s, ONNX Runtime {args.n / ort_:.1f} texts/s ({pt / ort_:.2f}x); max|Δ| {diff:.1e}"
    )


def stage_drift(backends: list[str]) -> None:
    from hybridlib.evaluation.scoring import embed_task, evaluate_lareqa
    from hybridlib.models.encoding import Encoder
    from hybridlib.presets import get_preset
    from hybridlib.runs.baselines import run_baseline

    print(f"\n== 4. metric drift against fp32 on all of XQuAD-R and MLQA-R (limit {DRIFT_LIMIT})")
    stored = run_baseline("dense", get_preset("cpu"), "me5-small", compute=False)  # never recomputed here
    if stored is None:
        print("  no stored fp32 baseline to compare with: run scripts/run_experiments.py baselines")
        return
    fp32 = stored["results"]
    model = load_model("me5-small")
    for backend in backends:
        enc = Encoder(model, "me5-small", backend=backend)
        worst, rows = 0.0, []
        t0 = time.perf_counter()
        for name in ("xquad-r", "mlqa-r"):
            task = load_lareqa(name)
            ours = evaluate_lareqa(embed_task(enc, task), task).summary()
            for metric, ref in fp32[name]["summary"].items():
                if metric in ours:
                    drift = float(ours[metric]) - float(ref)
                    rows.append(f"{name} {metric} {drift:+.4f}")
                    if metric != "RD":  # rank distance is in ranks, not a 0-1 metric
                        worst = max(worst, abs(drift))
        verdict = "offered" if worst <= DRIFT_LIMIT else "NOT offered"
        print(
            f"  {RUNNERS[backend]}: encoding + scoring {time.perf_counter() - t0:.0f}s; max |drift| {worst:.4f} -> {verdict}"
        )
        print("    " + "; ".join(rows))


if __name__ == "__main__":
    main()
