"""The emulator's modules import each other without cycles, at module level or inside functions.

A cycle held apart by an import inside a function still ties two modules into one room (neither
can be read or changed alone), so function-level imports count as edges. Imports under
``if TYPE_CHECKING:`` do not: they never run, and annotations may name a type from a module above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gsheets_emulator as package

PACKAGE = package.__name__
ROOT = Path(package.__file__).parent
MODULES = {p.stem for p in ROOT.glob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node that may run: all of the tree but the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _targets(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement loads ("__init__" for the package itself)."""
    out: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                rest = alias.name[len(PACKAGE):].lstrip(".").split(".")
                out.add(rest[0] if rest[0] else "__init__")
        return out
    if node.level == 1:
        base = node.module or ""
    elif node.level == 0 and node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
        base = node.module[len(PACKAGE):].lstrip(".")
    else:
        return out  # another package (a level-2 import would leave the emulator)
    if base:
        out.add(base.split(".")[0])
    else:  # ``from . import x``: x is a module, or a name from __init__
        for alias in node.names:
            out.add(alias.name if alias.name in MODULES else "__init__")
    return out


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in sorted(MODULES):
        tree = ast.parse((ROOT / f"{name}.py").read_text(), f"{name}.py")
        edges: set[str] = set()
        for node in _runtime_nodes(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _targets(node)
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def test_finder_sees_a_cycle_through_a_function_level_import():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .core import X\n"
                     "def f():\n    from .model import Y\n    from . import a1\n")
    found = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found |= _targets(node)
    assert found == {"model", "a1"}


def test_the_graph_covers_every_module():
    graph = import_graph()
    assert set(graph) == MODULES
    assert "core" in graph["__init__"]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles among the emulator's modules: " + "; ".join(" <-> ".join(c) for c in cycles)
