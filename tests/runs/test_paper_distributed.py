"""The paper preset under ``torchrun`` with two CPU ranks (gloo): every rank trains, rank 0 alone
evaluates and stores, and every rank returns the one stored record."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
MMARCO = HERE.parent / "data" / "fixtures" / "mmarco"


def test_two_ranks_train_and_rank_zero_stores_once(tmp_path):
    from hybridlib.models.registry import load_model

    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun not installed")
    load_model("tiny-xlmr")  # built once here, so the two ranks do not race to build it in the cache
    results = tmp_path / "results"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HYBRIDLIB_RESULTS": str(results)}
    cmd = [torchrun, "--nproc_per_node", "2", "--master_port", "29519", str(HERE / "paper_worker.py")]
    proc = subprocess.run([*cmd, str(tmp_path), str(MMARCO)], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"torchrun failed:\n{proc.stderr[-3000:]}"

    stored = sorted((results / "paper" / "finetune").glob("*.json")) or sorted(results.rglob("finetune/*.json"))
    assert len(stored) == 1, f"exactly one record is written (rank 0), found {[str(p) for p in stored]}"
    record = json.loads(stored[0].read_text())
    assert record["config"]["extra"] == {"world_size": 2}, "the world size is part of the config"
    assert record["train"]["world_size"] == 2 and record["train"]["steps_run"] == 2
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0] == ranks[1], "every rank returns the record rank 0 stored"
    assert ranks[0][0]["config_hash"] == stored[0].stem
    assert 0 <= ranks[0][0]["results"]["xquad-r"]["summary"]["Mul_mAP"] <= 1
