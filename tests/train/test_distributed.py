"""Multi-process training through the trainer's own distributed support: two CPU ranks (gloo)
under torchrun, each rank's batches must obey the strategy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).parent


@pytest.mark.parametrize("strategy", ["x-x-mono", "x-y"])
def test_two_ranks_obey_strategy(tmp_path, strategy):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun not installed")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE.parent)}
    proc = subprocess.run(
        [
            torchrun,
            "--nproc_per_node",
            "2",
            "--master_port",
            "29517" if strategy == "x-y" else "29518",
            str(HERE / "dist_worker.py"),
            str(tmp_path),
            strategy,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"torchrun failed:\n{proc.stderr[-3000:]}"
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["world"] == 2 for r in ranks)
    meta = pd.DataFrame(ranks[0]["meta"])
    seen = []
    for r in ranks:
        assert r["batches"], f"rank {r['rank']} received no batch"
        for b in r["batches"]:
            rows = meta.iloc[b]
            assert rows.group.is_unique
            if strategy == "x-x-mono":
                assert (rows.q_lang == rows.p_lang).all() and rows.q_lang.nunique() == 1
            else:
                assert (rows.q_lang != rows.p_lang).all()
            seen.append(tuple(b))
    assert len(set(seen)) == len(seen), "the two ranks receive different batches"
