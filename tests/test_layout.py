"""The package layout: stages as folders, no import cycle, analysis without torch, README tree current."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import hybridlib

PKG = Path(hybridlib.__file__).parent
REPO = PKG.parent
STAGES = ["data", "models", "evaluation", "train", "runs", "analysis", "notebook"]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every hybridlib module -> the hybridlib modules it imports (at any depth of the file)."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hybridlib"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("hybridlib")}
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_import_cycle():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(path + [node, dep])}")
            if dep not in state:
                visit(dep, path + [node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def test_stages_import_only_earlier_stages():
    """data -> models -> evaluation -> train -> runs -> analysis -> notebook: never backwards."""
    rank = {s: i for i, s in enumerate(STAGES)}
    bad = []
    for mod, deps in _imports().items():
        parts = mod.split(".")
        if len(parts) < 3 or parts[1] not in rank:
            continue
        for d in deps:
            dp = d.split(".")
            if len(dp) >= 2 and dp[1] in rank and rank[dp[1]] > rank[parts[1]]:
                bad.append(f"{mod} imports {d}")
    assert not bad, "a stage imports a later stage:\n" + "\n".join(bad)


def test_analysis_never_imports_torch():
    """Every module of hybridlib.analysis imports without torch (and so does grids' reading side)."""
    modules = sorted(_module_name(p) for p in (PKG / "analysis").glob("*.py") if p.name != "__init__.py")
    assert len(modules) >= 10, f"expected every analysis module, found {modules}"
    code = f"import sys; import {', '.join(modules)}; "
    code += "assert 'torch' not in sys.modules, 'an analysis module imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_readme_tree_lists_every_module():
    """Each module file appears in the README's annotated tree, and nothing there is missing on disk."""
    readme = (REPO / "README.md").read_text()
    tree = readme[readme.index("```\nhybridlib/") : readme.index("```", readme.index("```\nhybridlib/") + 4)]
    listed = set(re.findall(r"([\w]+\.py)", tree))
    on_disk = {p.name for p in PKG.rglob("*.py") if p.name != "__init__.py"}
    assert on_disk <= listed, f"modules missing from the README tree: {sorted(on_disk - listed)}"
    scripts = {n.name for n in (REPO / "scripts").glob("*.py")} | {"NN_name.py"}
    assert listed - on_disk <= scripts, f"README tree lists files that do not exist: {sorted(listed - on_disk)}"
    for stage in STAGES:
        assert f"  {stage}/" in tree, f"stage folder {stage}/ not in the README tree"
