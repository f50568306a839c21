"""FLORES / Tatoeba loaders: shapes, parallelism, clear errors, and disjointness from what trains or fits."""

from __future__ import annotations

import shutil

import pytest

from hybridlib.data.bitext import FLORES_CODES, load_flores, load_tatoeba
from hybridlib.data.mlqa_tydi import load_mlqa_test
from hybridlib.data.ntrex import CODES as NTREX_CODES
from hybridlib.data.ntrex import load_ntrex_pairs
from hybridlib.data.readers import leakage_key
from hybridlib.data.task import DataError
from hybridlib.paths import data_dir


def test_flores_is_seven_way_parallel():
    t = load_flores()
    assert len(t.queries) == 7 * 1004 and len(t.candidates) == 7 * 1004
    assert (t.qrels.relevance > 0).sum() == 7 * 1004 * 6, "every sentence's six translations are relevant"
    own = t.qrels.query_id.str.replace("/", ":", n=1) == t.qrels.doc_id
    assert not own.any(), "a query's own sentence must never be judged relevant to it"


def test_tatoeba_pairs_both_directions():
    t = load_tatoeba(["te"])
    assert len(t.queries) == 2 * 234 and set(t.queries.lang) == {"te", "en"}


def test_unknown_language_is_named():
    with pytest.raises(DataError, match="unknown language.*'zz'"):
        load_flores(["en", "zz"])
    with pytest.raises(DataError, match="unknown language.*'yo'"):
        load_tatoeba(["yo"])  # Tatoeba has no Yorùbá pair


def test_bad_files_name_file_and_line(tmp_path):
    for code in ("eng_Latn", "yor_Latn"):
        shutil.copytree(data_dir() / "flores" / code, tmp_path / "flores" / code)
    bad = tmp_path / "flores" / "yor_Latn" / "dev.tsv"
    rows = bad.read_text(encoding="utf-8").split("\n")
    bad.write_text("\n".join([rows[0], "x\tsports\ttext", *rows[2:]]), encoding="utf-8")
    with pytest.raises(DataError, match=r"dev\.tsv: line 2: field 'index_id'"):
        load_flores(["en", "yo"], root=tmp_path)
    bad.write_text("\n".join(rows[:1] + rows[2:]), encoding="utf-8")  # one sentence fewer
    with pytest.raises(DataError, match="not parallel"):
        load_flores(["en", "yo"], root=tmp_path)


def test_disjoint_from_training_and_fitting_data():
    """FLORES shares no sentence with MLQA test (training pairs) or NTREX-128 (SHIFT / LIR fitting)."""
    flores = set(load_flores().queries.text.map(leakage_key))
    questions, contexts = load_mlqa_test()
    trained = set(questions.text.map(leakage_key)) | set(contexts.text.map(leakage_key))
    assert not flores & trained, f"{len(flores & trained)} FLORES sentences occur in the training data"
    ntrex = load_ntrex_pairs(sorted(set(NTREX_CODES) & set(FLORES_CODES)))
    fitted = set(ntrex.text.map(leakage_key)) | set(ntrex.en_text.map(leakage_key))
    assert not flores & fitted, f"{len(flores & fitted)} FLORES sentences occur in NTREX-128"
