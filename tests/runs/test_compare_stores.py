"""scripts/compare_stores.py: matched records and their largest metric difference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hybridlib.fileio import write_json

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compare_stores.py"


def test_compare_reports_matched_records_and_the_largest_difference(tmp_path):
    rerun, committed = tmp_path / "rerun", tmp_path / "committed"
    write_json(rerun / "head" / "abc.json", {"results": {"xquad-r": {"summary": {"Mul_mAP": 0.51, "RD": 400.0}}}})
    write_json(committed / "head" / "abc.json", {"results": {"xquad-r": {"summary": {"Mul_mAP": 0.50, "RD": 402.5}}}})
    write_json(committed / "head" / "def.json", {"results": {}})
    out = subprocess.run([sys.executable, str(SCRIPT), str(rerun), str(committed)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"head: 1 in both, 0 only in {rerun}, 1 only in {committed}", lines
    assert lines[1] == "  max |Δ| metric: 0.01 (abc xquad-r.summary.Mul_mAP)", lines
    assert lines[2] == "  max |Δ| rank distance: 2.5 (abc xquad-r.summary.RD)", lines


def test_table_keeps_the_committed_values_once_the_rerun_is_adopted(tmp_path):
    rerun, committed, table = tmp_path / "rerun", tmp_path / "committed", tmp_path / "t.csv"

    def rec(mul, finished):
        cfg = {"alpha": 0.5, "seed": 0, "steps": 300}
        return {"config": cfg, "finished": finished, "results": {"xquad-r": {"summary": {"Mul_mAP": mul}}}}

    write_json(rerun / "partial-ft" / "abc.json", rec(0.51, "new"))
    write_json(committed / "partial-ft" / "abc.json", rec(0.50, "old"))
    cmd = [sys.executable, str(SCRIPT), str(rerun), str(committed), "--kind", "partial-ft", "--table", str(table)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"{table}: 1 runs (1 added), 1 rows" in out.stdout, out.stdout
    write_json(committed / "partial-ft" / "abc.json", rec(0.51, "new"))  # adopted: the committed record is the rerun
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"{table}: 1 runs (0 added), 1 rows" in out.stdout, out.stdout
    row = table.read_text().splitlines()[1].split(",")
    assert row[-2:] == ["0.5", "0.51"], f"the committed value before adoption stays in the table: {row}"


def test_table_needs_a_kind(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), str(tmp_path), "--table", str(tmp_path / "t.csv")],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "--table needs --kind" in out.stderr, out.stderr


def test_table_names_a_kind_with_no_records(tmp_path):
    write_json(tmp_path / "rerun" / "head" / "abc.json", {"results": {}})
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "rerun"), str(tmp_path / "committed")]
        + ["--kind", "partial-ft", "--table", str(tmp_path / "t.csv")],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "--kind partial-ft: no records" in out.stderr, out.stderr
    assert not (tmp_path / "t.csv").exists(), "no table is written for a kind with no records"
