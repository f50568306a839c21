"""The paper's numbers as shipped: validated on load, cells found, recomputed means match the printed."""

from __future__ import annotations

import pytest

from hybridlib.analysis.paper import paper_cell, paper_model_of, paper_results


def test_paper_results_load_and_validate():
    df = paper_results()
    assert len(df) == 1092, "1,092 transcribed values (data/paper/README.md)"
    assert set(df.model) == {"XLM-R", "LaBSE"} and set(df.strategy) == {"X-X-mono", "X-Y", "Hybrid"}


def test_a_printed_mean_equals_the_mean_of_its_language_rows():
    df = paper_results()
    sel = df[
        (df.table == 3)
        & (df.model == "XLM-R")
        & (df.setting == "mono")
        & (df.metric == "mAP")
        & (df.strategy == "Hybrid")
        & (df.dataset == "xquad-r")
    ]
    langs = sel[~sel.lang.isin(["mean", "median"])]
    printed = paper_cell(3, "XLM-R", "xquad-r", "mono", "mAP", "Hybrid")
    assert printed == pytest.approx(langs.value.mean(), abs=6e-5), "Table 3's printed mean is recomputable"


def test_missing_cell_is_none_and_backbone_names_map():
    assert paper_cell(3, "XLM-R", "xquad-r", "mono", "mAP", "Hybrid", lang="xx") is None
    assert paper_model_of("xlm-roberta-large") == "XLM-R" and paper_model_of("sentence-transformers/LaBSE") == "LaBSE"
    assert paper_model_of("me5-small") is None
