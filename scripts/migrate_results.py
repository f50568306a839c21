"""One-off: re-key head runs of the LAReQA protocols whose config said train_max_groups=3000.

Those protocols have 1,148 (MLQA-R) and 1,190 (XQuAD-R) questions, so a cap of 3,000 never
subsampled anything; the config now records ``None`` (no cap) for them. The computation is the
same, so the records are re-keyed (new config hash), not recomputed.
"""

from __future__ import annotations

import json
import os

from hybridlib.io import write_json
from hybridlib.paths import results_dir
from hybridlib.runs import config_hash


def main() -> None:
    base = results_dir() / "head"
    n = 0
    for js in sorted(base.glob("*.json")):
        rec = json.loads(js.read_text())
        c = rec["config"]
        if c["protocol"] != "mlqa-test" and c.get("train_max_groups") is not None:
            c["train_max_groups"] = None
            new = config_hash(c)
            rec["config_hash"] = new
            os.replace(js.with_suffix(".npz"), base / f"{new}.npz")
            write_json(base / f"{new}.json", rec)
            js.unlink()
            n += 1
    print(f"re-keyed {n} runs")


if __name__ == "__main__":
    main()
