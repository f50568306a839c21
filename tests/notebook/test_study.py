"""The study runner: which notebooks run, with which parameters, and where their renders go."""

from __future__ import annotations

from pathlib import Path

import nbformat

from hybridlib.notebook import study


def test_variant_name_is_a_file_name():
    assert study.variant_name("03_main_results", {"protocol": "mlqa-r>xquad-r"}) == "03_main_results__mlqa-r-to-xquad-r"


def test_main_runs_each_variant_after_its_notebook_and_renders_it_apart(monkeypatch, tmp_path):
    calls = []

    def fake_execute(source, preset, out_dir=None, parameters=None, kernel_name="python3", name=None):
        calls.append((source.stem, name, parameters))
        out = tmp_path / "build" / preset / f"{name}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(name)]), out)
        return out

    notebooks_dir = tmp_path / "notebooks"
    notebooks_dir.mkdir()
    for stem in ("02_train", "03_main_results"):
        (notebooks_dir / f"{stem}.py").write_text("")
    monkeypatch.setattr(study, "REPO", tmp_path)
    monkeypatch.setattr(study, "NOTEBOOKS_DIR", notebooks_dir)
    monkeypatch.setattr(study, "VARIANTS_DIR", notebooks_dir / "variants")
    monkeypatch.setattr(study, "execute", fake_execute)
    monkeypatch.setattr(study, "OUT_DIR", tmp_path / "build")
    monkeypatch.setenv("HYBRIDLIB_DATA", str(tmp_path / "data"))  # nothing to hash
    study.main(["--preset", "smoke", "--render", "--force"])
    assert calls == [
        ("02_train", "02_train", None),
        ("03_main_results", "03_main_results", None),
        ("03_main_results", "03_main_results__mlqa-r-to-xquad-r", {"protocol": "mlqa-r>xquad-r"}),
        ("03_main_results", "03_main_results__xquad-r-to-mlqa-r", {"protocol": "xquad-r>mlqa-r"}),
    ], f"each variant runs once after its notebook's default run: {calls}"
    rendered = sorted(str(p.relative_to(notebooks_dir)) for p in notebooks_dir.rglob("*.ipynb"))
    assert rendered == [
        "02_train.ipynb",
        "03_main_results.ipynb",
        "variants/03_main_results__mlqa-r-to-xquad-r.ipynb",
        "variants/03_main_results__xquad-r-to-mlqa-r.ipynb",
    ], f"default renders beside their source, variants under variants/: {rendered}"
    assert "xquad-r-to-mlqa-r" in Path(notebooks_dir / "variants/03_main_results__xquad-r-to-mlqa-r.ipynb").read_text()
    calls.clear()
    study.main(["--preset", "smoke", "--only", "03", "--no-variants", "--force"])
    assert calls == [("03_main_results", "03_main_results", None)], f"--no-variants runs the default only: {calls}"


def test_executed_notebooks_hold_no_progress_bars(tmp_path, monkeypatch):
    """A tqdm widget in a saved notebook shows its first frame ("0%|") to every reader."""
    import nbformat

    monkeypatch.delenv("TQDM_DISABLE", raising=False)  # the test suite sets it; the study must not rely on that
    source = tmp_path / "99_bars.py"
    source.write_text(
        "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n#     name: python3\n# ---\n\n"
        "# %% tags=['parameters']\npreset = 'smoke'\n\n"
        "# %%\nfrom hybridlib.progress import progress\nfor _ in progress(range(3), desc='grid'):\n    pass\nprint('ran')\n"
    )
    out = study.execute(source, "smoke", out_dir=tmp_path / "out")
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    text = str(outputs)
    assert "ran" in text, f"the notebook did not run: {outputs}"
    assert "grid" not in text and "it/s" not in text, f"a progress bar was saved in the notebook: {outputs}"
    assert "TQDM_DISABLE" not in __import__("os").environ, "execute must restore the caller's environment"


def test_a_notebook_with_unchanged_inputs_is_kept_and_any_changed_input_reruns_it(monkeypatch, tmp_path):
    """The render cache: the executed copy is reused only while its source, the library, data, store
    and the figures it wrote are what they were."""
    calls = []
    figures, results = tmp_path / "figures", tmp_path / "results"
    results.mkdir()
    (results / "run.json").write_text("{}")

    def fake_execute(source, preset, out_dir=None, parameters=None, kernel_name="python3", name=None):
        calls.append(name)
        figures.mkdir(exist_ok=True)
        (figures / f"{name}.png").write_bytes(b"png of " + (results / "run.json").read_bytes())
        out = tmp_path / "build" / preset / f"{name}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(), out)
        return out

    notebooks_dir = tmp_path / "notebooks"
    notebooks_dir.mkdir()
    (notebooks_dir / "05_miracl.py").write_text("# one cell\n")
    for name, value in (("RESULTS", results), ("FIGURES", figures), ("DATA", tmp_path / "data")):
        monkeypatch.setenv(f"HYBRIDLIB_{name}", str(value))
    monkeypatch.setattr(study, "REPO", tmp_path)
    monkeypatch.setattr(study, "NOTEBOOKS_DIR", notebooks_dir)
    monkeypatch.setattr(study, "OUT_DIR", tmp_path / "build")
    monkeypatch.setattr(study, "execute", fake_execute)

    def run(*extra) -> list[str]:
        calls.clear()
        study.main(["--preset", "cpu", *extra])
        return list(calls)

    assert run() == ["05_miracl"], "the first run executes"
    assert run() == [], "a second run with the same inputs executes nothing"
    (results / "run.json").write_text('{"changed": 1}')
    assert run() == ["05_miracl"], "a changed record in the store reruns the notebook"
    (figures / "05_miracl.png").unlink()
    assert run() == ["05_miracl"], "a figure the notebook wrote has gone: rerun"
    (notebooks_dir / "05_miracl.py").write_text("# two cells\n")
    assert run() == ["05_miracl"], "a changed notebook source reruns it"
    monkeypatch.setenv("HYBRIDLIB_READ_ONLY", "1")
    assert run() == ["05_miracl"], "a changed HYBRIDLIB_* setting reruns it"
    assert run("--force") == ["05_miracl"], "--force always executes"
