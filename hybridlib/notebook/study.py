"""Run every notebook in order with papermill: ``python -m hybridlib.notebook.study --preset cpu``.

Notebooks live in ``notebooks/`` as jupytext ``py:percent`` files (paired with ``.ipynb``). Each is
converted in memory, executed with papermill (``preset`` injected into its ``parameters`` cell)
and written to ``build/executed/<preset>/`` (ignored by git); figures go to ``figures/``.
Results already in ``results/`` are reused, so a warm rerun takes minutes; with
``HYBRIDLIB_READ_ONLY=1`` a missing run is an error instead of a computation. ``--render`` copies
the executed notebooks over ``notebooks/*.ipynb``, the committed record readers open.

A notebook listed in :data:`VARIANTS` runs once more per extra parameter set (notebook 03 for the
two cross-dataset protocols); those renders go to ``notebooks/variants/<stem>__<slug>.ipynb``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from unittest import mock

from hybridlib.paths import REPO

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
    args = ap.parse_args(argv)
    total = time.perf_counter()
    for nb in notebooks(args.only):
        runs = [(nb.stem, None, nb.with_suffix(".ipynb"))] + [
            (variant_name(nb.stem, v), v, VARIANTS_DIR / f"{variant_name(nb.stem, v)}.ipynb")
            for v in ([] if args.no_variants else VARIANTS.get(nb.stem, ()))
        ]
        for name, parameters, rendered in runs:
            t0 = time.perf_counter()
            print(f"[study] {name} (preset={args.preset}) ...", flush=True)
            out = execute(nb, args.preset, parameters=parameters, name=name)
            if args.render:
                import shutil

                rendered.parent.mkdir(exist_ok=True)
                shutil.copyfile(out, rendered)
            print(f"[study] {name} done in {time.perf_counter() - t0:.0f}s -> {out.relative_to(REPO)}", flush=True)
    print(f"[study] all notebooks done in {time.perf_counter() - total:.0f}s", flush=True)


if __name__ == "__main__":
    main()
