"""sheetsync's modules import each other without cycles, at module level or inside functions.

A cycle held apart by an import inside a function still ties two modules into one room (neither can be
read or changed alone), so function-level imports count as edges. Imports under ``if TYPE_CHECKING:`` do
not: they never run. ``from pkg import name`` is an edge to the submodule ``pkg.name`` when there is one,
else to the package. (The emulator's own graph: emulator/tests/test_import_graph.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import sheetsync

ROOT = Path(sheetsync.__file__).parent


def _module_names() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ["sheetsync", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _module_names()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
    if len(subs) < len(node.names) and target in MODULES:
        subs.add(target)
    return subs


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        stack: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                stack.extend(node.orelse)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _targets(module, path.name == "__init__.py", node)
            stack.extend(ast.iter_child_nodes(node))
        graph[module] = edges - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_checker_finds_a_cycle():
    graph = import_graph()
    graph["sheetsync.redact"] = graph["sheetsync.redact"] | {"sheetsync.daemon.logs"}  # the cycle it once had
    assert ["sheetsync.daemon.logs", "sheetsync.redact"] in cycles(graph)


def test_function_level_imports_count():
    # cli/plan.py imports the vocabulary only inside its stage-report command
    assert "sheetsync.vocabulary" in import_graph()["sheetsync.cli.plan"]
