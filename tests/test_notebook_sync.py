"""Each notebook's .py (the source that is edited and reviewed) and its .ipynb (the rendered
record readers open) hold the same code, cell by cell."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from hybridlib.notebook import study

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.py"))
VARIANT_RENDERS = [  # (source, render, parameters)
    (study.NOTEBOOKS_DIR / f"{stem}.py", study.VARIANTS_DIR / f"{study.variant_name(stem, v)}.ipynb", v)
    for stem, variants in study.VARIANTS.items()
    for v in variants
]


def _source_code_cells(source: Path) -> list[str]:
    return [c.source.strip() for c in jupytext.read(source).cells if c.cell_type == "code"]


def _code_cells(rendered: Path) -> list[str]:
    return [
        c.source.strip()
        for c in nbformat.read(rendered, as_version=4).cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])  # papermill's
    ]


@pytest.mark.parametrize("source", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_py_and_ipynb_code_cells_agree(source):
    rendered = source.with_suffix(".ipynb")
    assert rendered.exists(), f"{rendered.name} is missing: run `make sync-notebooks`"
    py = _source_code_cells(source)
    assert py == _code_cells(rendered), (
        f"{source.name} and {rendered.name} disagree: run `make sync-notebooks` (jupytext --sync)"
    )


@pytest.mark.parametrize("source, rendered, parameters", VARIANT_RENDERS, ids=[r.stem for _, r, _ in VARIANT_RENDERS])
def test_variant_renders_hold_their_sources_code_and_parameters(source, rendered, parameters):
    assert rendered.exists(), f"{rendered} is missing: run `make render` (it renders every variant)"
    py = _source_code_cells(source)
    assert py == _code_cells(rendered), f"{rendered.name} is stale against {source.name}: run `make render`"
    injected = [
        c.source
        for c in nbformat.read(rendered, as_version=4).cells
        if "injected-parameters" in c.metadata.get("tags", [])
    ]
    assert injected and all(f'{k} = "{v}"' in injected[0] for k, v in parameters.items()), (
        f"{rendered.name} was not executed with {parameters}: {injected}"
    )
