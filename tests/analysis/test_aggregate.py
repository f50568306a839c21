import pandas as pd

from hybridlib.analysis.aggregate import order_agreement


def _means(rows):
    return pd.DataFrame(rows, columns=["group", "strategy", "value"]).set_index(["group", "strategy"])["value"]


def test_order_agreement_reads_the_planted_orders():
    same = _means([("a", "X-Y", 0.3), ("a", "Hybrid", 0.5), ("a", "X-X-mono", 0.1),
                   ("b", "X-Y", 0.2), ("b", "Hybrid", 0.9), ("b", "X-X-mono", 0.0)])  # fmt: skip
    row = order_agreement(same, "group", lambda g: f"group {g}")
    assert row["order, group a"] == "Hybrid > X-Y > X-X-mono", row
    assert row["order, group b"] == "Hybrid > X-Y > X-X-mono", row
    assert row["same order"] is True, "both groups rank Hybrid > X-Y > X-X-mono"


def test_order_agreement_flags_a_swap_and_keeps_ties_in_index_order():
    swapped = _means([("a", "X-Y", 0.3), ("a", "Hybrid", 0.5),
                      ("b", "X-Y", 0.6), ("b", "Hybrid", 0.5)])  # fmt: skip
    assert order_agreement(swapped, "group")["same order"] is False, "group b puts X-Y first"
    tied = _means([("a", "X-Y", 0.5), ("a", "Hybrid", 0.5)])
    assert order_agreement(tied, "group")["order, a"] == "X-Y > Hybrid", "a tie keeps the index order (stable sort)"


def test_order_agreement_has_nothing_to_compare_with_one_group_or_unequal_strategy_sets():
    one = _means([("a", "X-Y", 0.3), ("a", "Hybrid", 0.5)])
    assert order_agreement(one, "group")["same order"] is None, "one group: no agreement to report"
    partial = _means([("a", "X-Y", 0.3), ("a", "Hybrid", 0.5), ("b", "X-Y", 0.2)])
    assert order_agreement(partial, "group")["same order"] is None, "group b lacks Hybrid: not comparable yet"
