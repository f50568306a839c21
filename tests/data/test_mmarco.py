"""The paper preset's data paths, tested offline on fixtures in the hub's formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from hybridlib.data import DataError
from hybridlib.data.mmarco import mmarco_pairs, read_triples
from hybridlib.presets import get_preset
from hybridlib.train.samplers import BatchComposer
from hybridlib.train.strategy import make_strategy

FIXTURE = Path(__file__).parent / "fixtures" / "mmarco"


def test_paper_preset_names_the_papers_backbones():
    p = get_preset("paper")
    assert p.backbones == ("xlm-roberta-base", "sentence-transformers/LaBSE") and p.model == p.backbones[0]
    assert p.ft_batch == 100 and p.ft_lr == 3e-5 and not p.ft_freeze_embeddings
    assert p.protocol == "paper" and p.ft_eval_tasks, "the paper preset evaluates after fine-tuning"


def test_mmarco_pairs_are_parallel_mono_and_cross(monkeypatch):
    ex = mmarco_pairs(("en", "de", "es"), max_rows=50, root=FIXTURE)
    assert len(ex) == 9 * 50, "every (query, passage) language pair of every parallel row"
    assert set(ex.source) == {"mmarco"} and ex.group.nunique() == 50
    row = ex[(ex.group == "mmarco-7") & (ex.q_lang == "de") & (ex.p_lang == "es")].iloc[0]
    assert row.q_text == "was ist item7" and row.p_text.startswith("item7 es") and "7" in row.neg_text
    ex["passage_key"] = ex.p_text.factorize()[0]
    for name in ("x-x-mono", "x-y", "hybrid"):  # the samplers compose batches from it
        BatchComposer(ex, make_strategy(name), 8, seed=0).batches(3)


def test_mmarco_offline_without_a_local_copy_says_what_it_needs(monkeypatch):
    monkeypatch.delenv("HYBRIDLIB_MMARCO", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataError, match=r"unicamp-dl/mmarco.*config 'english'.*HYBRIDLIB_MMARCO"):
        read_triples("en", 5)
    with pytest.raises(DataError, match="expected .*french.jsonl"):
        read_triples("fr", 5, root=FIXTURE)


def test_paper_protocol_mixes_mmarco_and_mlqa(monkeypatch):
    from hybridlib.train.protocols import training_examples

    monkeypatch.setenv("HYBRIDLIB_MMARCO", str(FIXTURE))  # the fixture holds the paper's seven languages
    ex = training_examples("paper", max_groups=40)
    assert set(ex.source) == {"mlqa-test", "mmarco"}
    assert ex.neg_text.notna().all() and ex.passage_key.notna().all()
    composer = BatchComposer(ex, make_strategy("hybrid"), 8, seed=0)
    sources = {ex.source[b[0]] for b in composer.batches(40)}
    assert sources == {"mlqa-test", "mmarco"}, "batches are drawn from both sources (by size)"


def test_offline_paper_preset_fails_at_once_naming_each_resource(monkeypatch):
    from hybridlib.runs.paper_runs import PaperResourceError, preflight

    monkeypatch.delenv("HYBRIDLIB_MMARCO", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(PaperResourceError) as err:
        preflight(get_preset("paper"))
    msg = str(err.value)
    resources = ("'xlm-roberta-base'", "'sentence-transformers/LaBSE'", "unicamp-dl/mmarco", "HYBRIDLIB_MMARCO")
    for resource in resources + ("miracl/miracl-corpus",):
        assert resource in msg, f"the error names {resource} and how to provide it"


def test_paper_pipeline_end_to_end_on_fixtures(monkeypatch, tmp_path):
    """The paper preset's path with local stand-ins: a tiny XLM-R, the mMARCO fixture, a MIRACL
    corpus directory in the official layout, 2 steps at batch 8, every layer trained with the paper's
    prefixes, evaluated after fine-tuning (MIRACL through faiss top-100 runs and ir_measures)."""
    import shutil

    from hybridlib.paths import data_dir
    from hybridlib.runs.paper_runs import paper_grid, run_paper

    corpus = tmp_path / "miracl-corpus"
    (corpus / "yo").mkdir(parents=True)  # the official layout: <dir>/<lang>/*.jsonl.gz
    shutil.copy(data_dir() / "miracl-passages" / "passages" / "yo.jsonl.gz", corpus / "yo" / "docs-0.jsonl.gz")
    monkeypatch.setenv("HYBRIDLIB_MMARCO", str(FIXTURE))
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    p = get_preset("paper-smoke").with_(ft_eval_tasks=("xquad-r", "miracl-full"), miracl_corpus=str(corpus))
    grid = paper_grid(p)
    assert [c.strategy for c in grid] == ["x-y", "hybrid", "x-x-mono"], "one backbone x three strategies x one seed"
    monkeypatch.setattr("hybridlib.runs.paper_runs.paper_grid", lambda preset: grid[:1])  # one run keeps CI short
    records = run_paper(p)
    assert [r["config"]["strategy"] for r in records] == ["x-y"]
    for r in records:
        assert r["config"]["protocol"] == "paper" and not r["config"]["freeze_embeddings"]
        assert r["train"]["steps_run"] == 2 and 0 <= r["results"]["xquad-r"]["summary"]["Mul_mAP"] <= 1
        miracl = r["results"]["miracl-full"]
        assert set(miracl["per_language"]) == {"yo", "mean", "median"} and not miracl["pooled"], miracl
        assert 0 <= miracl["per_language"]["yo"]["nDCG@10"] <= 1, "MIRACL over the local corpus, scored per language"
