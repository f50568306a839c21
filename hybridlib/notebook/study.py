"""Run every notebook in order with papermill: ``python -m hybridlib.notebook.study --preset cpu``.

Notebooks live in ``notebooks/`` as jupytext ``py:percent`` files (paired with ``.ipynb``). Each is
converted in memory, executed with papermill (``preset`` injected into its ``parameters`` cell)
and written to ``build/executed/<preset>/`` (ignored by git); figures go to ``figures/``.
Results already in ``results/`` are reused, so a warm rerun takes minutes; with
``HYBRIDLIB_READ_ONLY=1`` a missing run is an error instead of a computation. ``--render`` copies
the executed notebooks over ``notebooks/*.ipynb``, the committed record readers open.

A notebook listed in :data:`VARIANTS` runs once more per extra parameter set (notebook 03 for the
two cross-dataset protocols); those renders go to ``notebooks/variants/<stem>__<slug>.ipynb``.

A notebook whose inputs are unchanged is not executed again (``--force`` does): its executed copy
holds, in its metadata, the SHA-256 of everything it reads (its source and parameters, the library,
``data/``, the results store, the lock file and the ``HYBRIDLIB_*`` environment) and of the figures it
wrote; when both still match, the copy is kept. A second ``make study`` therefore recomputes nothing,
and a changed record, data file or line of ``hybridlib/`` reruns every notebook.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path
from unittest import mock

from hybridlib.paths import REPO, data_dir, figures_dir, results_dir

NOTEBOOKS_DIR = REPO / "notebooks"
OUT_DIR = REPO / "build" / "executed"
VARIANTS_DIR = NOTEBOOKS_DIR / "variants"
# notebooks executed again with other parameters (after their default run), one render each
VARIANTS: dict[str, tuple[dict, ...]] = {
    "03_main_results": ({"protocol": "mlqa-r>xquad-r"}, {"protocol": "xquad-r>mlqa-r"}),
}


def variant_name(stem: str, parameters: dict) -> str:
    """``03_main_results`` + ``{"protocol": "mlqa-r>xquad-r"}`` -> ``03_main_results__mlqa-r-to-xquad-r``."""
    slug = "_".join(str(v).replace(">", "-to-") for v in parameters.values())
    return f"{stem}__{slug}"


def notebooks(only: list[str] | None = None) -> list[Path]:
    """The numbered notebooks, in order (``only``: name prefixes such as ``00`` or ``03_main``)."""
    found = sorted(p for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))
    if only:
        found = [p for p in found if any(p.stem.startswith(o) for o in only)]
        if not found:
            raise SystemExit(
                f"no notebook matches {only}; have {[p.stem for p in sorted(NOTEBOOKS_DIR.glob('[0-9][0-9]_*.py'))]}"
            )
    return found


def tree_digest(*roots: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``roots`` (sorted; hidden and
    ``__pycache__`` files skipped; a missing root counts as empty)."""
    h = hashlib.sha256()
    for root in roots:
        files = sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []
        for f in files:
            rel = f.relative_to(root)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            h.update(f"{root.name}/{rel.as_posix()}\0".encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def study_inputs() -> str:
    """One digest of what every notebook reads besides its own source: the library, the data, the
    results store, the pinned environment and the ``HYBRIDLIB_*`` settings."""
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("HYBRIDLIB_")}
    lock = REPO / "requirements.lock"
    extra = json.dumps({"env": env, "lock": lock.read_text() if lock.exists() else ""}, sort_keys=True)
    return hashlib.sha256((tree_digest(REPO / "hybridlib", data_dir(), results_dir()) + extra).encode()).hexdigest()


def notebook_key(source: Path, preset: str, parameters: dict | None, inputs: str) -> str:
    """The inputs digest of one notebook run: its source, preset and parameters, and :func:`study_inputs`."""
    blob = json.dumps({"source": source.read_text(), "preset": preset, "parameters": parameters or {}}, sort_keys=True)
    return hashlib.sha256((blob + inputs).encode()).hexdigest()


