"""The committed, executed notebooks as a reader opens them on GitHub: every figure a notebook saves
is displayed in its cell (an ``image/png`` output), and no output holds a path of the machine that
rendered it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hybridlib.paths import REPO

RENDERED = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (REPO / "notebooks" / "variants").glob("*.ipynb")
)
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home|tmp|usr|opt|var)/[\w.-]+")


@pytest.mark.parametrize("path", RENDERED, ids=lambda p: p.stem)
def test_each_figure_cell_shows_its_image_and_no_output_holds_a_machine_path(path: Path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert any(c.get("outputs") for c in cells), f"{path.name} is not executed (make render)"
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        outputs = cell.get("outputs", [])
        if re.search(r"^save\(", source, re.M):  # an unconditional save: its figure must show
            images = [o for o in outputs if "image/png" in o.get("data", {})]
            assert images, f"{path.name}, code cell {i}: saves a figure but shows none:\n{source[:200]}"
        for o in outputs:
            text = json.dumps(
                {k: v for k, v in o.items() if k != "data"}
                | {"data": {k: v for k, v in o.get("data", {}).items() if not k.startswith("image/")}}
            )
            found = MACHINE_PATH.search(text)
            assert not found, f"{path.name}, code cell {i}: an output holds the machine path {found.group(0)!r}"
