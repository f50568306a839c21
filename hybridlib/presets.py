"""Run presets: ``smoke`` (CI, tiny model, minutes), ``cpu`` (this 2-core machine), ``paper`` (GPU),
``paper-smoke`` (the paper preset's path on local stand-ins, for tests).

Every notebook takes ``preset`` as a papermill parameter and reads its sizes from here, so the
three presets run the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Preset:
    """Everything that changes between the smoke test, the CPU study and the paper-scale run."""

    name: str
    model: str  # backbone for zero-shot, the head track and full fine-tuning
    seeds: tuple[int, ...]
    max_queries: int | None = None  # per language, per evaluation set (None = all)
    max_candidates: int | None = None  # per pool (relevant candidates always kept)
    lareqa_langs: dict = field(default_factory=dict)  # dataset -> languages (empty = all)
    miracl_langs: tuple[str, ...] = ("yo", "sw", "te", "bn", "th", "hi")
    afriqa_langs: tuple[str, ...] | None = None
    # the paper's MIRACL setting (Tables 12-13): full corpora of its 15 languages, top-100 runs
    miracl_full_langs: tuple[str, ...] = (
        "ar",
        "bn",
        "es",
        "fa",
        "fi",
        "fr",
        "hi",
        "id",
        "ja",
        "ko",
        "ru",
        "sw",
        "te",
        "th",
        "zh",
    )
    miracl_corpus: str = "hub"  # "hub" (miracl/miracl-corpus) or a local directory of the official jsonl files
    # head track (cached embeddings)
    head_steps: int = 300
    head_batch: int = 64
    head_lr: float = 1e-3
    train_max_groups: int | None = None
    alphas: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    # full fine-tuning track
    ft_steps: int = 20
    ft_batch: int = 16
    ft_lr: float = 3e-5
    ft_freeze_embeddings: bool = True
    ft_eval_tasks: tuple[str, ...] = ("xquad-r", "mlqa-r", "miracl-pooled")
    ft_max_queries: int | None = 150  # fine-tuned models are re-encoded: evaluate on a fixed subsample
    ft_max_candidates: int | None = 300
    # partial fine-tuning track (top k blocks trained from stored lower-layer states)
    pft_top_layers: int = 2
    pft_steps: int = 300
    pft_batch: int = 32
    pft_train_max_len: int = 256
    pft_eval_tasks: tuple[str, ...] = ()  # () = the protocol's evaluation tasks, every query and candidate
    # scaling extension, fine-tuned (issue 15): depth L of the backbone x strategy x seed on the partial
    # track; the top sft_top_layers blocks trained at every depth (equal cost per size), and every block
    # at sft_all_layers_depths; budget from scripts/bench_partial.py (README)
    sft_depths: tuple[int, ...] = (2, 4, 6, 12)
    sft_top_layers: int = 1
    sft_all_layers_depths: tuple[int, ...] = (2,)
    sft_train_max_len: int = 128
    sft_seeds: tuple[int, ...] = (0, 1, 2)
    # the paper's regime on the CPU: every block trained (full fine-tuning, embeddings frozen) on the
    # cross-dataset protocols, as long as the partial track (notebook 03's variants)
    every_block_layers: int = 12  # the backbone's depth: k = L trains every block
    # length buckets per training batch: 1.37x per 12-block step at 64 tokens (scripts/bench_partial.py --buckets)
    every_block_buckets: int = 4
    depths: tuple[int, ...] = (2, 4, 6, 8, 10, 12)
    ft_small_depth: int = 6  # scaling extension: full fine-tuning also at this depth (besides the full model)
    extension_seeds: tuple[int, ...] | None = None  # scaling / neutrality grids (None = seeds)
    results_subdir: str = ""  # "" -> results/ ; smoke writes elsewhere
    tydi_langs: tuple[str, ...] = ("sw", "te", "bn")  # TyDi GoldP dev languages evaluated
    full_eval_uncapped: bool = True  # the partial track evaluates every query and candidate (smoke: its caps)
    bridge_n_seeds: int = 2  # seeds of the bridge to full fine-tuning (a 12-block step is ~10x a top-2 step)
    # NTREX-128 pairs per language fitting SHIFT / LIR (of 1,997; None: all): a mean offset from 500 pairs
    # has a standard error ~1/22 of the spread, and encoding all 4 x 11 x 1,997 texts costs ~30 min here
    ntrex_max_pairs: int | None = 500
    # seeds (the first n extension seeds) of SHIFT / LIR combined with each head: 3 seeds add ~3.3 MB
    # of per-query arrays to results/, 5 would add ~6 MB (budget in docs/design.md)
    shift_lir_n_seeds: int = 3
    notebooks_compute: bool = False  # notebooks compute the runs they show when missing (smoke: tiny, seconds)
    backbones: tuple[str, ...] = ()  # paper preset: the paper's backbones, loaded from the hub by name
    protocol: str = "mlqa-test"  # the main training protocol

    @property
    def ext_seeds(self) -> tuple[int, ...]:
        return self.extension_seeds or self.seeds

    def with_(self, **kw) -> Preset:
        return replace(self, **kw)


PRESETS: dict[str, Preset] = {
    "smoke": Preset(
        name="smoke",
        model="tiny-random",
        seeds=(0, 1),
        max_queries=25,
        max_candidates=120,
        lareqa_langs={"xquad-r": ("en", "de", "ru"), "mlqa-r": ("en", "de", "es")},
        miracl_langs=("yo", "sw"),
        afriqa_langs=("hau", "swa"),
        head_steps=20,
        head_batch=8,
        train_max_groups=60,
        alphas=(0.0, 0.5, 1.0),
        ft_steps=2,
        ft_batch=4,
        pft_top_layers=1,
        pft_steps=4,
        pft_batch=4,
        pft_train_max_len=64,
        pft_eval_tasks=("xquad-r", "mlqa-r", "miracl-pooled"),
        depths=(1, 2),
        sft_depths=(1, 2),
        sft_all_layers_depths=(2,),
        sft_train_max_len=64,
        sft_seeds=(0,),
        every_block_layers=2,
        tydi_langs=("sw",),
        full_eval_uncapped=False,
        bridge_n_seeds=1,
        ntrex_max_pairs=40,
        notebooks_compute=True,
        ft_eval_tasks=("xquad-r", "miracl-pooled"),
        ft_max_queries=10,
        ft_max_candidates=40,
        results_subdir="smoke",
    ),
    "cpu": Preset(name="cpu", model="me5-small", seeds=(0, 1, 2, 3, 4), train_max_groups=2000),
    "paper": Preset(  # the paper's recipe for a GPU and a network (make paper-grid GPUS=N)
        name="paper",
        model="xlm-roberta-base",  # the paper does not state the XLM-R size; "xlm-roberta-large" is one word away
        backbones=("xlm-roberta-base", "sentence-transformers/LaBSE"),
        protocol="paper",  # mMARCO (unicamp-dl/mmarco, 7 languages) + MLQA pairs, batches drawn by source size
        seeds=(0, 1, 2, 3, 4),
        head_steps=2000,
        ft_steps=10000,
        ft_batch=100,
        ft_lr=3e-5,
        ft_freeze_embeddings=False,
        ft_max_queries=None,
        ft_max_candidates=None,
        ft_eval_tasks=("xquad-r", "mlqa-r", "miracl-full"),
        train_max_groups=None,
    ),
}
# the paper preset's path in a minute on local stand-ins (tests; HYBRIDLIB_MMARCO names an mMARCO copy,
# and MIRACL runs over the pooled corpus unless miracl_corpus names a directory in the official layout)
PRESETS["paper-smoke"] = PRESETS["paper"].with_(
    name="paper-smoke",
    backbones=("tiny-xlmr",),
    model="tiny-xlmr",
    seeds=(0,),
    ft_steps=2,
    ft_batch=8,
    train_max_groups=30,
    ft_eval_tasks=("xquad-r",),
    miracl_full_langs=("yo",),
    miracl_corpus="pooled",
    lareqa_langs={"xquad-r": ("en", "de", "es")},
    ft_max_queries=8,
    ft_max_candidates=30,
    results_subdir="smoke",
)


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
    return PRESETS[name]
