"""Dataset statistics for the paper's Tables 9-11, computed from the shipped files."""

from __future__ import annotations

import pandas as pd

from hybridlib.analysis.paper import paper_tables, published_counts
from hybridlib.data.afriqa import load_afriqa
from hybridlib.data.lareqa import load_lareqa
from hybridlib.data.miracl import LANGS as MIRACL_LANGS
from hybridlib.data.miracl import load_miracl, read_topics
from hybridlib.data.mlqa_tydi import load_mlqa_test, load_tydi_dev


def lareqa_counts() -> pd.DataFrame:
    """Questions and candidate sentences per language of XQuAD-R and MLQA-R, with the published
    counts beside them and a ``match`` flag."""
    rows = []
    for ds in ("xquad-r", "mlqa-r"):
        t = load_lareqa(ds)
        q, c = t.queries.groupby("lang").size(), t.candidates.groupby("lang").size()
        for lang in t.query_langs:
            rows.append(
                dict(
                    dataset=ds,
                    lang=lang,
                    questions=int(q[lang]),
                    candidates=int(c[lang]),
                    unmatched_answers=t.meta["unmatched_answers"][lang],
                )
            )
    df = pd.DataFrame(rows)
    pub = published_counts().pivot_table(index=["dataset", "lang"], columns="field", values="value")
    df = df.join(pub[["questions", "candidates"]].rename(columns=lambda c: f"published_{c}"), on=["dataset", "lang"])
    df["match"] = (df.questions == df.published_questions) & (df.candidates == df.published_candidates)
    return df


def miracl_counts() -> pd.DataFrame:
    """MIRACL dev queries per language (from the topic files) beside the official counts and
    the values printed in the paper's Table 11 (where transcribed), plus the pooled subset."""
    pub = published_counts().query("dataset == 'miracl'").set_index("lang")["value"]
    paper = paper_tables().query("table == 'Table 11'").set_index("row")["value"]
    pooled = load_miracl(list(MIRACL_LANGS)).queries.groupby("lang").size()
    rows = []
    for lang in MIRACL_LANGS:
        n = len(read_topics(lang))
        rows.append(
            dict(
                lang=lang,
                dev_queries=n,
                official=int(pub[lang]),
                paper_table11=float(paper[lang]) if lang in paper.index else float("nan"),
                pooled_queries=int(pooled.get(lang, 0)),
            )
        )
    df = pd.DataFrame(rows)
    df["paper_mismatch"] = df.paper_table11.notna() & (df.paper_table11 != df.dev_queries)
    return df


def training_pairs() -> pd.DataFrame:
    """MLQA-test question -> paragraph pairs obtainable by joining on the MLQA id
    (rows: question language, columns: passage language; diagonal = monolingual)."""
    q, c = load_mlqa_test()
    pairs = q.merge(c, on="id", suffixes=("_q", "_p"))
    return pairs.groupby(["lang_q", "lang_p"]).size().unstack(fill_value=0)


def offline_sets() -> pd.DataFrame:
    """Sizes of the offline evaluation sets this study adds (pooled MIRACL, TyDi dev, AfriQA)."""
    rows = []
    for name, task, by in (
        ("miracl-pooled", load_miracl(), "lang"),
        ("tydi-dev-pooled", load_tydi_dev(), "lang"),
        ("afriqa-test", load_afriqa(), "pool"),
    ):
        for g, qs in task.queries.groupby(by):
            pool = task.candidates[task.candidates[by if by in task.candidates else "lang"] == g]
            rows.append(dict(set=name, lang=g, queries=len(qs), candidates=len(pool)))
    return pd.DataFrame(rows)
