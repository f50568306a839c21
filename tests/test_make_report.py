"""REPORT.md's sections on planted stored runs: which tracks are shown, what each section holds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from hybridlib.presets import get_preset
from hybridlib.runs import grids
from hybridlib.runs.store import cached_run

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
LANGS = ("en", "de", "ar")
ALPHA = {"X-X-mono": 1.0, "X-Y": 0.0, "Hybrid": 0.5}
# planted: X-X-mono clearly best in Mo, X-Y clearly best in Cr (as the paper claims)
MEANS = {"X-X-mono": (0.80, 0.60, 0.50), "X-Y": (0.70, 0.70, 0.55), "Hybrid": (0.70, 0.60, 0.52)}
SUMMARY = {"mono": ("Mo_mAP", "Mo_R@1"), "cross": ("Cr_mAP", "Cr_R@1"), "multi": ("Mul_mAP", "Mul_R@10")}


def make_report():
    """The script module (scripts/ is not a package)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import make_report
    finally:
        sys.path.pop(0)
    return make_report


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """3 seeds per strategy on a toy XQuAD-R only (no MLQA-R), summaries consistent with the arrays."""
    import os

    os.environ["HYBRIDLIB_RESULTS"] = str(tmp_path_factory.mktemp("report-results"))
    rng = np.random.default_rng(0)
    n = 150
    ids = np.array([f"{lang}/q{i}" for lang in LANGS for i in range(n)])
    question = np.tile(rng.normal(0, 0.05, n), len(LANGS))
    out = []
    for strategy, means in MEANS.items():
        for seed in range(3):
            arrays, summary = {}, {}
            for (setting, columns), mean in zip(SUMMARY.items(), means):
                arrays[f"xquad-r/{setting}/query_id"] = ids
                for metric in ("mAP", "R@1", "R@10"):
                    arrays[f"xquad-r/{setting}/{metric}"] = np.clip(
                        mean + question + rng.normal(0, 0.02, len(ids)), 0, 1
                    )
                summary |= {c: float(arrays[f"xquad-r/{setting}/{c.split('_')[1]}"].mean()) for c in columns}
            arrays["xquad-r/multi/rank_distance"] = 600 + 100 * question + rng.normal(0, 20, len(ids))
            summary["RD"] = float(arrays["xquad-r/multi/rank_distance"].mean())
            cfg = {"protocol": "synthetic", "alpha": ALPHA[strategy], "seed": seed}
            results = {"xquad-r": {"summary": summary}}
            out.append(cached_run("synthetic", cfg, lambda r=results, a=arrays: (r, a, {}), {"eval": "planted"}))
    return out


def test_a_track_is_shown_only_once_every_strategy_has_runs(records):
    assert grids.has_every_strategy(records)
    no_hybrid = [r for r in records if r["config"]["alpha"] != 0.5]
    assert not grids.has_every_strategy(no_hybrid), "without Hybrid the partial track must not be primary"
    assert not grids.has_every_strategy([])
    assert not grids.has_every_strategy(records, needs="mlqa-r"), "no run holds MLQA-R"


def test_track_section_holds_the_tables_of_the_sets_the_runs_have_and_the_planted_verdicts(records):
    text = "\n".join(make_report().track_section("Track: planted", records, "synthetic", "", 300, "partial"))
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
    assert make_report().cross_section(get_preset("smoke"), n_boot=50) == [], "no stored cross-dataset runs"
