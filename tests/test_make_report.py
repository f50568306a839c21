"""REPORT.md's sections on planted stored runs: which tracks are shown, what each section holds."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hybridlib.presets import get_preset
from hybridlib.runs import grids

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def make_report():
    """The script module (scripts/ is not a package)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import make_report
    finally:
        sys.path.pop(0)
    return make_report


@pytest.fixture(scope="module")
def records(planted_runs):
    return planted_runs


def test_a_track_is_shown_only_once_every_strategy_has_runs(records):
    assert grids.has_every_strategy(records)
    no_hybrid = [r for r in records if r["config"]["alpha"] != 0.5]
    assert not grids.has_every_strategy(no_hybrid), "without Hybrid the partial track must not be primary"
    assert not grids.has_every_strategy([])
    assert not grids.has_every_strategy(records, needs="mlqa-r"), "no run holds MLQA-R"


def test_track_section_holds_the_tables_of_the_sets_the_runs_have_and_the_planted_verdicts(records):
    lines, counts = make_report().track_section("Track: planted", records, "synthetic", "", 300, "partial")
    text = "\n".join(lines)
    assert counts["supported"] >= 1 and sum(counts.values()) >= 2, f"the tally counts the verdicts: {counts}"
    assert text.startswith("## Track: planted"), text[:80]
    assert "{'X-X-mono': 3, 'X-Y': 3, 'Hybrid': 3}" in text, "seeds per strategy, in the paper's order"
    assert "`python scripts/run_experiments.py partial`" in text, "the command that made the runs"
    assert "### xquad-r: ours beside the paper's means" in text and "paper XLM-R" in text
    assert "### mlqa-r" not in text, "the runs hold no MLQA-R: no table for it"
    assert "ours (3 seeds)" in text
    claims = [line for line in text.splitlines() if line.startswith("| X-X-mono best in Mo (mAP)")]
    assert claims and all("supported" in line for line in claims), f"X-X-mono planted 0.10 above in Mo: {claims}"
    tally = next(line for line in text.splitlines() if line.startswith("Non-inferiority margin"))
    assert "Verdicts:" in tally and "supported" in tally, tally


