"""The package's floor plan as a test: no import cycles, and every import points down the pipeline.

Layers, lowest first (a module may import its own layer and those below it, never above):

    errors ← content ← formats ← pipeline ← data, sheets, pdf ← site ← build ← commands ← cli

Within `site`, the MkDocs package (`site.mkdocs`) is imported only by `site.stage`, and imports
no module of the site that imports it. Function-level imports count: an import inside a function
is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "zhinan"

LAYERS = [
    {"zhinan.errors"},
    {"zhinan.content"},
    {"zhinan.formats"},
    {"zhinan.pipeline"},
    {"zhinan.data", "zhinan.sheets", "zhinan.pdf"},
    {"zhinan.site"},
    {"zhinan.build"},
    {"zhinan.commands"},
    {"zhinan.cli", "zhinan.__main__"},
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The zhinan modules `name` imports, anywhere in its body, resolved to modules that exist."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from zhinan.site import selfcheck` imports the submodule; `from zhinan.site import build`
            # imports what the package's __init__ re-exports.
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                       for a in node.names]
        for target in targets:
            if not target.startswith("zhinan"):
                continue
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != name:
                found.add(target)
    # Python runs a package's __init__ before any of its submodules; that is not counted as an
    # import of the __init__ (it would make every package that re-exports its names a cycle).
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> int:
    if name == "zhinan":
        return len(LAYERS)  # the package's own __init__: lazy public names, above everything
    best = [i for i, group in enumerate(LAYERS) for g in group if name == g or name.startswith(g + ".")]
    assert best, f"{name} belongs to no layer: add it to LAYERS in {__file__}"
    return best[0]


def test_every_module_belongs_to_a_layer() -> None:
    for name in MODULES:
        layer(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name: str) -> None:
    upward = sorted(t for t in GRAPH[name] if t != "zhinan" and layer(t) > layer(name))
    assert not upward, f"{name}（第 {layer(name)} 层）导入了上层模块：{upward}"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the whole graph: every component is one module.
    A package's `__init__` that re-exports its submodules is an edge like any other, so a submodule
    that imports its own package's `__init__` (instead of the sibling it needs) shows up here."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"导入循环：{cycles}"


def test_only_the_mkdocs_package_imports_mkdocs() -> None:
    importers = sorted(name for name, path in MODULES.items()
                       if any(isinstance(n, (ast.Import, ast.ImportFrom))
                              and any((a.name if isinstance(n, ast.Import) else (n.module or "")).split(".")[0]
                                      in ("mkdocs", "material") for a in n.names)
                              for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
    assert importers and all(name.startswith("zhinan.site.mkdocs") for name in importers), importers


def test_the_mkdocs_package_is_imported_only_by_the_site_stage() -> None:
    users = sorted(name for name, deps in GRAPH.items()
                   if not name.startswith("zhinan.site.mkdocs") and any(d.startswith("zhinan.site.mkdocs") for d in deps))
    assert users == ["zhinan.site.stage"]


def test_modules_stay_readable() -> None:
    """No module over 800 lines, no script asset over 600: past that a file usually holds two ideas."""
    long = {name: n for name, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert not long, long
    assets = PACKAGE / "assets" / "zhinan"
    long_js = {p.name: n for p in assets.glob("*.js") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long_js, long_js