def _file_sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def unchanged(out: Path, key: str) -> bool:
    """Whether ``out`` (an executed notebook) was run on inputs ``key`` and every figure it wrote
    is still the file it wrote."""
    if not out.is_file():
        return False
    try:
        meta = json.loads(out.read_text()).get("metadata", {}).get("hybridlib", {})
    except json.JSONDecodeError:
        return False
    if meta.get("inputs_sha256") != key:
        return False
    return all(_file_sha(figures_dir() / name) == sha for name, sha in meta.get("figures", {}).items())


def _stamp(out: Path, key: str, figures: dict[str, str]) -> None:
    """Write the inputs key and the figures written into the executed notebook's metadata."""
    import nbformat

    from hybridlib.fileio import write_by_name

    nb = nbformat.read(out, as_version=4)
    nb.metadata["hybridlib"] = {"inputs_sha256": key, "figures": figures}
    write_by_name(out, lambda tmp: nbformat.write(nb, tmp))


def _figure_shas(since: float) -> dict[str, str]:
    root = figures_dir()
    found = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime >= since] if root.exists() else []
    return {p.relative_to(root).as_posix(): _file_sha(p) for p in sorted(found)}


def execute(
    source: Path,
    preset: str,
    out_dir: Path | None = None,
    parameters: dict | None = None,
    kernel_name: str = "python3",
    name: str | None = None,
) -> Path:
    """Execute one jupytext notebook with papermill; returns the executed ``.ipynb`` path
    (``<out_dir>/<name or stem>.ipynb``)."""
    import jupytext
    import nbformat
    import papermill as pm

    out_dir = Path(out_dir or OUT_DIR / preset)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(source)
    name = name or source.stem
    src = out_dir / f".{name}.input.ipynb"
    nbformat.write(nb, src)
    out = out_dir / f"{name}.ipynb"
    # the kernel inherits this environment; a saved progress widget shows its first frame ("0%|") to readers
    with mock.patch.dict(os.environ, TQDM_DISABLE="1"):
        pm.execute_notebook(
            str(src),
            str(out),
            parameters={"preset": preset, **(parameters or {})},
            kernel_name=kernel_name,
            cwd=str(source.parent),
            progress_bar=False,
        )
    src.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu", choices=["smoke", "cpu", "paper"])
    ap.add_argument("--only", nargs="*", help="notebook name prefixes to run (default: all)")
    ap.add_argument(
        "--render",
        action="store_true",
        help="also write each executed notebook over notebooks/NN_name.ipynb (the committed record with outputs)",
    )
    ap.add_argument(
        "--no-variants",
        action="store_true",
        help="skip the per-protocol variants (when only the main protocol's runs changed)",
    )
    ap.add_argument("--force", action="store_true", help="execute every notebook even when its inputs are unchanged")
    args = ap.parse_args(argv)
    total = time.perf_counter()
    for nb in notebooks(args.only):
        runs = [(nb.stem, None, nb.with_suffix(".ipynb"))] + [
            (variant_name(nb.stem, v), v, VARIANTS_DIR / f"{variant_name(nb.stem, v)}.ipynb")
            for v in ([] if args.no_variants else VARIANTS.get(nb.stem, ()))
        ]
        for name, parameters, rendered in runs:
            t0 = time.perf_counter()
            # the inputs as of now (not of the study's start): an earlier notebook may have added runs
            key = notebook_key(nb, args.preset, parameters, study_inputs())
            out = OUT_DIR / args.preset / f"{name}.ipynb"
            if not args.force and unchanged(out, key):
                print(f"[study] {name}: inputs unchanged, kept {out.relative_to(REPO)}", flush=True)
            else:
                print(f"[study] {name} (preset={args.preset}) ...", flush=True)
                started = time.time() - 1  # file systems with 1 s mtimes
                out = execute(nb, args.preset, parameters=parameters, name=name)
                _stamp(out, key, _figure_shas(started))
            if args.render:
                import shutil

                rendered.parent.mkdir(exist_ok=True)
                shutil.copyfile(out, rendered)
            print(f"[study] {name} done in {time.perf_counter() - t0:.0f}s -> {out.relative_to(REPO)}", flush=True)
    print(f"[study] all notebooks done in {time.perf_counter() - total:.0f}s", flush=True)


if __name__ == "__main__":
    main()
