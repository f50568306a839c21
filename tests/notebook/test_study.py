"""The study runner: which notebooks run, with which parameters, and where their renders go."""

from __future__ import annotations

from pathlib import Path

from hybridlib.notebook import study


def test_variant_name_is_a_file_name():
    assert study.variant_name("03_main_results", {"protocol": "mlqa-r>xquad-r"}) == "03_main_results__mlqa-r-to-xquad-r"


def test_main_runs_each_variant_after_its_notebook_and_renders_it_apart(monkeypatch, tmp_path):
    calls = []

    def fake_execute(source, preset, out_dir=None, parameters=None, kernel_name="python3", name=None):
        calls.append((source.stem, name, parameters))
        out = tmp_path / "build" / f"{name}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(name)
        return out

    notebooks_dir = tmp_path / "notebooks"
    notebooks_dir.mkdir()
    for stem in ("02_train", "03_main_results"):
        (notebooks_dir / f"{stem}.py").write_text("")
    monkeypatch.setattr(study, "REPO", tmp_path)
    monkeypatch.setattr(study, "NOTEBOOKS_DIR", notebooks_dir)
    monkeypatch.setattr(study, "VARIANTS_DIR", notebooks_dir / "variants")
    monkeypatch.setattr(study, "execute", fake_execute)
    study.main(["--preset", "smoke", "--render"])
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
    assert Path(notebooks_dir / "variants/03_main_results__xquad-r-to-mlqa-r.ipynb").read_text().endswith("mlqa-r")
    calls.clear()
    study.main(["--preset", "smoke", "--only", "03", "--no-variants"])
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
