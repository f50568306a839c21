"""Run under ``torchrun --nproc_per_node 2`` (CPU, gloo) by tests/runs/test_paper_distributed.py: the
paper preset's first run on fixtures; each rank dumps the record it got back."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(out_dir: str, mmarco: str) -> None:
    os.environ["HYBRIDLIB_MMARCO"] = mmarco
    from hybridlib.presets import get_preset
    from hybridlib.runs import paper_runs
    from hybridlib.train.distributed import rank

    p = get_preset("paper-smoke")
    first = paper_runs.paper_grid(p)[:1]
    paper_runs.paper_grid = lambda preset: first  # one run keeps the test short
    records = paper_runs.run_paper(p)
    Path(out_dir, f"rank{rank()}.json").write_text(json.dumps(records))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
