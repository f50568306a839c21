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