def test_cross_section_is_empty_until_a_protocol_has_every_strategy(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    tallies = []
    assert make_report().cross_section(get_preset("smoke"), 50, tallies) == [], "no stored cross-dataset runs"
    assert tallies == []


def test_the_summary_opens_with_the_tallies_the_figure_and_the_clearest_hybrid_differences(records):
    """Planted: Hybrid − X-X-mono in Mo and Hybrid − X-Y in Cr are −0.10 (clear), Hybrid − X-Y in Mo
    level: the clear ones are listed first, with CIs and the paper's effects; p-values print readably."""
    from hybridlib.analysis.effects import effect_table

    mr = make_report()
    table = effect_table(records, ("xquad-r",), n_boot=300)
    lines = mr.summary_section(
        [("planted", "synthetic", {"supported": 2, "contradicted": 1, "inconclusive": 3})], table, "figures/x.png"
    )
    text = "\n".join(lines)
    assert text.startswith("## Summary") and "![Effects of batch composition" in text and "(figures/x.png)" in text
    assert "| planted | synthetic | 2 | 1 | 3 | 0 |" in text and "one Holm family" in text
    rows = [line for line in lines if line.startswith("| xquad-r |")]
    assert 0 < len(rows) <= 10 and all("Hybrid −" in r for r in rows), "only comparisons involving Hybrid, ≤ 10"
    clearest = {" | ".join(r.split(" | ")[1:3]) for r in rows[:2]}
    assert clearest == {"Mo mAP | Hybrid − X-X-mono", "Cr mAP | Hybrid − X-Y"}, f"planted −0.10 twice: {rows[:2]}"
    level = [r for r in rows if "| Mo mAP | Hybrid − X-Y |" in r]
    assert all("| no |" in r for r in level), "Hybrid and X-Y are planted level in Mo: not resolved"
    readable = mr.readable_p(
        pd.DataFrame({"p_holm": [0.0, 0.0042, 0.3, np.nan], "test": ["a", "a", "a", "threshold on CI"]})
    )
    assert readable.p_holm.tolist() == ["<0.001", "0.004", "0.30", "— (judged on the 95% CI)"]


def test_an_empty_store_is_an_error_naming_the_store_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    report = Path(__file__).resolve().parents[1] / "REPORT.md"
    before = report.read_bytes()
    with pytest.raises(SystemExit, match=r"no track of preset 'smoke' .*scripts/run_experiments.py head-grid partial"):
        make_report().main(["--preset", "smoke"])
    assert report.read_bytes() == before, "REPORT.md must not be overwritten from an empty store"


def test_every_block_section_is_empty_until_a_protocol_has_every_strategy(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRIDLIB_RESULTS", str(tmp_path))
    assert make_report().every_block_section(get_preset("smoke"), 50) == ([], ""), "no stored every-block runs"


def test_every_block_section_finds_two_identical_regimes_agreeing_wherever_both_resolve(records, monkeypatch):
    mr = make_report()
    as_blocks = {k: [{**r, "config": {**r["config"], "top_layers": k}} for r in records] for k in (12, 2)}
    protocol = "synthetic>xquad-r"  # trained elsewhere, tested on the planted XQuAD-R (no unseen languages)
    monkeypatch.setattr(mr.grids, "every_block_grid", lambda p, protocols: [SimpleNamespace(top_layers=12, steps=1)])
    monkeypatch.setattr(mr.grids, "partial_grid", lambda p, protocols: [SimpleNamespace(top_layers=2, steps=1)])
    monkeypatch.setattr(mr.grids, "stored_grid", lambda configs, p: (as_blocks[configs[0].top_layers], 0))
    monkeypatch.setattr(mr, "run_baseline", lambda *a, **k: {"results": {"xquad-r": {"summary": {"Mo_mAP": 0.9}}}})
    monkeypatch.setattr(mr, "CROSS_DATASET_PROTOCOLS", (protocol,))
    lines, sentence = mr.every_block_section(get_preset("cpu"), 200)
    text = "\n".join(lines)
    assert text.startswith("## Every block trained") and f"### {protocol}: every block against the top 2 blocks" in text
    assert "seeds per strategy {'X-X-mono': 3, 'X-Y': 3, 'Hybrid': 3}" in text
    # the same runs under both names: every difference resolved under both has the same sign, every claim
    # resolved under both the same verdict, and the sentence says so with the counts
    m = re.search(r"(\d+) resolved under both regimes, (\d+) of them with the same sign", sentence)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0, sentence
    m = re.search(r"(\d+) resolved under both, (\d+) of them with the same verdict", sentence)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0, sentence
    only = re.findall(r"(\d+) resolved under every block only", sentence)
    assert only == ["0", "0"], f"identical regimes: no difference and no claim resolves under one only: {sentence}"


def test_rerun_section_reads_the_kept_table_and_is_empty_without_it(tmp_path):
    from hybridlib.analysis.reproducibility import ROW_COLUMNS

    table = tmp_path / "rerun.csv"
    assert make_report().rerun_section(table, []) == ([], ""), "no table, no section"
    rows = [["k0", 0.5, 0, 0, "xquad-r.Mul_mAP", 0.30, 0.30], ["k0", 0.5, 0, 0, "xquad-r.RD", 500.0, 500.5]]
    rows += [[f"k{s}", 0.5, s, 300, "xquad-r.Mul_mAP", 0.40 + 0.01 * s, 0.40 + 0.01 * s + 0.002] for s in (1, 2)]
    pd.DataFrame(rows, columns=ROW_COLUMNS).to_csv(table, index=False)
    lines, sentence = make_report().rerun_section(table, [])
    assert lines[0].startswith("## Does a trained run reproduce?"), lines[0]
    assert "3 stored runs rerun (2 trained, 1 untrained)" in sentence, sentence
    assert "largest |Δ| metric: 0.002 (xquad-r.Mul_mAP, α 0.5 seed 1" in sentence, sentence
    assert "largest |Δ| rank distance: 0.5 ranks" in sentence, sentence
    assert "the largest in seed SDs: 0.28 SD (xquad-r.Mul_mAP)" in sentence, "0.002 / SD(0.41, 0.42) = 0.002 / 0.00707"
    grid = [  # the grid's stored runs: the seed SD comes from all of them (0.01 within α 0.5)
        {"config": {"alpha": 0.5, "seed": s, "steps": 300}, "results": {"xquad-r": {"summary": {"Mul_mAP": v}}}}
        for s, v in enumerate([0.40, 0.41, 0.42])
    ]
    lines, sentence = make_report().rerun_section(table, grid)
    assert "the largest in seed SDs: 0.20 SD (xquad-r.Mul_mAP)" in sentence, sentence
    assert "over the 3 stored runs' seeds" in "\n".join(lines)
