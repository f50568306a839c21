"""The headline effect table on planted runs: differences, relative rank-distance change, CIs, the paper's."""

from __future__ import annotations

import numpy as np
import pytest

from hybridlib.analysis.effects import QUANTITIES, effect_table, headline_sentences, resolved


@pytest.fixture(scope="module")
def table(planted_runs):
    return effect_table(planted_runs, ("xquad-r", "mlqa-r"), n_boot=400)


def test_one_row_per_quantity_and_comparison_of_each_set_the_runs_hold(table):
    assert set(table.dataset) == {"xquad-r"}, "the planted runs hold no MLQA-R: it is left out"
    assert len(table) == len(QUANTITIES) * 3
    assert {"paper XLM-R", "paper LaBSE", "ci_low", "ci_high", "seeds"} <= set(table.columns)
    assert (table.seeds == "3/3").all()


def test_planted_differences_are_recovered_inside_their_cis(table):
    """Planted Mo means 0.80 / 0.70 / 0.70 and Mul 0.50 / 0.55 / 0.52 (X-X-mono / X-Y / Hybrid)."""
    row = table.set_index(["quantity", "comparison"])
    for (q, c), truth in {
        ("Mo mAP", "Hybrid − X-X-mono"): -0.10,
        ("Mul mAP", "Hybrid − X-Y"): -0.03,
        ("Mul mAP", "X-Y − X-X-mono"): 0.05,
    }.items():
        r = row.loc[(q, c)]
        assert r.ci_low <= truth <= r.ci_high, f"{q} {c}: planted {truth} outside [{r.ci_low:.4f}, {r.ci_high:.4f}]"
        assert abs(r.effect - truth) < 0.01
    assert not resolved(table[(table.quantity == "Mo mAP") & (table.comparison == "Hybrid − X-Y")]).any()


def test_rank_distance_is_a_relative_change_and_the_paper_effect_too(table):
    """Every strategy is planted at rank distance 600: the relative change is ~0 and its CI spans 0;
    the paper's is (RD_A − RD_B) / RD_B of its printed means (XLM-R: Hybrid cuts X-X-mono's)."""
    rd = table[table.quantity == "RD change"]
    assert (rd.effect.abs() < 0.05).all() and not resolved(rd).any(), rd
    cut = rd[rd.comparison == "Hybrid − X-X-mono"]["paper XLM-R"].iloc[0]
    assert -1 < cut < 0, f"the paper's Hybrid lowers X-X-mono's rank distance by a fraction, got {cut}"


def test_headline_sentences_name_each_hybrid_comparison_with_its_ci(table):
    text = headline_sentences(table)
    assert [t.split(":")[0] for t in text] == ["Hybrid − X-X-mono", "Hybrid − X-Y"]
    assert "xquad-r Mo mAP -0.100" in text[0] and "(worse)" in text[0]
    assert np.all(["[" in t and "]" in t for t in text])
