"""Each notebook's .py (the source that is edited and reviewed) and its .ipynb (the rendered
record readers open) hold the same code, cell by cell."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_py_and_ipynb_code_cells_agree(source):
    rendered = source.with_suffix(".ipynb")
    assert rendered.exists(), f"{rendered.name} is missing: run `make sync-notebooks`"
    py = [c.source.strip() for c in jupytext.read(source).cells if c.cell_type == "code"]
    nb = [
        c.source.strip()
        for c in nbformat.read(rendered, as_version=4).cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])  # papermill's
    ]
    assert py == nb, f"{source.name} and {rendered.name} disagree: run `make sync-notebooks` (jupytext --sync)"
