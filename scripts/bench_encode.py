"""Encoding speed and fidelity benchmark (prints; asserts nothing).

    python scripts/bench_encode.py [--repeats 3] [--n 2000]

1. The same 2,000 XQuAD-R sentences, the same mE5-small, side by side in one process, alternating:
   plain ``SentenceTransformer.encode`` (batch 32, sorted by characters) vs ``hybridlib`` encoding
   (token-sorted, token-budget batches, fast tokeniser twin). Median texts/s of ``--repeats`` runs,
   the ratio, and the largest absolute difference between the two embeddings.
2. A full XQuAD-R + MLQA-R evaluation: both encoders on a 10% sample of the pooled text list
   (every 10th text after a seeded shuffle), timed and extrapolated ×10, plus the measured time to
   score all three settings of both datasets from cached embeddings.
3. Dynamic int8 quantisation of the Linear layers (``torch.ao.quantization.quantize_dynamic``):
   speed and metric drift (Mo/Cr/Mul mAP on a fixed XQuAD-R subsample) against fp32.
4. The ONNX and OpenVINO backends of sentence-transformers: tries to load the model with each and
   prints the outcome (they need ``optimum-onnx`` / ``optimum-intel``; see the README for why they
   cannot be installed beside this study's pins).

``--stages 1 3`` runs a subset.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hybridlib.data import load_lareqa
from hybridlib.evaluation.scoring import DenseScorer, evaluate_lareqa
from hybridlib.models.encoding import forward_texts
from hybridlib.models.registry import load_model


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stages", type=int, nargs="*", default=[1, 2, 3, 4])
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load_model("me5-small")
    xq, ml = load_lareqa("xquad-r"), load_lareqa("mlqa-r")
    rng = np.random.default_rng(0)
    sents = [
        "passage: " + t for t in xq.candidates.text.to_numpy()[rng.choice(len(xq.candidates), args.n, replace=False)]
    ]

    if 1 in args.stages:
        stage_plain_vs_ours(model, sents, args)
    if 2 in args.stages:
        stage_full_eval(model, xq, ml, rng)
    if 3 in args.stages:
        stage_int8(model, xq)
    if 4 in args.stages:
        stage_backends()


def stage_plain_vs_ours(model, sents, args) -> None:
    print(f"== 1. {args.n} XQuAD-R sentences, mE5-small fp32, {torch.get_num_threads()} threads")
    plain_t, ours_t = [], []
    for _ in range(args.repeats):
        a, t = timed(lambda: model.encode(sents, batch_size=32, convert_to_numpy=True))
        plain_t.append(t)
        (b, st), t = timed(lambda: forward_texts(model, sents, show_progress=False))
        ours_t.append(t)
    p, o = statistics.median(plain_t), statistics.median(ours_t)
    print(f"plain encode : {args.n / p:7.1f} texts/s (median of {plain_t})")
    print(
        f"hybridlib    : {args.n / o:7.1f} texts/s (median of {ours_t}); padded/real tokens {st.padded_tokens / st.tokens:.3f}"
    )
    print(f"speed-up     : {p / o:.2f}x; max |difference| of embeddings {np.abs(a - b).max():.2e}")


def stage_full_eval(model, xq, ml, rng) -> None:
    print("\n== 2. full XQuAD-R + MLQA-R evaluation (10% sample of the pooled texts, extrapolated x10)")
    pool = [("query: " + t) for t in list(xq.queries.text) + list(ml.queries.text)] + [
        ("passage: " + t) for t in list(xq.candidates.text) + list(ml.candidates.text)
    ]
    order = rng.permutation(len(pool))[::10]
    sample = [pool[i] for i in order]
    _, tp = timed(lambda: model.encode(sample, batch_size=32, convert_to_numpy=True))
    _, to = timed(lambda: forward_texts(model, sample, show_progress=False))
    print(
        f"{len(pool)} texts; sample {len(sample)}: plain {tp:.0f}s -> ~{tp * 10 / 60:.1f} min, "
        f"hybridlib {to:.0f}s -> ~{to * 10 / 60:.1f} min ({tp / to:.2f}x)"
    )
    score = 0.0
    for task in (xq, ml):
        q = rng.normal(size=(len(task.queries), 384)).astype(np.float32)
        c = rng.normal(size=(len(task.candidates), 384)).astype(np.float32)
        _, t = timed(lambda task=task, q=q, c=c: evaluate_lareqa(DenseScorer.for_task(task, q, c), task))
        score += t
    print(
        f"scoring all settings of both datasets from cached embeddings: {score:.1f}s "
        f"({score / (to * 10):.1%} of the extrapolated encoding time)"
    )


def stage_int8(model, xq) -> None:
    print("\n== 3. dynamic int8 quantisation (Linear layers) vs fp32")
    sub = xq.shrink(100, 200)
    texts_q = ["query: " + t for t in sub.queries.text]
    texts_c = ["passage: " + t for t in sub.candidates.text]
    (q32, _), t32 = timed(lambda: forward_texts(model, texts_q + texts_c, show_progress=False))
    qmodel = load_model("me5-small")
    # in place: ``auto_model`` is a read-only property of the ST Transformer module, so assigning a
    # quantised copy to it would silently keep the fp32 model
    torch.ao.quantization.quantize_dynamic(qmodel[0].auto_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    n_q = sum("quantized" in type(m).__module__ for m in qmodel[0].auto_model.modules())
    if n_q == 0:
        raise RuntimeError("dynamic quantisation replaced no Linear layer: the int8 comparison would be fp32 vs fp32")
    (q8, _), t8 = timed(lambda: forward_texts(qmodel, texts_q + texts_c, show_progress=False))
    n = len(texts_q)
    r32 = evaluate_lareqa(DenseScorer.for_task(sub, q32[:n], q32[n:]), sub).summary()
    r8 = evaluate_lareqa(DenseScorer.for_task(sub, q8[:n], q8[n:]), sub).summary()
    cos = (q32 * q8).sum(1)
    print(
        f"{len(texts_q) + len(texts_c)} texts, {n_q} Linear layers int8: fp32 {t32:.1f}s, int8 {t8:.1f}s "
        f"({t32 / t8:.2f}x); cosine(fp32, int8) median {np.median(cos):.4f}, min {cos.min():.4f}"
    )
    for k in ("Mo_mAP", "Cr_mAP", "Mul_mAP"):
        print(f"  {k}: fp32 {r32[k]:.4f} int8 {r8[k]:.4f} drift {r8[k] - r32[k]:+.4f}")
    drift = max(abs(r8[k] - r32[k]) for k in ("Mo_mAP", "Cr_mAP", "Mul_mAP"))
    print(
        f"int8 {'qualifies' if drift <= 0.005 else 'does NOT qualify'} as an option (max drift {drift:.4f}, limit 0.005)"
    )


def stage_backends() -> None:
    from sentence_transformers import SentenceTransformer

    from hybridlib.models.registry import model_dir

    print("\n== 4. sentence-transformers ONNX / OpenVINO backends")
    for backend in ("onnx", "openvino"):
        try:
            m = SentenceTransformer(model_dir("me5-small"), backend=backend, device="cpu")
            (_, t) = timed(lambda m=m: m.encode(["passage: a test sentence"] * 64))
            print(f"{backend}: loaded; 64 short texts in {t:.2f}s")
        except Exception as err:  # missing optional dependency or export failure: report, do not hide
            print(f"{backend}: unavailable here ({type(err).__name__}: {str(err).splitlines()[0][:200]})")


if __name__ == "__main__":
    main()
