"""The study's evaluation suite: which tasks a preset evaluates, and one call that scores them all.

``evaluate_suite(scorer_for, tasks)`` returns a JSON-able summary and compact per-query arrays:

- ``xquad-r`` / ``mlqa-r``: Mo/Cr/Mul (mAP, R@1, R@10), rank distance, per language, the
  query x target cross-lingual mAP matrix, and the language-preference metrics of the pooled
  setting (LPR, Lang-nDCG@10, top-1 decomposition, MRC: :mod:`hybridlib.evaluation.language_preference`;
  records stored before they existed lack them, and readers say so);
- ``miracl-pooled`` (mini-MIRACL, pooled), ``miracl-hard`` (every dev query with a positive that has
  text, condensed qrels, same-language distractors: :mod:`hybridlib.data.miracl_hard`), ``tydi``
  (TyDi GoldP dev, pooled): nDCG@10, R@100 per language with mean and median;
- ``afriqa``: African-language question -> English/French gold passages (cross-lingual), and
  ``afriqa-translated``: the human English/French translation of the same questions (monolingual);
- ``flores`` (FLORES-200 sentences of the preset's MIRACL languages and English: x -> y for every
  ordered pair, and the pooled setting with each query's own sentence excluded) and ``tatoeba``
  (x <-> en): low-resource cross-lingual evidence (:mod:`hybridlib.evaluation.bitext`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hybridlib.data import load_afriqa, load_lareqa, load_miracl, load_tydi_dev
from hybridlib.data.bitext import TATOEBA_CODES, load_flores, load_tatoeba
from hybridlib.data.miracl_hard import load_miracl_hard
from hybridlib.data.task import RetrievalTask
from hybridlib.evaluation.bitext import evaluate_flores, evaluate_tatoeba
from hybridlib.evaluation.language_preference import language_preference, preference_summary
from hybridlib.evaluation.scoring import Scorer, evaluate_lareqa, evaluate_pooled, evaluate_topk, pooled_table
from hybridlib.presets import Preset

LAREQA = ("xquad-r", "mlqa-r")
POOLED = {"miracl-pooled": "lang", "miracl-hard": "lang", "tydi": "lang", "afriqa": "pool", "afriqa-translated": "pool"}
DEFAULT_TASKS = LAREQA + ("miracl-pooled", "tydi", "afriqa", "afriqa-translated")  # names=None
TOPK = {"miracl-full": "lang"}
BITEXT = {
    "flores": "qid",
    "tatoeba": "pair",
}  # parallel sentences; the value: what shrink() keeps together  # full corpora: faiss top-100 runs scored by ir_measures (trec_eval)


_SUITES: dict[str, dict[str, RetrievalTask]] = {}


def suite_fingerprint(tasks: dict[str, RetrievalTask]) -> str:
    """One fingerprint of a suite: every task's name and content (see ``RetrievalTask.fingerprint``)."""
    import hashlib

    blob = "|".join(f"{name}={t.fingerprint()}" for name, t in sorted(tasks.items()))
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def load_suite(preset: Preset, names: tuple[str, ...] | None = None) -> dict[str, RetrievalTask]:
    """Evaluation tasks of a preset (shrunk by its caps; memoised per process: tasks are read-only).

    The memo is keyed by the task names and the whole preset (every field, so no field that selects
    data can be left out of the key by hand)."""
    names = tuple(names or DEFAULT_TASKS)
    key = repr((names, preset))
    if key not in _SUITES:
        _SUITES[key] = _load_suite(preset, names)
    return dict(_SUITES[key])


def _load_suite(preset: Preset, names: tuple[str, ...]) -> dict[str, RetrievalTask]:
    tasks: dict[str, RetrievalTask] = {}
    for name in names:
        if name in LAREQA:
            langs = preset.lareqa_langs.get(name)
            t = load_lareqa(name, list(langs) if langs is not None else None)  # () is an error, not "all"
        elif name == "miracl-pooled":
            t = load_miracl(list(preset.miracl_langs))
        elif name == "miracl-hard":
            t = load_miracl_hard(list(preset.miracl_langs))
        elif name == "miracl-full":  # the paper's setting: official dev queries over the full corpus
            t = load_miracl(list(preset.miracl_full_langs), corpus=preset.miracl_corpus)
        elif name == "tydi":
            t = load_tydi_dev(list(preset.tydi_langs))
        elif name == "afriqa":
            t = load_afriqa(list(preset.afriqa_langs) if preset.afriqa_langs is not None else None)
        elif name == "afriqa-translated":
            t = load_afriqa(list(preset.afriqa_langs) if preset.afriqa_langs is not None else None, translated=True)
        elif name == "flores":
            t = load_flores(["en", *preset.miracl_langs])
        elif name == "tatoeba":
            t = load_tatoeba([lang for lang in preset.miracl_langs if lang in TATOEBA_CODES])
        else:
            known = list(LAREQA) + list(POOLED) + list(TOPK) + list(BITEXT)
            raise ValueError(f"unknown evaluation task {name!r}; known: {known}")
        caps = (preset.max_queries, None) if name in TOPK else (preset.max_queries, preset.max_candidates)
        tasks[name] = t.shrink(*caps, by=POOLED.get(name) or BITEXT.get(name, "lang"))
    return tasks


def evaluate_suite(
    scorer_for: Callable[[RetrievalTask], Scorer], tasks: dict[str, RetrievalTask]
) -> tuple[dict, dict[str, np.ndarray]]:
    """Score every task; ``scorer_for(task)`` builds the scorer (e.g. embeds the task once)."""
    summary: dict = {}
    arrays: dict[str, np.ndarray] = {}
    for name, task in tasks.items():
        scorer = scorer_for(task)
        if name in LAREQA:
            res = evaluate_lareqa(scorer, task)
            summary[name] = {
                "summary": {k: float(v) for k, v in res.summary().items()},
                "per_language": res.per_language().round(6).to_dict(orient="index"),
                "cross_mAP": res.cross_matrix("mAP").round(6).to_dict(orient="index"),
                "n_queries": int(len(task.queries)),
                "n_candidates": int(len(task.candidates)),
            }
            for k, v in res.per_query_frame().items():
                arrays[f"{name}/{k}"] = v
            # LPR, Lang-nDCG@10, top-1 classes, MRC per query. The pooled setting's score matrix is
            # formed again here (one matmul); what costs is the ranking, and the two need different
            # ones (ranks of the relevant items above; full tie-averaged rows for MRC), so none is shared.
            pref = language_preference(scorer, task)
            summary[name]["language_preference"] = preference_summary(pref)
            for k, v in pref.items():
                arrays[f"{name}/preference/{k}"] = v
        elif name in BITEXT:
            summary[name], parts = (evaluate_flores if name == "flores" else evaluate_tatoeba)(scorer, task)
            arrays |= {f"{name}/{k}": v for k, v in parts.items()}
        else:
            res = evaluate_topk(scorer, task) if name in TOPK else evaluate_pooled(scorer, task, group=POOLED[name])
            table = pooled_table(res)
            summary[name] = {
                "per_language": table.round(6).to_dict(orient="index"),
                "pooled": bool(task.meta.get("pooled", False)),
            }
            for g, s in res.items():
                arrays[f"{name}/{g}/query_id"] = s.query_ids
                for m in ("nDCG@10", "R@100"):
                    arrays[f"{name}/{g}/{m}"] = s.values[m]
    return summary, arrays
